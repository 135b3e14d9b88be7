#pragma once
// Internal to storage/ (includes zstd): making and reading the stored forms of the `raw` column
// (storage/document_codec.h), with or without a dictionary. Shared by document_codec.cc,
// document_dictionaries.cc and frame_encoder.cc.

#include <zstd.h>

#include <string>
#include <string_view>

#include "proto/result.h"
#include "storage/document_codec.h"
#include "storage/document_ids.h"
#include "storage/field_elision.h"

namespace xrayd::storage::internal {

// The error for a stored document that does not decode, saying `why`.
[[nodiscard]] tl::unexpected<Error> CorruptDocument(std::string_view why);

// The JSON in the zstd frame `blob`, decompressed with `ctx` (null: out of memory) and `dict`
// (null: the frame names none). kMalformed for a frame that does not decode or declares more than
// kMaxDecodedDocumentBytes.
[[nodiscard]] Result<std::string> DecodeFrame(std::string_view blob, ZSTD_DCtx* ctx,
                                              const ZSTD_DDict* dict);

// This thread's compression context (null: out of memory).
[[nodiscard]] ZSTD_CCtx* ThreadCompressor();

// The stored form of `json` compressed with `ctx` and `dict` (null: none) at kCompressionLevel: the
// frame if it is smaller, else `json` unchanged (also when `ctx` is null or zstd fails). With
// `fields` (the document's row values), an elided frame (storage/field_elision.h) when the text
// holds any of them.
[[nodiscard]] std::string EncodeFrame(std::string_view json, ZSTD_CCtx* ctx, const ZSTD_CDict* dict,
                                      const RowFields* fields);

// The JSON of a stored `blob` (a plain, zstd or elided frame), `decode_zstd` decoding its zstd
// frame. An elided frame takes `fields`, the row values it was made with: kMalformed without.
template <typename DecodeZstd>
[[nodiscard]] Result<std::string> DecodeStored(std::string_view blob, const RowFields* fields,
                                               DecodeZstd&& decode_zstd) {
  if (IsElidedFrame(blob)) {
    XRAYD_TRY_ASSIGN(const ElidedFrame frame, ParseElidedFrame(blob));
    if (fields == nullptr) {
      return CorruptDocument("an elided frame read without its row's values");
    }
    XRAYD_TRY_ASSIGN(const std::string text, decode_zstd(frame.inner));
    return RestoreRowFields(text, frame, *fields);
  }
  if (!IsCompressedDocument(blob)) {
    return std::string(blob);
  }
  return decode_zstd(blob);
}

// Level 1: ~3x on segment JSON at a few microseconds per kilobyte, on the writer's thread.
inline constexpr int kCompressionLevel = 1;

}  // namespace xrayd::storage::internal
