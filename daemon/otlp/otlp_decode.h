#pragma once
// Decoders of OTLP/HTTP trace request bodies: gzip, binary protobuf and OTLP JSON (the protobuf
// JSON mapping with OTLP's rules: hex trace and span ids, lowerCamelCase or snake_case field names,
// enums as integers or names, 64-bit integers as numbers or strings). Pure and thread-safe; each
// call owns what it returns. Every failure carries a reason (counted in /metrics) and a message
// (sent back in the 400 body).

#include <cstddef>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace xrayd::daemon::otlp {

using ExportRequest = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

enum class DecodeFailure {
  kBadGzip,      // Not a gzip stream, or cut short.
  kTooLarge,     // Decompressed body over the limit.
  kBadProtobuf,  // Not an ExportTraceServiceRequest in protobuf binary.
  kBadJson,      // Not JSON, or not an ExportTraceServiceRequest in OTLP JSON.
};
const char* DecodeFailureName(DecodeFailure failure) noexcept;  // "bad_gzip", ...

struct DecodeError {
  DecodeFailure reason;
  std::string message;
};

// The decompressed bytes of the gzip stream `body` (concatenated members accepted). kTooLarge as
// soon as the output would exceed `limit` bytes, without inflating further.
tl::expected<std::string, DecodeError> Gunzip(std::string_view body, std::size_t limit);

// kBadProtobuf when `body` does not parse (unknown fields are skipped).
tl::expected<ExportRequest, DecodeError> DecodeProtobuf(std::string_view body);

// kBadJson when `body` is not a JSON object or a field has the wrong type: ids not hex of the
// right length (16 bytes trace id, 8 bytes span id; an empty string is an absent id), numbers
// that are not integers, values nested deeper than 32 levels. Unknown fields are skipped.
tl::expected<ExportRequest, DecodeError> DecodeJson(std::string_view body);

}  // namespace xrayd::daemon::otlp
