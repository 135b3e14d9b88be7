#include "daemon/forward/forwarder.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "daemon/core/log_limiter.h"
#include "daemon/core/thread_priority.h"
#include "daemon/forward/batcher.h"
#include "daemon/forward/segment_sender.h"
#include "daemon/forward/spool_ledger.h"

namespace xrayd::daemon {

// The dispatcher reads the spool through the ledger, forms batches with the batcher and queues
// them; each sender thread takes a batch, delivers it with its SegmentSender and marks it done.
struct Forwarder::Impl {
  Impl(ForwarderOptions o, CredentialsProvider& c, Metrics& m)
      : options(std::move(o)),
        credentials(c),
        fm(options.counters != nullptr ? *options.counters : m.forward),
        spool_counts(m.forward),
        batcher(BatcherLimits{.max_documents = options.max_batch_documents,
                              .max_bytes = options.max_batch_bytes,
                              .idle_flush = options.idle_flush}) {}

  ForwarderOptions options;
  CredentialsProvider& credentials;
  ForwardMetrics& fm;
  ForwardMetrics& spool_counts;  // Where the storage writer counts what it spools.
  SenderOptions sender_options;
  std::unique_ptr<SpoolLedger> ledger;
  Batcher batcher;  // Dispatcher thread only.

  std::mutex mu;
  std::condition_variable work_cv;      // Senders: a batch is ready, or stopping.
  std::condition_variable dispatch_cv;  // Dispatcher and sleepers: progress, or stopping.
  std::deque<Batch> ready;              // GUARDED_BY(mu)
  int in_flight = 0;                    // GUARDED_BY(mu)
  std::atomic<bool> stopping{false};
  std::thread dispatcher;
  std::vector<std::thread> senders;

  // Tracks a closed batch in the ledger and queues it for a sender; a batch of only missing rows
  // has nothing to send and is done at once. REQUIRES: mu held.
  void HandoffLocked(Batch batch) {
    ledger->Track(batch.last_seq, batch.rows, batch.spooled_bytes, batch.first_received_at);
    if (batch.raws.empty()) {
      ledger->MarkDone(batch.last_seq);
      return;
    }
    ready.push_back(std::move(batch));
    work_cv.notify_one();
  }

  // Drops the oldest waiting documents while the spool is over its cap. Dispatcher thread.
  void EnforceCap(LogLimiter& limiter) {
    std::int64_t dropped = 0;
    std::int64_t excess = 0;
    {
      std::lock_guard lock(mu);
      excess = ledger->WaitingBytes() - static_cast<std::int64_t>(options.spool_max_bytes);
      if (excess <= 0) {
        return;
      }
      if (auto closed = batcher.Flush()) {
        HandoffLocked(std::move(*closed));
      }
      // Batches not yet sent are the oldest that can still be dropped (in-flight ones are kept).
      while (excess > 0 && !ready.empty()) {
        Batch& b = ready.front();
        excess -= b.spooled_bytes;
        dropped += b.rows;
        ledger->MarkDone(b.last_seq);
        ready.pop_front();
      }
    }
    while (excess > 0 && !stopping.load()) {
      const SpoolLedger::Dropped unread = ledger->DropUnread(excess);
      if (unread.documents == 0) {
        break;
      }
      excess -= unread.bytes;
      dropped += unread.documents;
    }
    if (dropped > 0) {
      fm.dropped_spool_full.fetch_add(static_cast<std::uint64_t>(dropped));
      if (auto suppressed = limiter.Admit(1, options.clock->SteadyNow())) {
        spdlog::warn(
            "{}: spool over its cap of {} bytes: dropped the {} oldest waiting documents "
            "({} dropped in all)",
            options.log_name, options.spool_max_bytes, dropped, fm.dropped_spool_full.load());
      }
    }
  }

  void Dispatch() {
    LowerThisThreadPriority(options.thread_nice);
    LogLimiter limiter(std::chrono::seconds(10));
    const std::size_t read_ahead = static_cast<std::size_t>(options.concurrency) * 2 + 2;
    while (!stopping.load()) {
      EnforceCap(limiter);
      std::size_t want = 0;
      {
        std::lock_guard lock(mu);
        const std::size_t backlog = ready.size() + static_cast<std::size_t>(in_flight);
        want = backlog < read_ahead ? (read_ahead - backlog) * batcher.DocumentLimit() : 0;
      }
      std::vector<storage::SpooledDocument> rows;
      if (want > 0) {
        auto read = ledger->ReadNext(want, 16u << 20);
        if (!read) {
          if (auto s = limiter.Admit(2, options.clock->SteadyNow())) {
            spdlog::error("{}: cannot read the spool: {}", options.log_name, read.error().message);
          }
        } else {
          rows = std::move(*read);
        }
      }
      const bool read_nothing = rows.empty();
      std::int64_t missing = 0;
      std::unique_lock lock(mu);
      const auto now = options.clock->SteadyNow();
      for (storage::SpooledDocument& row : rows) {
        missing += row.missing ? 1 : 0;
        if (auto closed = batcher.Add(std::move(row), now)) {
          HandoffLocked(std::move(*closed));
        }
      }
      if (auto closed = batcher.FlushIfDue(now)) {
        HandoffLocked(std::move(*closed));
      }
      if (missing > 0) {
        // Retention deleted these documents before they could be sent (an outage longer than the
        // retention period, or a store over its size limit): they cannot be forwarded.
        fm.dropped_retention.fetch_add(static_cast<std::uint64_t>(missing));
        if (auto s = limiter.Admit(3, options.clock->SteadyNow())) {
          spdlog::warn(
              "{}: {} spooled documents were deleted from the store before they "
              "could be forwarded (retention): dropped",
              options.log_name, missing);
        }
      }
      ledger->UpdateGauges(batcher.OpenReceivedAt(), options.clock->NowSeconds());
      if (read_nothing || want == 0) {
        dispatch_cv.wait_for(lock, options.poll_interval, [&] { return stopping.load(); });
      }
    }
  }

  // Sleeps `d` unless stopping; false if stopping.
  bool SleepFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mu);
    return !dispatch_cv.wait_for(lock, d, [&] { return stopping.load(); });
  }

  void Send(int index) {
    LowerThisThreadPriority(options.thread_nice);
    HttpClient client(options.http);
    auto send = [&client](const ClientRequest& request) { return client.Send(request); };
    auto sleep = [this](std::chrono::milliseconds d) { return SleepFor(d); };
    const std::uint64_t seed = std::random_device{}() + static_cast<std::uint64_t>(index);
    std::unique_ptr<BatchSender> sender =
        options.sender_factory ? options.sender_factory(send, sleep, seed)
                               : std::make_unique<SegmentSender>(sender_options, credentials, fm,
                                                                 *options.clock, send, sleep, seed);
    while (true) {
      Batch batch;
      {
        std::unique_lock lock(mu);
        work_cv.wait(lock, [&] { return stopping.load() || !ready.empty(); });
        if (stopping.load()) {
          return;
        }
        batch = std::move(ready.front());
        ready.pop_front();
        ++in_flight;
      }
      const std::vector<std::string_view> raws(batch.raws.begin(), batch.raws.end());
      const bool done = sender->SendBatch(raws);
      std::lock_guard lock(mu);
      --in_flight;
      if (done) {
        ledger->MarkDone(batch.last_seq);
      }
      dispatch_cv.notify_all();
    }
  }
};

Forwarder::Forwarder(ForwarderOptions options, CredentialsProvider& credentials, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), credentials, metrics)) {}

Forwarder::~Forwarder() {
  Stop();
}

Status Forwarder::Start() {
  Impl& d = *impl_;
  if (!d.options.sender_factory) {
    XRAYD_TRY_ASSIGN(XrayTarget target, XrayTargetFor(d.options.endpoint));
    d.sender_options =
        SenderOptions{.target = std::move(target),
                      .region = d.options.region,
                      .request_timeout = d.options.request_timeout,
                      .backoff_initial = d.options.backoff_initial,
                      .backoff_max = d.options.backoff_max,
                      .unprocessed_max_attempts = d.options.unprocessed_max_attempts};
  }
  auto ledger = SpoolLedger::Open(d.options.store_path, d.fm, &d.spool_counts);
  if (!ledger) {
    return tl::unexpected<Error>(std::move(ledger.error()));
  }
  d.ledger = std::move(*ledger);
  const storage::SpoolTotals& totals = d.ledger->Initial();
  if (totals.documents > 0) {
    spdlog::info("{}: {} documents ({} bytes) spooled by an earlier run are sent first",
                 d.options.log_name, totals.documents, totals.bytes);
  }
  d.fm.enabled.store(1);
  d.stopping.store(false);
  d.dispatcher = std::thread([&d] { d.Dispatch(); });
  for (int i = 0; i < std::max(d.options.concurrency, 1); ++i) {
    d.senders.emplace_back([&d, i] { d.Send(i); });
  }
  return {};
}

void Forwarder::Stop() {
  Impl& d = *impl_;
  {
    std::lock_guard lock(d.mu);
    d.stopping.store(true);
  }
  d.work_cv.notify_all();
  d.dispatch_cv.notify_all();
  if (d.dispatcher.joinable()) {
    d.dispatcher.join();
  }
  for (std::thread& t : d.senders) {
    if (t.joinable()) {
      t.join();
    }
  }
  d.senders.clear();
}

const std::atomic<std::int64_t>& Forwarder::Acknowledged() const {
  return impl_->ledger->Acknowledged();
}

}  // namespace xrayd::daemon
