#pragma once
// Counters and gauges of forwarding to AWS X-Ray, a member of Metrics. Relaxed atomics:
// written by the storage writer (spooled), the forwarder's threads and the sampling proxy.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace xrayd::daemon {

// Why a request to X-Ray failed (one count per failed attempt).
enum class ForwardErrorKind : std::uint8_t {
  kTimeout = 0,
  kRefused,
  kDns,
  kTls,
  kHttp4xx,
  kHttp5xx,
  kCredentials,  // No credentials could be obtained for signing.
  kOther,        // Other network or protocol failures.
  kProxy,        // The HTTP proxy refused (CONNECT non-2xx, 407) or is misconfigured.
};
inline constexpr std::size_t kForwardErrorKindCount = 9;
const char* ForwardErrorKindName(ForwardErrorKind kind) noexcept;

struct ForwardMetrics {
  using Counter = std::atomic<std::uint64_t>;
  Counter spooled{0};  // Documents appended to the spool (by the storage writer).
  Counter spooled_in_bytes{0};
  Counter forwarded{0};    // Documents X-Ray accepted.
  Counter requests{0};     // PutTraceSegments requests sent (attempts).
  Counter retried{0};      // Attempts that were retries (of a batch or of one unprocessed doc).
  Counter unprocessed{0};  // Documents X-Ray refused for good (logged with their trace ids).
  Counter dropped_spool_full{0};  // Oldest spooled documents dropped because the spool cap was hit.
  Counter dropped_retention{0};   // Spooled documents deleted by retention before they were read.
  Counter proxied{0};             // Requests relayed upstream by the TCP proxy.
  std::array<Counter, kForwardErrorKindCount> errors{};
  std::atomic<std::int64_t> spooled_bytes{0};      // Bytes waiting to be forwarded.
  std::atomic<std::int64_t> spooled_documents{0};  // Documents waiting to be forwarded.
  std::atomic<std::int64_t> oldest_age_ms{0};      // Age of the oldest waiting document.
  std::atomic<std::int64_t> enabled{0};            // 1 when forwarding is on.

  void CountError(ForwardErrorKind kind) noexcept {
    errors[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
  }
};

// Appends the xrayd_forward_* families in the Prometheus text format.
void RenderForwardMetrics(std::string& out, const ForwardMetrics& m);

}  // namespace xrayd::daemon
