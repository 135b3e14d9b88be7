#pragma once
// Counters of the OTLP receivers, one set per transport (OTLP/HTTP, OTLP/gRPC), rendered under
// xrayd_otlp_* in /metrics with a transport label. Lock-free; owned by the daemon.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace xrayd::daemon::otlp {

// Requests refused whole, by reason (metric label in parentheses).
enum class RequestRefusal : std::uint8_t {
  kUnsupportedMediaType,  // (unsupported_media_type) Content-Type or Content-Encoding.
  kBadGzip,               // (bad_gzip)
  kTooLarge,              // (too_large) decompressed body over the limit.
  kBadProtobuf,           // (bad_protobuf)
  kBadJson,               // (bad_json)
  kQueueFull,             // (queue_full) answered 503 / RESOURCE_EXHAUSTED, the client retries.
};
inline constexpr std::size_t kRequestRefusalCount = 6;

struct OtlpMetrics {
  std::atomic<std::uint64_t> requests{0};        // Export requests received.
  std::atomic<std::uint64_t> spans_received{0};  // Spans in decoded requests.
  std::atomic<std::uint64_t> spans_accepted{0};  // Spans stored as documents.
  std::atomic<std::uint64_t> spans_invalid{0};   // Rejected by the mapping (ids, times).
  std::atomic<std::uint64_t> spans_refused{0};   // Mapped, but refused by the document decoder.
  std::array<std::atomic<std::uint64_t>, kRequestRefusalCount> refused{};

  void Refuse(RequestRefusal reason) {
    refused[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
};

// Prometheus text (HELP and TYPE once per metric) of both transports' counters; every sample
// carries transport="http" or transport="grpc".
std::string RenderOtlpMetrics(const OtlpMetrics& http, const OtlpMetrics& grpc);

}  // namespace xrayd::daemon::otlp
