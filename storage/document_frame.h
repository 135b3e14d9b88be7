#pragma once
// Internal to storage/ (includes zstd): decoding one zstd frame of the `raw` column, with or
// without a dictionary. Shared by document_codec.cc and document_dictionaries.cc.

#include <zstd.h>

#include <string>
#include <string_view>

#include "proto/result.h"

namespace xrayd::storage::internal {

// The JSON in the zstd frame `blob`, decompressed with `ctx` (null: out of memory) and `dict`
// (null: the frame names none). kMalformed for a frame that does not decode or declares more than
// kMaxDecodedDocumentBytes.
[[nodiscard]] Result<std::string> DecodeFrame(std::string_view blob, ZSTD_DCtx* ctx,
                                              const ZSTD_DDict* dict);

// This thread's compression context (null: out of memory).
[[nodiscard]] ZSTD_CCtx* ThreadCompressor();

// The stored form of `json` compressed with `ctx` and `dict` (null: none) at kCompressionLevel: the
// frame if it is smaller, else `json` unchanged (also when `ctx` is null or zstd fails).
[[nodiscard]] std::string EncodeFrame(std::string_view json, ZSTD_CCtx* ctx,
                                      const ZSTD_CDict* dict);

// Level 1: ~3x on segment JSON at a few microseconds per kilobyte, on the writer's thread.
inline constexpr int kCompressionLevel = 1;

// The error for a stored document that does not decode, saying `why`.
[[nodiscard]] tl::unexpected<Error> CorruptDocument(std::string_view why);

}  // namespace xrayd::storage::internal
