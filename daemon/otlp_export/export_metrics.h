#pragma once
// Counters and gauges of the OTLP export, rendered as the xrayd_otlp_export_* families of /metrics.
// The spool side (spool gauges, spool_full and retention drops, errors, retries) is counted by the
// forwarder into `spool`, a ForwardMetrics of the export's own; the rest by OtlpSender. Relaxed
// atomics, written by the export's threads, read by the /metrics handler.

#include <atomic>
#include <cstdint>
#include <string>

#include "daemon/core/forward_metrics.h"

namespace xrayd::daemon::otlp_export {

struct ExportMetrics {
  using Counter = std::atomic<std::uint64_t>;
  // forwarded = documents sent, requests, retried, unprocessed = documents refused for good,
  // dropped_spool_full, dropped_retention, errors by kind, spool gauges, enabled.
  ForwardMetrics spool;
  Counter spans_sent{0};           // Spans in requests the endpoint accepted.
  Counter spans_rejected{0};       // partial_success.rejected_spans of accepted requests.
  Counter skipped_in_progress{0};  // Documents not exported: in progress.
  Counter dropped_invalid{0};      // Documents not exported: not convertible.
};

// Appends the xrayd_otlp_export_* families in the Prometheus text format.
void RenderExportMetrics(std::string& out, const ExportMetrics& m);

}  // namespace xrayd::daemon::otlp_export
