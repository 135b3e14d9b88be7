// DecodeJson (daemon/otlp/otlp_decode.h): OTLP JSON -> ExportTraceServiceRequest.
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/otlp/otlp_decode.h"

namespace xrayd::daemon::otlp {

namespace {

using nlohmann::json;
namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;

constexpr int kMaxDepth = 32;

// Thrown inside this file only; DecodeJson turns it into a DecodeError.
struct JsonShapeError {
  std::string message;
};

[[noreturn]] void Fail(std::string message) {
  throw JsonShapeError{std::move(message)};
}

// The member `camel` (or its snake_case spelling `snake`) of `object`, or null when absent or
// JSON null.
const json* Field(const json& object, const char* camel, const char* snake = nullptr) {
  auto it = object.find(camel);
  if (it == object.end() && snake != nullptr) {
    it = object.find(snake);
  }
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

const json& Object(const json& value, const char* what) {
  if (!value.is_object()) {
    Fail(std::string(what) + " must be an object");
  }
  return value;
}

const json& Array(const json* value, const char* what) {
  static const json kEmpty = json::array();
  if (value == nullptr) {
    return kEmpty;
  }
  if (!value->is_array()) {
    Fail(std::string(what) + " must be an array");
  }
  return *value;
}

std::string String(const json* value, const char* what) {
  if (value == nullptr) {
    return {};
  }
  if (!value->is_string()) {
    Fail(std::string(what) + " must be a string");
  }
  return value->get<std::string>();
}

// An integer field: a JSON integer or a decimal string (the JSON mapping of 64-bit integers).
template <typename T>
T Integer(const json* value, const char* what) {
  if (value == nullptr) {
    return 0;
  }
  if (value->is_number_integer()) {
    if (value->is_number_unsigned()) {
      return static_cast<T>(value->get<std::uint64_t>());
    }
    return static_cast<T>(value->get<std::int64_t>());
  }
  if (value->is_number_float()) {
    // Whole and within T's range: converting a double outside it is undefined behaviour.
    const double d = value->get<double>();
    const double limit = std::ldexp(1.0, std::numeric_limits<T>::digits);  // 2^63 for int64_t.
    const double lowest = std::numeric_limits<T>::is_signed ? -limit : 0.0;
    if (std::isfinite(d) && d == std::floor(d) && d >= lowest && d < limit) {
      return static_cast<T>(d);
    }
  }
  if (value->is_string()) {
    const std::string& s = value->get_ref<const std::string&>();
    T n = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (!s.empty() && ec == std::errc() && ptr == s.data() + s.size()) {
      return n;
    }
  }
  Fail(std::string(what) + " must be an integer");
}

// Hex id of exactly `bytes` bytes, or empty.
std::string HexId(const json* value, std::size_t bytes, const char* what) {
  const std::string hex = String(value, what);
  if (hex.empty()) {
    return {};
  }
  if (hex.size() != bytes * 2) {
    Fail(std::string(what) + " must be " + std::to_string(bytes * 2) + " hex digits");
  }
  std::string out(bytes, '\0');
  for (std::size_t i = 0; i < bytes; ++i) {
    unsigned value_byte = 0;
    auto [ptr, ec] = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, value_byte, 16);
    if (ec != std::errc() || ptr != hex.data() + 2 * i + 2) {
      Fail(std::string(what) + " must be hex");
    }
    out[i] = static_cast<char>(value_byte);
  }
  return out;
}

int Enum(const json* value, const char* what, std::initializer_list<const char*> names) {
  if (value != nullptr && value->is_string()) {
    int index = 0;
    for (const char* name : names) {
      if (*value == name) {
        return index;
      }
      ++index;
    }
    Fail(std::string(what) + ": unknown value " + value->get<std::string>());
  }
  return Integer<int>(value, what);
}

std::string Base64Decode(const std::string& text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      v = 62;
    } else if (c == '/' || c == '_') {
      v = 63;
    } else if (c == '=') {
      break;
    } else {
      Fail("bytesValue must be base64");
    }
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

void ReadKeyValues(const json* list, google::protobuf::RepeatedPtrField<common::KeyValue>* out,
                   int depth);

void ReadAnyValue(const json& value, common::AnyValue* out, int depth) {
  if (depth > kMaxDepth) {
    Fail("attribute values nested deeper than " + std::to_string(kMaxDepth));
  }
  Object(value, "attribute value");
  if (const json* s = Field(value, "stringValue", "string_value")) {
    out->set_string_value(String(s, "stringValue"));
  } else if (const json* b = Field(value, "boolValue", "bool_value")) {
    if (!b->is_boolean()) {
      Fail("boolValue must be a boolean");
    }
    out->set_bool_value(b->get<bool>());
  } else if (const json* i = Field(value, "intValue", "int_value")) {
    out->set_int_value(Integer<std::int64_t>(i, "intValue"));
  } else if (const json* d = Field(value, "doubleValue", "double_value")) {
    if (d->is_number()) {
      out->set_double_value(d->get<double>());
    } else if (d->is_string() && (*d == "NaN" || *d == "Infinity" || *d == "-Infinity")) {
      out->set_double_value(*d == "NaN" ? NAN : *d == "Infinity" ? INFINITY : -INFINITY);
    } else {
      Fail("doubleValue must be a number");
    }
  } else if (const json* a = Field(value, "arrayValue", "array_value")) {
    auto* array = out->mutable_array_value();
    for (const json& element : Array(Field(Object(*a, "arrayValue"), "values"), "values")) {
      ReadAnyValue(element, array->add_values(), depth + 1);
    }
  } else if (const json* kv = Field(value, "kvlistValue", "kvlist_value")) {
    ReadKeyValues(Field(Object(*kv, "kvlistValue"), "values"),
                  out->mutable_kvlist_value()->mutable_values(), depth + 1);
  } else if (const json* bytes = Field(value, "bytesValue", "bytes_value")) {
    out->set_bytes_value(Base64Decode(String(bytes, "bytesValue")));
  }
}

void ReadKeyValues(const json* list, google::protobuf::RepeatedPtrField<common::KeyValue>* out,
                   int depth) {
  for (const json& item : Array(list, "attributes")) {
    Object(item, "attribute");
    common::KeyValue* kv = out->Add();
    kv->set_key(String(Field(item, "key"), "key"));
    if (const json* value = Field(item, "value")) {
      ReadAnyValue(*value, kv->mutable_value(), depth);
    }
  }
}

void ReadSpan(const json& item, trace::Span* span) {
  Object(item, "span");
  span->set_trace_id(HexId(Field(item, "traceId", "trace_id"), 16, "traceId"));
  span->set_span_id(HexId(Field(item, "spanId", "span_id"), 8, "spanId"));
  span->set_trace_state(String(Field(item, "traceState", "trace_state"), "traceState"));
  span->set_parent_span_id(HexId(Field(item, "parentSpanId", "parent_span_id"), 8, "parentSpanId"));
  span->set_name(String(Field(item, "name"), "name"));
  const int kind = Enum(Field(item, "kind"), "kind",
                        {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                         "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"});
  span->set_kind(trace::Span::SpanKind_IsValid(kind) ? static_cast<trace::Span::SpanKind>(kind)
                                                     : trace::Span::SPAN_KIND_UNSPECIFIED);
  span->set_start_time_unix_nano(Integer<std::uint64_t>(
      Field(item, "startTimeUnixNano", "start_time_unix_nano"), "startTimeUnixNano"));
  span->set_end_time_unix_nano(Integer<std::uint64_t>(
      Field(item, "endTimeUnixNano", "end_time_unix_nano"), "endTimeUnixNano"));
  ReadKeyValues(Field(item, "attributes"), span->mutable_attributes(), 0);
  for (const json& e : Array(Field(item, "events"), "events")) {
    Object(e, "event");
    auto* event = span->add_events();
    event->set_time_unix_nano(
        Integer<std::uint64_t>(Field(e, "timeUnixNano", "time_unix_nano"), "timeUnixNano"));
    event->set_name(String(Field(e, "name"), "name"));
    ReadKeyValues(Field(e, "attributes"), event->mutable_attributes(), 0);
  }
  for (const json& l : Array(Field(item, "links"), "links")) {
    Object(l, "link");
    auto* link = span->add_links();
    link->set_trace_id(HexId(Field(l, "traceId", "trace_id"), 16, "links.traceId"));
    link->set_span_id(HexId(Field(l, "spanId", "span_id"), 8, "links.spanId"));
    ReadKeyValues(Field(l, "attributes"), link->mutable_attributes(), 0);
  }
  if (const json* status = Field(item, "status")) {
    Object(*status, "status");
    span->mutable_status()->set_message(String(Field(*status, "message"), "status.message"));
    const int code = Enum(Field(*status, "code"), "status.code",
                          {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"});
    span->mutable_status()->set_code(trace::Status::StatusCode_IsValid(code)
                                         ? static_cast<trace::Status::StatusCode>(code)
                                         : trace::Status::STATUS_CODE_UNSET);
  }
}

}  // namespace

tl::expected<ExportRequest, DecodeError> DecodeJson(std::string_view body) {
  json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    return tl::unexpected(DecodeError{DecodeFailure::kBadJson, "body is not valid JSON"});
  }
  ExportRequest request;
  try {
    Object(root, "request");
    for (const json& rs : Array(Field(root, "resourceSpans", "resource_spans"), "resourceSpans")) {
      Object(rs, "resourceSpans[]");
      auto* resource_spans = request.add_resource_spans();
      if (const json* resource = Field(rs, "resource")) {
        ReadKeyValues(Field(Object(*resource, "resource"), "attributes"),
                      resource_spans->mutable_resource()->mutable_attributes(), 0);
      }
      for (const json& ss : Array(Field(rs, "scopeSpans", "scope_spans"), "scopeSpans")) {
        Object(ss, "scopeSpans[]");
        auto* scope_spans = resource_spans->add_scope_spans();
        if (const json* scope = Field(ss, "scope")) {
          Object(*scope, "scope");
          scope_spans->mutable_scope()->set_name(String(Field(*scope, "name"), "scope.name"));
          scope_spans->mutable_scope()->set_version(
              String(Field(*scope, "version"), "scope.version"));
        }
        for (const json& span : Array(Field(ss, "spans"), "spans")) {
          ReadSpan(span, scope_spans->add_spans());
        }
      }
    }
  } catch (const JsonShapeError& e) {
    return tl::unexpected(DecodeError{DecodeFailure::kBadJson, e.message});
  } catch (const json::exception& e) {
    return tl::unexpected(DecodeError{DecodeFailure::kBadJson, e.what()});
  }
  return request;
}

}  // namespace xrayd::daemon::otlp
