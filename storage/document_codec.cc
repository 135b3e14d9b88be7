#include "storage/document_codec.h"

#include <zstd.h>

#include <memory>

namespace xrayd::storage {
namespace {

// Level 1: ~3x on segment JSON at a few microseconds per kilobyte, on the writer's thread.
constexpr int kCompressionLevel = 1;

struct CctxFree {
  void operator()(ZSTD_CCtx* ctx) const noexcept { ZSTD_freeCCtx(ctx); }
};
struct DctxFree {
  void operator()(ZSTD_DCtx* ctx) const noexcept { ZSTD_freeDCtx(ctx); }
};

ZSTD_CCtx* ThreadCompressor() {
  thread_local std::unique_ptr<ZSTD_CCtx, CctxFree> ctx(ZSTD_createCCtx());
  return ctx.get();
}

ZSTD_DCtx* ThreadDecompressor() {
  thread_local std::unique_ptr<ZSTD_DCtx, DctxFree> ctx(ZSTD_createDCtx());
  return ctx.get();
}

tl::unexpected<Error> Corrupt(std::string_view why) {
  return MakeError(ErrorCode::kMalformed, "stored document does not decode: " + std::string(why));
}

}  // namespace

bool IsCompressedDocument(std::string_view blob) noexcept {
  return blob.size() >= 4 && static_cast<unsigned char>(blob[0]) == 0x28 &&
         static_cast<unsigned char>(blob[1]) == 0xb5 &&
         static_cast<unsigned char>(blob[2]) == 0x2f && static_cast<unsigned char>(blob[3]) == 0xfd;
}

std::string EncodeDocument(std::string_view json) {
  ZSTD_CCtx* ctx = ThreadCompressor();
  if (ctx == nullptr) {
    return std::string(json);  // Out of memory for the context: store plain, still readable.
  }
  std::string frame(ZSTD_compressBound(json.size()), '\0');
  const std::size_t size = ZSTD_compressCCtx(ctx, frame.data(), frame.size(), json.data(),
                                             json.size(), kCompressionLevel);
  if (ZSTD_isError(size) || size >= json.size()) {
    return std::string(json);
  }
  frame.resize(size);
  return frame;
}

Result<std::string> DecodeDocument(std::string_view blob) {
  if (!IsCompressedDocument(blob)) {
    return std::string(blob);
  }
  const unsigned long long declared = ZSTD_getFrameContentSize(blob.data(), blob.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR || declared == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Corrupt("no content size in the frame header");
  }
  if (declared > kMaxDecodedDocumentBytes) {
    return Corrupt("frame declares " + std::to_string(declared) + " bytes");
  }
  ZSTD_DCtx* ctx = ThreadDecompressor();
  if (ctx == nullptr) {
    return MakeError(ErrorCode::kResourceExhausted, "no memory to decompress a stored document");
  }
  std::string json(static_cast<std::size_t>(declared), '\0');
  const std::size_t size =
      ZSTD_decompressDCtx(ctx, json.data(), json.size(), blob.data(), blob.size());
  if (ZSTD_isError(size)) {
    return Corrupt(ZSTD_getErrorName(size));
  }
  if (size != json.size()) {
    return Corrupt("frame content shorter than its header says");
  }
  return json;
}

}  // namespace xrayd::storage
