#pragma once
// Retention: a thread with its own store connection that deletes the least recently updated traces
// when they are older than a maximum age or while the store uses more than a maximum size, in short
// transactions with a pause between them so the storage writer never waits long for the write
// lock. It also refreshes the store gauges of /metrics (size on disk, oldest trace). Start/Stop
// from one controlling thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "daemon/core/background_thread.h"
#include "daemon/core/metrics.h"
#include "proto/clock.h"
#include "proto/result.h"
#include "storage/trace_store.h"

namespace xrayd::daemon {

struct RetentionOptions {
  std::chrono::seconds max_age{7 * 24 * 3600};  // Traces not updated for this long go; 0 = never.
  std::uint64_t max_bytes = 0;  // Store bytes in use above which the oldest traces go; 0 = no cap.
  // A size round deletes down to this fraction of max_bytes, so that it does not run again at once.
  double low_water = 0.9;
  std::chrono::milliseconds interval{60'000};       // Between retention rounds.
  std::chrono::milliseconds gauge_interval{5'000};  // Between gauge refreshes.
  std::size_t traces_per_transaction = 256;
  std::chrono::milliseconds pause{20};  // Between two transactions of a round: the writer goes.
  // Trace ages (wall time) and the round schedule (steady time). Never null; must outlive the
  // Retention. Pauses between rounds and transactions stay in real time.
  const proto::Clock* clock = &proto::SystemClock::Instance();
};

// What one round deleted.
struct RetentionRound {
  std::int64_t traces_by_age = 0;
  std::int64_t traces_by_size = 0;
  std::int64_t documents = 0;
  std::int64_t annotations = 0;
  std::int64_t transactions = 0;
};

class Retention {
 public:
  // `metrics` must outlive the object.
  Retention(std::string store_path, RetentionOptions options, Metrics& metrics);
  ~Retention();
  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  // Opens its connection (kIOError if it cannot) and starts the thread; the first round runs at
  // once.
  [[nodiscard]] Status Start();
  void Stop();

  // One round, on the caller's thread (tests; the thread calls it every interval). REQUIRES: Open
  // succeeded (Start, or OpenForTesting) and the thread is not running. Errors are the store's;
  // what was deleted before an error stays deleted and counted.
  [[nodiscard]] Result<RetentionRound> RunOnce();
  [[nodiscard]] Status OpenForTesting();
  // Updates the store gauges of `metrics` (file sizes, bytes in use, oldest trace).
  void RefreshGauges();

 private:
  void Run();
  // Deletes up to one transaction's worth of traces updated before `cutoff`; adds to `round`.
  Result<std::int64_t> DeleteBatch(double cutoff, RetentionRound& round, bool by_size);

  const std::string store_path_;
  const RetentionOptions options_;
  Metrics& metrics_;
  std::unique_ptr<storage::TraceStore> store_;
  BackgroundThread thread_;
};

}  // namespace xrayd::daemon
