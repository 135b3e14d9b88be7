#include "daemon/core/forward_metrics.h"

#include <string_view>

namespace xrayd::daemon {

const char* ForwardErrorKindName(ForwardErrorKind kind) noexcept {
  switch (kind) {
    case ForwardErrorKind::kTimeout:
      return "timeout";
    case ForwardErrorKind::kRefused:
      return "refused";
    case ForwardErrorKind::kDns:
      return "dns";
    case ForwardErrorKind::kTls:
      return "tls";
    case ForwardErrorKind::kHttp4xx:
      return "4xx";
    case ForwardErrorKind::kHttp5xx:
      return "5xx";
    case ForwardErrorKind::kCredentials:
      return "credentials";
    case ForwardErrorKind::kOther:
      return "other";
    case ForwardErrorKind::kProxy:
      return "proxy";
  }
  return "unknown";
}

namespace {

void Line(std::string& out, std::string_view name, std::string_view type, std::string_view help,
          std::int64_t value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

std::int64_t Get(const ForwardMetrics::Counter& c) {
  return static_cast<std::int64_t>(c.load(std::memory_order_relaxed));
}

}  // namespace

void RenderForwardMetrics(std::string& out, const ForwardMetrics& m) {
  Line(out, "xrayd_forward_enabled", "gauge", "1 when documents are forwarded to AWS X-Ray.",
       m.enabled.load(std::memory_order_relaxed));
  Line(out, "xrayd_forward_spooled_total", "counter", "Documents appended to the forwarding spool.",
       Get(m.spooled));
  Line(out, "xrayd_forward_segments_total", "counter",
       "Documents accepted by X-Ray (PutTraceSegments).", Get(m.forwarded));
  Line(out, "xrayd_forward_requests_total", "counter", "PutTraceSegments attempts.",
       Get(m.requests));
  Line(out, "xrayd_forward_retries_total", "counter",
       "PutTraceSegments attempts that retried a batch or an unprocessed document.",
       Get(m.retried));
  Line(out, "xrayd_forward_unprocessed_total", "counter",
       "Documents X-Ray refused for good (logged with their trace ids).", Get(m.unprocessed));
  Line(out, "xrayd_forward_dropped_total", "counter",
       "Spooled documents given up before sending, every reason: the sum of "
       "xrayd_forward_dropped_by_reason_total.",
       Get(m.dropped_spool_full) + Get(m.dropped_retention));
  out.append(
      "# HELP xrayd_forward_dropped_by_reason_total Spooled documents given up before sending: "
      "spool_full (the spool reached its size cap, oldest first), retention (retention deleted the "
      "stored document before it was read for sending).\n");
  out.append("# TYPE xrayd_forward_dropped_by_reason_total counter\n");
  out.append("xrayd_forward_dropped_by_reason_total{reason=\"spool_full\"} ")
      .append(std::to_string(Get(m.dropped_spool_full)))
      .append("\n");
  out.append("xrayd_forward_dropped_by_reason_total{reason=\"retention\"} ")
      .append(std::to_string(Get(m.dropped_retention)))
      .append("\n");
  Line(out, "xrayd_forward_proxied_total", "counter", "Requests relayed to X-Ray by the TCP proxy.",
       Get(m.proxied));
  out.append("# HELP xrayd_forward_errors_total Failed requests to X-Ray, by kind.\n");
  out.append("# TYPE xrayd_forward_errors_total counter\n");
  for (std::size_t i = 0; i < kForwardErrorKindCount; ++i) {
    out.append("xrayd_forward_errors_total{kind=\"")
        .append(ForwardErrorKindName(static_cast<ForwardErrorKind>(i)))
        .append("\"} ")
        .append(std::to_string(Get(m.errors[i])))
        .append("\n");
  }
  Line(out, "xrayd_forward_spool_bytes", "gauge", "Bytes of documents waiting to be forwarded.",
       m.spooled_bytes.load(std::memory_order_relaxed));
  Line(out, "xrayd_forward_spool_documents", "gauge", "Documents waiting to be forwarded.",
       m.spooled_documents.load(std::memory_order_relaxed));
  Line(out, "xrayd_forward_oldest_age_seconds", "gauge",
       "Age of the oldest document waiting to be forwarded (0 when none).",
       m.oldest_age_ms.load(std::memory_order_relaxed) / 1000);
}

}  // namespace xrayd::daemon
