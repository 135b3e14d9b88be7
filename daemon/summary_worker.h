#pragma once
// SummaryWorker: a thread with its own read-write store connection that keeps trace summaries up
// to date (query/summarizer.h) once traces go quiet, off the storage writer's path. Rounds are
// short transactions so the writer never waits long for the lock. Start/Stop from one thread.

#include <chrono>
#include <memory>
#include <string>

#include "daemon/core/background_thread.h"
#include "daemon/core/metrics.h"
#include "proto/clock.h"
#include "proto/result.h"
#include "query/summarizer.h"
#include "storage/trace_store.h"

namespace xrayd::daemon {

struct SummaryWorkerOptions {
  std::chrono::milliseconds interval{250};  // Pause between rounds when there was nothing to do.
  double quiet_seconds = 1.0;               // A trace is summarized once this long without writes.
  std::size_t traces_per_round = 256;
  // Decides when a trace is quiet (wall time) and paces log lines. Never null; must outlive the
  // worker. The pause between rounds stays in real time.
  const proto::Clock* clock = &proto::SystemClock::Instance();
};

class SummaryWorker {
 public:
  // `metrics` must outlive the worker; `listener` is called on the worker thread.
  SummaryWorker(std::string store_path, SummaryWorkerOptions options, Metrics& metrics,
                query::SummaryListener listener = {});
  ~SummaryWorker();
  SummaryWorker(const SummaryWorker&) = delete;
  SummaryWorker& operator=(const SummaryWorker&) = delete;

  // Opens its connection and starts the thread. kIOError if the store cannot be opened.
  [[nodiscard]] Status Start();
  void Stop();

 private:
  void Run();

  const std::string store_path_;
  const SummaryWorkerOptions options_;
  Metrics& metrics_;
  const query::SummaryListener listener_;
  std::unique_ptr<storage::TraceStore> store_;
  BackgroundThread thread_;
};

}  // namespace xrayd::daemon
