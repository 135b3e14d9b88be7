#pragma once
// The OTLP/HTTP trace receiver: POST /v1/traces (docs/otlp-mapping.md#receiver). Decodes the
// request (protobuf or JSON, optionally gzip), maps each span to a segment document
// (daemon/otlp/span_mapper.h), validates it with the same decoder as UDP documents and pushes
// the batch on the ingest queue, so stored spans are indistinguishable from UDP segments.
// Handlers run on HTTP threads concurrently; everything here is thread-safe.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/api/api_router.h"
#include "daemon/api/xray_api.h"
#include "daemon/otlp/span_mapper.h"

namespace xrayd::daemon::otlp {

// Requests refused whole, by reason (metric label in parentheses).
enum class RequestRefusal : std::uint8_t {
  kUnsupportedMediaType,  // (unsupported_media_type) Content-Type or Content-Encoding.
  kBadGzip,               // (bad_gzip)
  kTooLarge,              // (too_large) decompressed body over the limit.
  kBadProtobuf,           // (bad_protobuf)
  kBadJson,               // (bad_json)
  kQueueFull,             // (queue_full) answered 503, the client retries.
};
inline constexpr std::size_t kRequestRefusalCount = 6;

// Counters of the receiver, rendered under xrayd_otlp_* in /metrics. Owned by the daemon.
struct OtlpMetrics {
  std::atomic<std::uint64_t> requests{0};        // POST /v1/traces received.
  std::atomic<std::uint64_t> spans_received{0};  // Spans in decoded requests.
  std::atomic<std::uint64_t> spans_accepted{0};  // Spans stored as documents.
  std::atomic<std::uint64_t> spans_invalid{0};   // Rejected by the mapping (ids, times).
  std::atomic<std::uint64_t> spans_refused{0};   // Mapped, but refused by the document decoder.
  std::array<std::atomic<std::uint64_t>, kRequestRefusalCount> refused{};

  // Prometheus text of the counters above (HELP and TYPE lines included).
  std::string Render() const;
};

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
