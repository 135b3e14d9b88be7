#include "storage/document_codec.h"

#include <zstd.h>

#include <algorithm>
#include <memory>

#include "storage/document_frame.h"

namespace xrayd::storage {
namespace {

struct CctxFree {
  void operator()(ZSTD_CCtx* ctx) const noexcept { ZSTD_freeCCtx(ctx); }
};
struct DctxFree {
  void operator()(ZSTD_DCtx* ctx) const noexcept { ZSTD_freeDCtx(ctx); }
};

ZSTD_DCtx* ThreadDecompressor() {
  thread_local std::unique_ptr<ZSTD_DCtx, DctxFree> ctx(ZSTD_createDCtx());
  return ctx.get();
}

}  // namespace

bool IsCompressedDocument(std::string_view blob) noexcept {
  return blob.size() >= 4 && static_cast<unsigned char>(blob[0]) == 0x28 &&
         static_cast<unsigned char>(blob[1]) == 0xb5 &&
         static_cast<unsigned char>(blob[2]) == 0x2f && static_cast<unsigned char>(blob[3]) == 0xfd;
}

std::string EncodeDocument(std::string_view json, const RowFields* fields) {
  return internal::EncodeFrame(json, internal::ThreadCompressor(), nullptr, fields);
}

Result<std::string> DecodeDocument(std::string_view blob, const RowFields* fields) {
  return internal::DecodeStored(blob, fields, [](std::string_view frame) {
    return internal::DecodeFrame(frame, ThreadDecompressor(), nullptr);
  });
}

namespace internal {

ZSTD_CCtx* ThreadCompressor() {
  thread_local std::unique_ptr<ZSTD_CCtx, CctxFree> ctx(ZSTD_createCCtx());
  return ctx.get();
}

std::string EncodeFrame(std::string_view json, ZSTD_CCtx* ctx, const ZSTD_CDict* dict,
                        const RowFields* fields) {
  if (ctx == nullptr) {
    return std::string(json);  // Out of memory for the context: store plain, still readable.
  }
  ElidedText elided;
  if (fields != nullptr) {
    elided = ElideRowFields(json, *fields);
  }
  const std::string_view input = elided.header.empty() ? json : std::string_view(elided.text);
  // Compressed into a per-thread buffer, then copied: the result holds no spare capacity (it may
  // wait in the ingest queue, which counts its memory). Rare large documents get their own buffer,
  // so that the thread's does not keep their size.
  constexpr std::size_t kThreadBufferMax = 256 * 1024;
  thread_local std::string thread_buffer;
  std::string own_buffer;
  const std::size_t bound = ZSTD_compressBound(input.size());
  std::string& frame = bound <= kThreadBufferMax ? thread_buffer : own_buffer;
  frame.resize(std::max(frame.size(), bound));
  const std::size_t size = dict == nullptr
                               ? ZSTD_compressCCtx(ctx, frame.data(), frame.size(), input.data(),
                                                   input.size(), kCompressionLevel)
                               : ZSTD_compress_usingCDict(ctx, frame.data(), frame.size(),
                                                          input.data(), input.size(), dict);
  if (ZSTD_isError(size) || elided.header.size() + size >= json.size()) {
    return std::string(json);
  }
  std::string stored;
  stored.reserve(elided.header.size() + size);
  stored.append(elided.header).append(frame.data(), size);
  return stored;
}

tl::unexpected<Error> CorruptDocument(std::string_view why) {
  return MakeError(ErrorCode::kMalformed, "stored document does not decode: " + std::string(why));
}

Result<std::string> DecodeFrame(std::string_view blob, ZSTD_DCtx* ctx, const ZSTD_DDict* dict) {
  const unsigned long long declared = ZSTD_getFrameContentSize(blob.data(), blob.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR || declared == ZSTD_CONTENTSIZE_UNKNOWN) {
    return CorruptDocument("no content size in the frame header");
  }
  if (declared > kMaxDecodedDocumentBytes) {
    return CorruptDocument("frame declares " + std::to_string(declared) + " bytes");
  }
  if (ctx == nullptr) {
    return MakeError(ErrorCode::kResourceExhausted, "no memory to decompress a stored document");
  }
  std::string json(static_cast<std::size_t>(declared), '\0');
  const std::size_t size =
      dict == nullptr ? ZSTD_decompressDCtx(ctx, json.data(), json.size(), blob.data(), blob.size())
                      : ZSTD_decompress_usingDDict(ctx, json.data(), json.size(), blob.data(),
                                                   blob.size(), dict);
  if (ZSTD_isError(size)) {
    return CorruptDocument(ZSTD_getErrorName(size));
  }
  if (size != json.size()) {
    return CorruptDocument("frame content shorter than its header says");
  }
  return json;
}

}  // namespace internal
}  // namespace xrayd::storage
