#pragma once
// IngestQueue: the bounded hand-off from receivers (UDP listener, later the HTTP API) to the
// storage writer. Multi-producer, single-consumer. Producers never block: TryPush refuses when the
// queue holds `capacity_bytes` of documents (proto::ApproximateMemory), and the caller counts the
// drop. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include "proto/document.h"

namespace xrayd::daemon {

struct Metrics;

// Documents received together, with their receive time (epoch seconds).
struct IngestBatch {
  std::vector<proto::Document> documents;
  double received_at = 0;
  // What the queue counts for the batch (IngestQueue::BatchBytes), set by TryPush, so that the
  // documents are measured once.
  std::size_t bytes = 0;
};

class IngestQueue {
 public:
  // `metrics` (may be null) gets the depth gauges; it must outlive the queue.
  IngestQueue(std::size_t capacity_bytes, Metrics* metrics);
  IngestQueue(const IngestQueue&) = delete;
  IngestQueue& operator=(const IngestQueue&) = delete;

  // Moves `batch` in and returns true, or returns false (and leaves `batch` untouched) if it would
  // exceed the capacity or the queue is closed. An empty batch is accepted and ignored.
  bool TryPush(IngestBatch& batch) noexcept;

  // A hint, for work worth doing only on a batch the queue would take: whether `bytes` more fit
  // now. TryPush decides.
  bool HasRoomFor(std::size_t bytes) const;

  // Waits up to `wait` until `wake_documents` documents are queued (or half the capacity's bytes,
  // or the queue is closed), then moves out whole batches holding up to `max_documents` documents
  // and `max_bytes` (as BatchBytes counts them) in total: at least one batch if any is queued, also
  // when the wait ran out first. Returns an empty vector on timeout with nothing queued, or when
  // the queue is closed and empty. A waiting consumer is woken only when its threshold is reached,
  // not by every push.
  std::vector<IngestBatch> PopUpTo(std::size_t max_documents, std::chrono::milliseconds wait,
                                   std::size_t max_bytes = static_cast<std::size_t>(-1),
                                   std::size_t wake_documents = 1);

  // After Close, TryPush refuses; PopUpTo still drains what is queued.
  void Close();
  bool Closed() const;

  std::size_t Bytes() const;
  std::size_t Documents() const;

  // Memory a batch is accounted for: raw bytes plus a fixed per-document overhead.
  static std::size_t BatchBytes(const IngestBatch& batch) noexcept;

 private:
  // True when a waiting PopUpTo should return. REQUIRES: mu_ held.
  bool WakeDue() const;

  const std::size_t capacity_bytes_;
  Metrics* const metrics_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_;
  std::deque<IngestBatch> batches_;  // GUARDED_BY(mu_)
  std::size_t bytes_ = 0;            // GUARDED_BY(mu_)
  std::size_t documents_ = 0;        // GUARDED_BY(mu_)
  bool closed_ = false;              // GUARDED_BY(mu_)
  // The waiting consumer's threshold (PopUpTo's wake_documents); 1 when none waits.
  std::size_t wake_documents_ = 1;  // GUARDED_BY(mu_)
};

}  // namespace xrayd::daemon
