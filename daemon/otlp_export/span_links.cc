// The document's `links` -> OTLP span links (docs/otlp-mapping.md#export, rule "links").
#include "daemon/otlp_export/segment_spans.h"
#include "daemon/otlp_export/span_fields.h"

namespace xrayd::daemon::otlp_export {
namespace {

using nlohmann::json;
using opentelemetry::proto::common::v1::AnyValue;

// Nesting limit of link attribute values; deeper parts are left out.
constexpr int kMaxValueDepth = 16;

// `value` as an AnyValue; false (nothing set) for null and for what is nested too deep.
bool ToAnyValue(const json& value, AnyValue& out, int depth) {
  if (depth > kMaxValueDepth || value.is_null()) {
    return false;
  }
  if (value.is_array()) {
    auto* array = out.mutable_array_value();
    for (const json& item : value) {
      AnyValue converted;
      if (ToAnyValue(item, converted, depth + 1)) {
        *array->add_values() = std::move(converted);
      }
    }
    return true;
  }
  if (value.is_object()) {
    auto* list = out.mutable_kvlist_value();
    for (const auto& [key, item] : value.items()) {
      AnyValue converted;
      if (ToAnyValue(item, converted, depth + 1)) {
        auto* kv = list->add_values();
        kv->set_key(key);
        *kv->mutable_value() = std::move(converted);
      }
    }
    return true;
  }
  Attributes one;
  if (!PutScalar(one, "", value)) {
    return false;
  }
  out = std::move(*one.Mutable(0)->mutable_value());
  return true;
}

}  // namespace

void MapLinks(const json& node, Span& span) {
  const json* links = Member(node, "links");
  if (links == nullptr || !links->is_array()) {
    return;
  }
  for (const json& link : *links) {
    std::string trace_id;
    std::string span_id;
    if (!TraceIdBytes(StringMember(link, "trace_id"), trace_id) ||
        !SpanIdBytes(StringMember(link, "id"), span_id)) {
      continue;
    }
    auto* out = span.add_links();
    out->set_trace_id(std::move(trace_id));
    out->set_span_id(std::move(span_id));
    const json* attributes = Member(link, "attributes");
    if (attributes == nullptr || !attributes->is_object()) {
      continue;
    }
    for (const auto& [key, value] : attributes->items()) {
      AnyValue converted;
      if (ToAnyValue(value, converted, 0)) {
        auto* kv = out->add_attributes();
        kv->set_key(key);
        *kv->mutable_value() = std::move(converted);
      }
    }
  }
}

}  // namespace xrayd::daemon::otlp_export
