#include "daemon/otlp/otlp_decode.h"

#include <zlib.h>

#include <cstdint>

namespace xrayd::daemon::otlp {

const char* DecodeFailureName(DecodeFailure failure) noexcept {
  switch (failure) {
    case DecodeFailure::kBadGzip:
      return "bad_gzip";
    case DecodeFailure::kTooLarge:
      return "too_large";
    case DecodeFailure::kBadProtobuf:
      return "bad_protobuf";
    case DecodeFailure::kBadJson:
      return "bad_json";
  }
  return "unknown";
}

tl::expected<std::string, DecodeError> Gunzip(std::string_view body, std::size_t limit) {
  z_stream stream{};
  // 16 + MAX_WBITS: gzip wrapper only.
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
    return tl::unexpected(DecodeError{DecodeFailure::kBadGzip, "cannot start gzip decoder"});
  }
  std::string out;
  char buffer[64 * 1024];
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  int rc = Z_OK;
  while (true) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      break;
    }
    const std::size_t produced = sizeof(buffer) - stream.avail_out;
    if (out.size() + produced > limit) {
      inflateEnd(&stream);
      return tl::unexpected(
          DecodeError{DecodeFailure::kTooLarge,
                      "decompressed body larger than " + std::to_string(limit) + " bytes"});
    }
    out.append(buffer, produced);
    if (rc == Z_STREAM_END) {
      if (stream.avail_in == 0) {
        break;
      }
      inflateReset(&stream);  // Another gzip member follows.
      continue;
    }
    if (stream.avail_in == 0 && produced == 0) {
      rc = Z_BUF_ERROR;  // Input ended before the stream did.
      break;
    }
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) {
    return tl::unexpected(
        DecodeError{DecodeFailure::kBadGzip, "body is not a complete gzip stream"});
  }
  return out;
}

tl::expected<ExportRequest, DecodeError> DecodeProtobuf(std::string_view body) {
  ExportRequest request;
  if (body.size() > static_cast<std::size_t>(INT32_MAX) ||
      !request.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return tl::unexpected(DecodeError{DecodeFailure::kBadProtobuf,
                                      "body is not a protobuf ExportTraceServiceRequest"});
  }
  return request;
}

}  // namespace xrayd::daemon::otlp
