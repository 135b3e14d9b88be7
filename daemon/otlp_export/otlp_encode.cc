#include "daemon/otlp_export/otlp_encode.h"

#include <zlib.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

namespace xrayd::daemon::otlp_export {
namespace {

using nlohmann::json;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) {
      out.push_back(kAlphabet[(v >> shift) & 63]);
    }
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) {
      v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    }
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

json Attributes(const google::protobuf::RepeatedPtrField<KeyValue>& attrs);

json Value(const AnyValue& value) {
  switch (value.value_case()) {
    case AnyValue::kStringValue:
      return {{"stringValue", value.string_value()}};
    case AnyValue::kBoolValue:
      return {{"boolValue", value.bool_value()}};
    case AnyValue::kIntValue:
      return {{"intValue", std::to_string(value.int_value())}};
    case AnyValue::kDoubleValue:
      return {{"doubleValue", value.double_value()}};
    case AnyValue::kArrayValue: {
      json values = json::array();
      for (const AnyValue& v : value.array_value().values()) {
        values.push_back(Value(v));
      }
      return {{"arrayValue", {{"values", std::move(values)}}}};
    }
    case AnyValue::kKvlistValue:
      return {{"kvlistValue", {{"values", Attributes(value.kvlist_value().values())}}}};
    case AnyValue::kBytesValue:
      return {{"bytesValue", Base64(value.bytes_value())}};
    default:
      return json::object();
  }
}

json Attributes(const google::protobuf::RepeatedPtrField<KeyValue>& attrs) {
  json out = json::array();
  for (const KeyValue& kv : attrs) {
    out.push_back({{"key", kv.key()}, {"value", Value(kv.value())}});
  }
  return out;
}

json SpanJson(const Span& span) {
  json out = {{"traceId", Hex(span.trace_id())},
              {"spanId", Hex(span.span_id())},
              {"name", span.name()},
              {"kind", static_cast<int>(span.kind())},
              {"startTimeUnixNano", std::to_string(span.start_time_unix_nano())},
              {"endTimeUnixNano", std::to_string(span.end_time_unix_nano())},
              {"attributes", Attributes(span.attributes())}};
  if (!span.parent_span_id().empty()) {
    out["parentSpanId"] = Hex(span.parent_span_id());
  }
  if (span.events_size() > 0) {
    json events = json::array();
    for (const Span::Event& e : span.events()) {
      events.push_back({{"timeUnixNano", std::to_string(e.time_unix_nano())},
                        {"name", e.name()},
                        {"attributes", Attributes(e.attributes())}});
    }
    out["events"] = std::move(events);
  }
  if (span.has_status()) {
    out["status"] = {{"code", static_cast<int>(span.status().code())},
                     {"message", span.status().message()}};
  }
  return out;
}

}  // namespace

const char* OtlpProtocolName(OtlpProtocol protocol) noexcept {
  switch (protocol) {
    case OtlpProtocol::kHttpJson:
      return "http/json";
    case OtlpProtocol::kGrpc:
      return "grpc";
    case OtlpProtocol::kHttpProtobuf:
      break;
  }
  return "http/protobuf";
}

const char* ContentTypeOf(OtlpProtocol protocol) noexcept {
  return protocol == OtlpProtocol::kHttpJson ? "application/json" : "application/x-protobuf";
}

std::string EncodeJson(const ExportRequest& request) {
  json resource_spans = json::array();
  for (const auto& rs : request.resource_spans()) {
    json scopes = json::array();
    for (const auto& ss : rs.scope_spans()) {
      json spans = json::array();
      for (const Span& span : ss.spans()) {
        spans.push_back(SpanJson(span));
      }
      scopes.push_back({{"scope", {{"name", ss.scope().name()}, {"version", ss.scope().version()}}},
                        {"spans", std::move(spans)}});
    }
    resource_spans.push_back(
        {{"resource", {{"attributes", Attributes(rs.resource().attributes())}}},
         {"scopeSpans", std::move(scopes)}});
  }
  // Invalid UTF-8 (none in validated documents) is replaced rather than thrown on.
  return json{{"resourceSpans", std::move(resource_spans)}}.dump(-1, ' ', false,
                                                                 json::error_handler_t::replace);
}

std::string Encode(const ExportRequest& request, OtlpProtocol protocol) {
  return protocol == OtlpProtocol::kHttpJson ? EncodeJson(request) : request.SerializeAsString();
}

std::string Gzip(std::string_view data) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);  // The buffer holds deflateBound: one call finishes.
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

PartialSuccess ParsePartialSuccess(std::string_view body, OtlpProtocol protocol) {
  PartialSuccess result;
  if (body.empty()) {
    return result;
  }
  if (protocol != OtlpProtocol::kHttpJson) {
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
    if (response.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      result.rejected_spans = response.partial_success().rejected_spans();
      result.error_message = response.partial_success().error_message();
    }
    return result;
  }
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const auto partial = parsed.is_object() ? parsed.find("partialSuccess") : parsed.end();
  if (!parsed.is_object() || partial == parsed.end() || !partial->is_object()) {
    return result;
  }
  if (auto n = partial->find("rejectedSpans"); n != partial->end()) {
    if (n->is_number_integer()) {
      result.rejected_spans = n->get<std::int64_t>();
    } else if (n->is_string()) {
      result.rejected_spans = std::strtoll(n->get<std::string>().c_str(), nullptr, 10);
    }
  }
  if (auto m = partial->find("errorMessage"); m != partial->end() && m->is_string()) {
    result.error_message = m->get<std::string>();
  }
  return result;
}

}  // namespace xrayd::daemon::otlp_export
