#pragma once
// OTLP/HTTP request bodies for the exporter: ExportTraceServiceRequest in binary protobuf or OTLP
// JSON (the protobuf JSON mapping with OTLP's rules: trace and span ids as hex, enums as integers,
// 64-bit integers as strings, lowerCamelCase names), gzip, and the partial success of an answer.
// Pure and thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/otlp_export/segment_spans.h"

namespace xrayd::daemon::otlp_export {

// kGrpc: TraceService/Export (otlp_grpc_sender.h), whose messages are the protobuf bodies.
enum class OtlpProtocol { kHttpProtobuf, kHttpJson, kGrpc };

// "http/protobuf", "http/json", "grpc".
const char* OtlpProtocolName(OtlpProtocol protocol) noexcept;
// The Content-Type of a body in `protocol`.
const char* ContentTypeOf(OtlpProtocol protocol) noexcept;

// `request` as OTLP JSON text.
std::string EncodeJson(const ExportRequest& request);
// `request` in `protocol`.
std::string Encode(const ExportRequest& request, OtlpProtocol protocol);
// `data` as one gzip member.
std::string Gzip(std::string_view data);

// The partial success of a 2xx ExportTraceServiceResponse body in `protocol`: spans the receiver
// rejected (0 when absent or the body is empty or unreadable) and its message.
struct PartialSuccess {
  std::int64_t rejected_spans = 0;
  std::string error_message;
};
PartialSuccess ParsePartialSuccess(std::string_view body, OtlpProtocol protocol);

}  // namespace xrayd::daemon::otlp_export
