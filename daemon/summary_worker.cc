#include "daemon/summary_worker.h"

#include <spdlog/spdlog.h>

#include "daemon/core/log_limiter.h"
#include "daemon/core/thread_priority.h"

namespace xrayd::daemon {

SummaryWorker::SummaryWorker(std::string store_path, SummaryWorkerOptions options, Metrics& metrics,
                             query::SummaryListener listener)
    : store_path_(std::move(store_path)),
      options_(options),
      metrics_(metrics),
      listener_(std::move(listener)) {}

SummaryWorker::~SummaryWorker() {
  Stop();
}

Status SummaryWorker::Start() {
  auto store = storage::TraceStore::Open(store_path_, storage::OpenMode::kReadWriteNoAutoCheckpoint,
                                         storage::kReaderCacheKib);
  if (!store) {
    return tl::unexpected(store.error());
  }
  store_ = std::move(*store);
  thread_.Start([this] { Run(); });
  return {};
}

void SummaryWorker::Stop() {
  thread_.Stop();
  store_.reset();
}

void SummaryWorker::Run() {
  // Summaries only speed up search: they take the CPU that ingest leaves, so a flood of segments
  // never competes with them.
  LowerThisThreadPriority(10);
  LogLimiter limiter(std::chrono::seconds(60));
  bool busy = false;
  for (;;) {
    if (!busy) {
      (void)thread_.Sleep(options_.interval);
    }
    if (thread_.Stopping()) {
      return;  // Stale summaries are finished by the next run; search never depends on them.
    }
    const double quiet_before = options_.clock->NowSeconds() - options_.quiet_seconds;
    auto done =
        query::SummarizeStaleTraces(*store_, quiet_before, options_.traces_per_round, listener_);
    if (done) {
      // Read back first: whoever sees the total move sees this count too.
      metrics_.summaries_read_back.fetch_add(*done, std::memory_order_relaxed);
      metrics_.traces_summarized.fetch_add(*done, std::memory_order_relaxed);
      busy = *done == options_.traces_per_round;
    } else {
      busy = false;
      metrics_.summary_errors.fetch_add(1, std::memory_order_relaxed);
      if (auto suppressed = limiter.Admit(0, options_.clock->SteadyNow())) {
        spdlog::warn("search: summarizing traces failed: {}{}", done.error().message,
                     *suppressed > 0 ? fmt::format(" ({} more)", *suppressed) : std::string());
      }
    }
  }
}

}  // namespace xrayd::daemon
