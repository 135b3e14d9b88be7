#pragma once
// IngestQueue: the bounded hand-off from receivers (UDP, the X-Ray API, OTLP) to the storage
// writer. Multi-producer, single-consumer. A batch waits packed into one buffer
// (proto/document_pack.h), and the queue counts those buffers' bytes. Producers never block:
// TryPush refuses when the queue holds `capacity_bytes`, and the caller counts the drop.
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "proto/document.h"

namespace xrayd::daemon {

struct Metrics;

// Documents received together, with their receive time (epoch seconds), as a producer hands them
// to the queue.
struct IngestBatch {
  std::vector<proto::Document> documents;
  double received_at = 0;
};

// A batch as the queue holds and returns it: its documents packed (proto::PackDocuments).
struct QueuedBatch {
  std::string packed;
  std::size_t documents = 0;
  double received_at = 0;
  // What the queue counts for the batch (IngestQueue::BatchBytes).
  std::size_t bytes = 0;

  // Assigns the batch's documents to `out`'s elements, reusing their buffers (see
  // proto::UnpackDocuments). REQUIRES: out.size() == documents. False only if the packed bytes are
  // damaged: a defect, never the input's fault.
  [[nodiscard]] bool UnpackInto(std::span<proto::Document> out) const;
};

class IngestQueue {
 public:
  // `metrics` (may be null) gets the depth gauges; it must outlive the queue.
  IngestQueue(std::size_t capacity_bytes, Metrics* metrics);
  IngestQueue(const IngestQueue&) = delete;
  IngestQueue& operator=(const IngestQueue&) = delete;

  // Packs `batch` in, clears its documents and returns true, or returns false (and leaves `batch`
  // untouched) if it would exceed the capacity or the queue is closed. An empty batch is accepted
  // and ignored.
  bool TryPush(IngestBatch& batch);

  // A hint, for work worth doing only on a batch the queue would take: whether `bytes` more fit
  // now. TryPush decides.
  bool HasRoomFor(std::size_t bytes) const;

  // Waits up to `wait` until `wake_documents` documents are queued (or half the capacity's bytes,
  // or the queue is closed), then moves out whole batches holding up to `max_documents` documents
  // and `max_bytes` (as BatchBytes counts them) in total: at least one batch if any is queued, also
  // when the wait ran out first. Returns an empty vector on timeout with nothing queued, or when
  // the queue is closed and empty. A waiting consumer is woken only when its threshold is reached,
  // not by every push.
  std::vector<QueuedBatch> PopUpTo(std::size_t max_documents, std::chrono::milliseconds wait,
                                   std::size_t max_bytes = static_cast<std::size_t>(-1),
                                   std::size_t wake_documents = 1);

  // After Close, TryPush refuses; PopUpTo still drains what is queued.
  void Close();
  bool Closed() const;

  std::size_t Bytes() const;
  std::size_t Documents() const;

  // What the queue counts for `batch`: its packed bytes (its JSON or compressed frame, ids,
  // annotations and summary facts) and the queue entry's own.
  static std::size_t BatchBytes(const IngestBatch& batch) noexcept;

 private:
  // True when a waiting PopUpTo should return. REQUIRES: mu_ held.
  bool WakeDue() const;

  const std::size_t capacity_bytes_;
  Metrics* const metrics_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_;
  std::deque<QueuedBatch> batches_;  // GUARDED_BY(mu_)
  std::size_t bytes_ = 0;            // GUARDED_BY(mu_)
  std::size_t documents_ = 0;        // GUARDED_BY(mu_)
  bool closed_ = false;              // GUARDED_BY(mu_)
  // The waiting consumer's threshold (PopUpTo's wake_documents); 1 when none waits.
  std::size_t wake_documents_ = 1;  // GUARDED_BY(mu_)
};

}  // namespace xrayd::daemon
