#include "daemon/otlp_export/segment_spans.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "daemon/otlp_export/span_fields.h"
#include "proto/text.h"

namespace xrayd::daemon::otlp_export {
namespace {

using nlohmann::json;
using opentelemetry::proto::trace::v1::ScopeSpans;
using opentelemetry::proto::trace::v1::Status;

// Embedded subsegments nest at most this deep (as the segment decoder allows); deeper ones are
// left out rather than recursed into.
constexpr int kMaxDepth = 64;

bool HexBytes(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) {
    return false;
  }
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  bool nonzero = false;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = proto::HexDigitValue(hex[i]);
    const int lo = proto::HexDigitValue(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return false;
    }
    nonzero = nonzero || hi != 0 || lo != 0;
    bytes.push_back(static_cast<char>(hi * 16 + lo));
  }
  if (!nonzero) {
    return false;
  }
  out = std::move(bytes);
  return true;
}

// Seconds as nanoseconds, at the microsecond precision X-Ray SDKs write (no float noise below).
bool Nanos(const json& node, std::string_view key, std::uint64_t& out) {
  const json* v = Member(node, key);
  if (v == nullptr || !v->is_number()) {
    return false;
  }
  const double seconds = v->get<double>();
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > 1e11) {
    return false;
  }
  out = static_cast<std::uint64_t>(std::llround(seconds * 1e6)) * 1000u;
  return true;
}

bool Flag(const json& node, std::string_view key) {
  const json* v = Member(node, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

// Annotations as typed attributes, and their keys in aws.xray.annotations (so that an exporter
// following the awsxray rules makes them annotations again).
void MapAnnotations(const json& node, Attributes& attrs) {
  const json* annotations = Member(node, "annotations");
  if (annotations == nullptr || !annotations->is_object()) {
    return;
  }
  opentelemetry::proto::common::v1::ArrayValue keys;
  for (const auto& [key, value] : annotations->items()) {
    if (PutScalar(attrs, key, value)) {
      keys.add_values()->set_string_value(key);
    }
  }
  if (keys.values_size() > 0) {
    auto* kv = attrs.Add();
    kv->set_key("aws.xray.annotations");
    *kv->mutable_value()->mutable_array_value() = std::move(keys);
  }
}

// Each metadata namespace as aws.xray.metadata.<namespace>, its value as JSON text.
void MapMetadata(const json& node, Attributes& attrs) {
  const json* metadata = Member(node, "metadata");
  if (metadata == nullptr || !metadata->is_object()) {
    return;
  }
  for (const auto& [ns, value] : metadata->items()) {
    PutString(attrs, "aws.xray.metadata." + ns, value.dump());
  }
}

struct Context {
  std::string trace_id;  // 16 bytes.
  ScopeSpans* scope = nullptr;
  std::size_t spans = 0;
};

// The span of `node` and of its embedded subsegments. `parent` is the enclosing node's id (8
// bytes) or the document's parent_id; `top` marks the stored document itself. False when an id or
// a time is not valid (then the document is not exported at all).
bool AppendNode(const json& node, const std::string& parent, bool top, bool segment, int depth,
                std::uint64_t parent_end, Context& ctx) {
  Span span;
  span.set_trace_id(ctx.trace_id);
  std::string id;
  if (!SpanIdBytes(StringMember(node, "id"), id)) {
    return false;
  }
  span.set_span_id(id);
  if (!parent.empty()) {
    span.set_parent_span_id(parent);
  }
  span.set_name(StringMember(node, "name"));
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  if (!Nanos(node, "start_time", start)) {
    return false;
  }
  Attributes& attrs = *span.mutable_attributes();
  if (!Nanos(node, "end_time", end)) {
    // Only an embedded subsegment gets here in progress (a document in progress is not exported):
    // it ends with its parent, marked as in progress.
    if (!Flag(node, "in_progress") || top) {
      return false;
    }
    end = std::max(parent_end, start);
    PutBool(attrs, "aws.xray.inprogress", true);
  }
  span.set_start_time_unix_nano(start);
  span.set_end_time_unix_nano(std::max(end, start));

  const std::string ns = StringMember(node, "namespace");
  if (segment) {
    span.set_kind(Span::SPAN_KIND_SERVER);
  } else if (ns == "remote" || ns == "aws") {
    span.set_kind(Span::SPAN_KIND_CLIENT);
  } else {
    span.set_kind(Span::SPAN_KIND_INTERNAL);
  }
  if (ns == "aws") {
    PutString(attrs, "aws.service", span.name());
  }
  MapHttp(node, attrs);
  if (!segment) {
    MapAwsCall(node, attrs);
  }
  MapSql(node, attrs);
  if (const std::string user = StringMember(node, "user"); !user.empty()) {
    PutString(attrs, "enduser.id", user);
  }
  MapAnnotations(node, attrs);
  MapMetadata(node, attrs);
  MapLinks(node, span);

  const bool fault = Flag(node, "fault");
  const bool error = Flag(node, "error");
  const bool throttle = Flag(node, "throttle");
  const std::string message = MapCause(node, span.end_time_unix_nano(), span);
  if (fault || error || throttle) {
    Status& status = *span.mutable_status();
    status.set_code(Status::STATUS_CODE_ERROR);
    status.set_message(!message.empty() ? message : fault ? "fault" : "error");
  }
  const std::uint64_t node_end = span.end_time_unix_nano();
  *ctx.scope->add_spans() = std::move(span);
  ++ctx.spans;

  const json* children = Member(node, "subsegments");
  if (children == nullptr || !children->is_array() || depth >= kMaxDepth) {
    return true;
  }
  for (const json& child : *children) {
    if (!child.is_object() ||
        !AppendNode(child, id, /*top=*/false, /*segment=*/false, depth + 1, node_end, ctx)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool TraceIdBytes(std::string_view trace_id, std::string& out) {
  if (trace_id.size() == 35 && trace_id.substr(0, 2) == "1-" && trace_id[10] == '-') {
    std::string hex(trace_id.substr(2, 8));
    hex.append(trace_id.substr(11));
    return HexBytes(hex, out);
  }
  return trace_id.size() == 32 && HexBytes(trace_id, out);
}

bool SpanIdBytes(std::string_view id, std::string& out) {
  return id.size() == 16 && HexBytes(id, out);
}

DocumentOutcome AppendDocument(std::string_view raw, ExportRequest& request, std::size_t& spans) {
  spans = 0;
  const json doc = json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return DocumentOutcome::kInvalid;
  }
  if (Flag(doc, "in_progress")) {
    return DocumentOutcome::kInProgress;
  }
  Context ctx;
  if (!TraceIdBytes(StringMember(doc, "trace_id"), ctx.trace_id)) {
    return DocumentOutcome::kInvalid;
  }
  const bool segment = StringMember(doc, "type") != "subsegment";
  std::string parent;
  if (const std::string parent_id = StringMember(doc, "parent_id"); !parent_id.empty()) {
    if (!SpanIdBytes(parent_id, parent)) {
      return DocumentOutcome::kInvalid;
    }
  }
  opentelemetry::proto::trace::v1::ResourceSpans resource_spans;
  if (segment) {
    MapResource(doc, *resource_spans.mutable_resource()->mutable_attributes());
  }
  ctx.scope = resource_spans.add_scope_spans();
  ctx.scope->mutable_scope()->set_name("xrayd");
  ctx.scope->mutable_scope()->set_version(XRAYD_VERSION);
  if (!AppendNode(doc, parent, /*top=*/true, segment, 0, 0, ctx)) {
    return DocumentOutcome::kInvalid;
  }
  *request.add_resource_spans() = std::move(resource_spans);
  spans = ctx.spans;
  return DocumentOutcome::kConverted;
}

}  // namespace xrayd::daemon::otlp_export
