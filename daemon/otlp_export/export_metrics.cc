#include "daemon/otlp_export/export_metrics.h"

namespace xrayd::daemon::otlp_export {
namespace {

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

template <typename T>
void Sample(std::string& out, std::string_view name, std::string_view labels, const T& value) {
  out.append(name);
  if (!labels.empty()) {
    out.append("{").append(labels).append("}");
  }
  out.append(" ").append(std::to_string(value.load(std::memory_order_relaxed))).append("\n");
}

}  // namespace

void RenderExportMetrics(std::string& out, const ExportMetrics& m) {
  const ForwardMetrics& f = m.spool;
  Family(out, "xrayd_otlp_export_enabled", "gauge", "1 when stored documents are exported (OTLP).");
  Sample(out, "xrayd_otlp_export_enabled", "", f.enabled);
  Family(out, "xrayd_otlp_export_documents_sent_total", "counter",
         "Documents exported in requests the OTLP endpoint accepted.");
  Sample(out, "xrayd_otlp_export_documents_sent_total", "", f.forwarded);
  Family(out, "xrayd_otlp_export_spans_sent_total", "counter",
         "Spans in requests the OTLP endpoint accepted.");
  Sample(out, "xrayd_otlp_export_spans_sent_total", "", m.spans_sent);
  Family(out, "xrayd_otlp_export_spans_rejected_total", "counter",
         "Spans the endpoint listed as rejected in a partial success.");
  Sample(out, "xrayd_otlp_export_spans_rejected_total", "", m.spans_rejected);
  Family(out, "xrayd_otlp_export_requests_total", "counter", "Export requests sent (attempts).");
  Sample(out, "xrayd_otlp_export_requests_total", "", f.requests);
  Family(out, "xrayd_otlp_export_retries_total", "counter", "Export attempts that were retries.");
  Sample(out, "xrayd_otlp_export_retries_total", "", f.retried);
  Family(out, "xrayd_otlp_export_failed_total", "counter", "Failed export attempts, by kind.");
  for (std::size_t i = 0; i < kForwardErrorKindCount; ++i) {
    Sample(out, "xrayd_otlp_export_failed_total",
           std::string("kind=\"") + ForwardErrorKindName(static_cast<ForwardErrorKind>(i)) + "\"",
           f.errors[i]);
  }
  Family(out, "xrayd_otlp_export_dropped_total", "counter",
         "Spooled documents not exported, by reason: spool_full (spool cap), retention (deleted "
         "before read), refused (the endpoint refused for good), invalid (not convertible), "
         "in_progress (the completed version is exported).");
  Sample(out, "xrayd_otlp_export_dropped_total", "reason=\"spool_full\"", f.dropped_spool_full);
  Sample(out, "xrayd_otlp_export_dropped_total", "reason=\"retention\"", f.dropped_retention);
  Sample(out, "xrayd_otlp_export_dropped_total", "reason=\"refused\"", f.unprocessed);
  Sample(out, "xrayd_otlp_export_dropped_total", "reason=\"invalid\"", m.dropped_invalid);
  Sample(out, "xrayd_otlp_export_dropped_total", "reason=\"in_progress\"", m.skipped_in_progress);
  Family(out, "xrayd_otlp_export_spool_documents", "gauge", "Documents waiting to be exported.");
  Sample(out, "xrayd_otlp_export_spool_documents", "", f.spooled_documents);
  Family(out, "xrayd_otlp_export_spool_bytes", "gauge",
         "Bytes of documents waiting to be exported.");
  Sample(out, "xrayd_otlp_export_spool_bytes", "", f.spooled_bytes);
}

}  // namespace xrayd::daemon::otlp_export
