#pragma once
// Pipeline counters shared by the UDP listener, the storage writer and the HTTP API.
// Thread-safe: every field is a relaxed atomic; readers see a consistent-enough snapshot for
// metrics.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core/forward_metrics.h"
#include "proto/rejection.h"

namespace xrayd::daemon {

enum class DropReason : std::uint8_t {
  kQueueFull = 0,     // The hand-off queue to the storage writer was full.
  kStorageError = 1,  // Storage kept failing until shutdown; the documents could not be committed.
};
inline constexpr std::size_t kDropReasonCount = 2;
const char* DropReasonName(DropReason reason) noexcept;

// Why the HTTP server refused a request before routing it (daemon/api/request_guard.h).
enum class ApiRefusal : std::uint8_t {
  kHost = 0,          // A browser request naming a Host xrayd does not answer to (DNS rebinding).
  kCrossSite = 1,     // A browser request from another site or a foreign Origin (CSRF).
  kContentType = 2,   // An API body typed as a page may send it without a preflight.
  kMissingAuth = 3,   // --api-auth sigv4: no signature.
  kUnknownKey = 4,    // --api-auth sigv4: an access key id not configured.
  kBadSignature = 5,  // --api-auth sigv4: the signature does not verify.
};
inline constexpr std::size_t kApiRefusalCount = 6;
const char* ApiRefusalName(ApiRefusal reason) noexcept;

// Traces counted per group name (docs/groups.md#approximatetracecount ApproximateTraceCount; a
// Prometheus counter whose rate is the per-minute count). Thread-safe.
class GroupTraceCounts {
 public:
  void Add(const std::string& group, std::uint64_t n = 1) {
    std::lock_guard lock(mu_);
    counts_[group] += n;
  }
  std::vector<std::pair<std::string, std::uint64_t>> Snapshot() const {
    std::lock_guard lock(mu_);
    return {counts_.begin(), counts_.end()};
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::uint64_t> counts_;  // GUARDED_BY(mu_)
};

struct Metrics {
  using Counter = std::atomic<std::uint64_t>;

  Counter datagrams_received{0};
  Counter segments_accepted{0};                               // Documents that passed validation.
  std::array<Counter, proto::kRejectReasonCount> rejected{};  // Datagrams, by RejectReason.
  std::array<Counter, kDropReasonCount> dropped{};            // Documents, by DropReason.
  Counter segments_stored{0};  // Documents in committed transactions (includes no-op writes).
  Counter segments_inserted{0};
  Counter segments_replaced{0};
  Counter segments_duplicate{0};
  Counter segments_stale_in_progress{0};
  Counter annotations_indexed{0};
  Counter annotations_unindexed{0};   // Invalid key or value type: kept in raw, not indexed.
  Counter annotations_over_limit{0};  // Beyond the 50 indexed keys of a trace.
  Counter storage_commits{0};
  Counter storage_errors{0};               // Failed transactions (each is retried).
  Counter receive_buffer_errors{0};        // recvmmsg errors other than EAGAIN.
  Counter checkpoints{0};                  // WAL checkpoints run by the checkpointer thread.
  std::atomic<std::int64_t> wal_bytes{0};  // Size of the SQLite WAL after the last checkpoint.
  Counter traces_summarized{0};            // Trace summaries written (search cache, schema.h).
  Counter summaries_read_back{0};          // Of those, made by reading the documents back.
  Counter summary_errors{0};               // Summary rounds that failed (retried next round).
  std::atomic<std::int64_t> queue_documents{0};
  std::atomic<std::int64_t> queue_bytes{0};
  // Store on disk and retention (daemon/retention.h refreshes these every few seconds).
  std::atomic<std::int64_t> store_file_bytes{0};          // traces.db file size.
  std::atomic<std::int64_t> store_wal_file_bytes{0};      // traces.db-wal file size.
  std::atomic<std::int64_t> store_used_bytes{0};          // Pages in use (retention compares this).
  std::atomic<std::int64_t> oldest_trace_age_seconds{0};  // Since its last update; 0 if none.
  std::atomic<std::int64_t> store_dictionaries{0};        // Compression dictionaries stored.
  Counter retention_rounds{0};
  Counter retention_errors{0};
  Counter retention_traces_deleted_age{0};
  Counter retention_traces_deleted_size{0};
  Counter retention_documents_deleted{0};
  ForwardMetrics forward;         // Forwarding to AWS X-Ray (daemon/forward_metrics.h).
  GroupTraceCounts group_traces;  // New traces that are members of each group.
  std::array<Counter, kApiRefusalCount> api_refused{};  // HTTP requests, by ApiRefusal.
  Counter searches_cancelled{0};  // Trace searches stopped because their client went away.

  void CountRejected(proto::RejectReason reason) noexcept {
    rejected[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  void CountRefused(ApiRefusal reason) noexcept {
    api_refused[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  void CountDropped(DropReason reason, std::uint64_t n) noexcept {
    dropped[static_cast<std::size_t>(reason)].fetch_add(n, std::memory_order_relaxed);
  }
};

// Appends the store, retention and process families (daemon/metrics_process.cc): store sizes,
// oldest trace, retention counters, and this process's RSS and CPU seconds read from /proc/self.
void RenderStoreAndProcessMetrics(std::string& out, const Metrics& m);

// Renders `m` in the Prometheus text exposition format (version 0.0.4).
std::string RenderPrometheus(const Metrics& m);

}  // namespace xrayd::daemon
