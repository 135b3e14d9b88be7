#pragma once
// Stored X-Ray documents -> OTLP spans, following the rules of the OpenTelemetry Collector's
// awsxray receiver (docs/otlp-mapping.md, "Export", lists every rule). Pure: no I/O, no logging, no
// shared state; thread-safe.
//
// One document (a segment, or an independently sent subsegment, with its embedded subsegments)
// becomes one ResourceSpans holding one span per segment or subsegment. A document that is
// `in_progress` is not exported: its completed version is stored (and spooled) when it arrives.

#include <cstddef>
#include <string>
#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace xrayd::daemon::otlp_export {

using ExportRequest = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

// What became of one document.
enum class DocumentOutcome {
  kConverted,   // Its spans were appended.
  kInProgress,  // Not exported: in progress.
  kInvalid,     // Not exported: not a JSON object, or a trace id, id or time that is not valid.
};

// Appends the spans of the stored document `raw` (minified JSON, as the store keeps it) to
// `request` as one ResourceSpans; `spans` receives how many. Nothing is appended unless kConverted.
DocumentOutcome AppendDocument(std::string_view raw, ExportRequest& request, std::size_t& spans);

// The 16 bytes of a trace id written `1-xxxxxxxx-yyyyyyyyyyyyyyyyyyyyyyyy` (or as 32 hex digits);
// false when it is neither.
bool TraceIdBytes(std::string_view trace_id, std::string& out);
// The 8 bytes of a 16-hex-digit segment id; false otherwise (or all zero).
bool SpanIdBytes(std::string_view id, std::string& out);

}  // namespace xrayd::daemon::otlp_export
