#pragma once
// The OTLP/HTTP trace receiver: POST /v1/traces (docs/otlp-mapping.md#receiver). Decodes the
// request (protobuf or JSON, optionally gzip), maps each span to a segment document
// (daemon/otlp/span_mapper.h), validates it with the same decoder as UDP documents and pushes
// the batch on the ingest queue (daemon/otlp/otlp_ingest.h), so stored spans are indistinguishable
// from UDP segments.
// Handlers run on HTTP threads concurrently; everything here is thread-safe.

#include <cstddef>

#include "daemon/api/api_router.h"
#include "daemon/api/xray_api.h"
#include "daemon/otlp/otlp_metrics.h"
#include "daemon/otlp/span_mapper.h"

namespace xrayd::daemon::otlp {

struct OtlpReceiverOptions {
  MappingOptions mapping;
  // Largest decompressed body; compressed bodies are limited by the HTTP server (413).
  std::size_t max_body_bytes = 8u << 20;
};

// Registers POST /v1/traces on `router`. `services.queue`, `services.metrics`, `services.clock` and
// `metrics` must outlive the router; `options` is copied.
void RegisterOtlpRoutes(ApiRouter& router, const ApiServices& services,
                        const OtlpReceiverOptions& options, OtlpMetrics& metrics);

}  // namespace xrayd::daemon::otlp
