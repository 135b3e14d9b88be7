#pragma once
// StorageWriter: the single thread that drains the IngestQueue into the TraceStore, one transaction
// per batch. A failed transaction (disk full, I/O error) is retried with backoff: accepted
// documents are never discarded while the daemon runs; meanwhile the queue fills and receivers
// count drops. Owns its thread; Start/Stop from one controlling thread.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <thread>

#include "daemon/core/metrics.h"
#include "daemon/ingest/ingest_queue.h"
#include "proto/clock.h"
#include "storage/trace_store.h"

namespace xrayd::daemon {

struct StorageWriterOptions {
  // A transaction holds at most this many documents...
  std::size_t max_batch_documents = 4096;
  // ...and at most this many bytes (IngestQueue::BatchBytes), plus at most one receive batch: with
  // the queue's capacity this bounds the documents held in memory (-m/--buffer-memory).
  std::size_t max_batch_bytes = static_cast<std::size_t>(-1);
  // ...and is committed at most this long after its first document was taken from the queue.
  // Larger transactions rewrite each hot index page fewer times; 200 ms keeps documents readable
  // well within a second of arrival.
  std::chrono::milliseconds commit_interval{200};
  // While a transaction gathers documents, the writer sleeps until this many are queued (or the
  // transaction's room, if smaller, or its commit interval ends) instead of waking for every
  // receive batch: each wake is a futex round trip, ~5 % of the daemon's CPU at 20,000 docs/s.
  std::size_t gather_wake_documents = 512;
  std::chrono::milliseconds idle_wait{50};
  // On Stop, how long a failing store keeps being retried before the rest is counted as dropped.
  std::chrono::milliseconds shutdown_retry_budget{3000};
  // Forwarding (daemon/forwarder.h): when `forward_spool`, every committed document is also
  // appended to the store's forward queue; rows up to *forward_acked (may be null) are deleted by
  // this thread, within the next transaction or on their own when idle.
  bool forward_spool = false;
  const std::atomic<std::int64_t>* forward_acked = nullptr;
  // A second reader of the same spool (OTLP export, daemon/otlp_export/), or null: when both are
  // set, rows are deleted only up to the lower of the two watermarks.
  const std::atomic<std::int64_t>* export_acked = nullptr;
  // When set, new traces whose documents arrive in one batch get their summary in its transaction
  // (storage::TraceStore::SetNewTraceSummarizer).
  storage::TraceStore::NewTraceSummarizer new_trace_summarizer = nullptr;
  // Called on the writer's thread after each commit with the committed documents and what the
  // store did with them (PutStats::summarized). May be empty.
  std::function<void(std::span<const proto::Document> docs, const storage::PutStats& stats,
                     double received_at)>
      on_committed = nullptr;
  // Commit deadlines, the shutdown retry budget, log rate limits. Never null; must outlive the
  // writer. Waits on the queue and retry backoffs stay in real time.
  const proto::Clock* clock = &proto::SystemClock::Instance();
};

class StorageWriter {
 public:
  // `queue`, `store` and `metrics` must outlive the writer; `store` is used only by its thread.
  StorageWriter(IngestQueue& queue, storage::TraceStore& store, Metrics& metrics,
                StorageWriterOptions options);
  ~StorageWriter();
  StorageWriter(const StorageWriter&) = delete;
  StorageWriter& operator=(const StorageWriter&) = delete;

  void Start();
  // Closes the queue, writes everything queued, joins the thread.
  void Stop();

 private:
  void Run();
  // Writes `batches` in one transaction (see Write). Returns when committed, or when stopping and
  // the retry budget is spent (then counts the documents as dropped).
  void WriteWithRetry(std::vector<QueuedBatch>& batches);
  // Commits `documents` in one transaction, retrying I/O failures with backoff. If the store
  // refuses a document as invalid, each document is written on its own and only the refused ones
  // are dropped (counted, logged with their ids).
  void Write(std::span<const proto::Document> documents, double received_at);
  void CountCommitted(std::size_t documents, const storage::PutStats& stats);
  // Returns freed heap memory to the operating system when idle, at most once a second.
  void ReleaseFreeMemory();
  // Passes the forwarder's watermark to the store; `trim_now` deletes acknowledged rows at once.
  void ApplyForwardAcks(bool trim_now);

  IngestQueue& queue_;
  storage::TraceStore& store_;
  Metrics& metrics_;
  const StorageWriterOptions options_;
  std::atomic<bool> stopping_{false};
  proto::Clock::SteadyTime last_trim_{};
  std::thread thread_;
};

}  // namespace xrayd::daemon
