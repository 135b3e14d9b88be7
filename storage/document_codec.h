#pragma once
// How a document's JSON is kept in the `raw` column of `documents` (storage/schema.h): a zstd frame
// when that is smaller, else the JSON itself; given the document's row values, an elided frame
// (storage/field_elision.h) that leaves their text out. They are told apart by their first bytes
// (a zstd frame starts with 28 b5 2f fd, an elided frame with one of 19-1d; JSON text starts with
// none of them), so rows written before compression, and documents too small to gain, are read back
// unchanged. Thread-safe: each thread keeps its own compression state.

#include <cstddef>
#include <string>
#include <string_view>

#include "proto/result.h"

namespace xrayd::storage {

// Upper bound on a decoded document; a frame claiming more is corrupt (the API and UDP limits are
// far below it).
inline constexpr std::size_t kMaxDecodedDocumentBytes = 64u << 20;

struct RowFields;

// The stored form of `json`: a zstd frame (fast level) if it is smaller, else `json` unchanged.
// With `fields`, the row values stored with the document, the frame may leave them out.
std::string EncodeDocument(std::string_view json, const RowFields* fields = nullptr);

// The JSON of a stored `blob`. kMalformed for a frame that does not decode (truncated, corrupt,
// over kMaxDecodedDocumentBytes, elided but read without `fields`); anything that is not a frame
// is returned unchanged. `fields` must be the row values the document was stored with.
Result<std::string> DecodeDocument(std::string_view blob, const RowFields* fields = nullptr);

// True iff `blob` starts with the zstd frame magic number.
bool IsCompressedDocument(std::string_view blob) noexcept;

}  // namespace xrayd::storage
