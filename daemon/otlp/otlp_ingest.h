#pragma once
// The transport-independent half of an OTLP trace export: every span of a decoded request is
// mapped to its segment documents (daemon/otlp/span_mapper.h), validated by the same decoder as UDP
// documents, and the accepted ones go on the ingest queue as one batch. OTLP/HTTP and OTLP/gRPC
// both call it, so their spans are stored alike. Thread-safe.

#include <cstdint>
#include <string>

#include "daemon/api/xray_api.h"
#include "daemon/otlp/otlp_decode.h"
#include "daemon/otlp/otlp_metrics.h"
#include "daemon/otlp/span_mapper.h"

namespace xrayd::daemon::otlp {

struct ExportOutcome {
  // False: the queue had no room for the batch; nothing was stored and the span counters beyond
  // spans_received are untouched (the client is told to retry).
  bool queued = true;
  std::uint64_t rejected = 0;  // Spans that could not become documents (partial success).
  std::string message;         // Partial success's error message; empty when rejected == 0.
};

// Maps and enqueues `request`. Counts spans in `metrics` and accepted documents in
// services.metrics. REQUIRES: services.queue, services.metrics and services.clock are set.
ExportOutcome IngestExport(const ExportRequest& request, const ApiServices& services,
                           const MappingOptions& mapping, OtlpMetrics& metrics);

}  // namespace xrayd::daemon::otlp
