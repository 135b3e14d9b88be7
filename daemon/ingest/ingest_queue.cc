#include "daemon/ingest/ingest_queue.h"

#include <algorithm>

#include "daemon/core/metrics.h"
#include "proto/document_pack.h"

namespace xrayd::daemon {

IngestQueue::IngestQueue(std::size_t capacity_bytes, Metrics* metrics)
    : capacity_bytes_(capacity_bytes), metrics_(metrics) {}

namespace {

// The queue entry, and the packed buffer's allocation header and terminator.
constexpr std::size_t kBatchOverhead = sizeof(QueuedBatch) + 32;

}  // namespace

bool QueuedBatch::UnpackInto(std::span<proto::Document> out) const {
  return out.size() == documents && proto::UnpackDocuments(packed, out);
}

std::size_t IngestQueue::BatchBytes(const IngestBatch& batch) noexcept {
  return proto::PackedSize(batch.documents) + kBatchOverhead;
}

bool IngestQueue::HasRoomFor(std::size_t bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  return !closed_ && bytes_ + bytes <= capacity_bytes_;
}

bool IngestQueue::TryPush(IngestBatch& batch) {
  if (batch.documents.empty()) {
    return true;
  }
  const std::size_t packed_size = proto::PackedSize(batch.documents);
  const std::size_t bytes = packed_size + kBatchOverhead;
  if (!HasRoomFor(bytes)) {
    return false;
  }
  QueuedBatch queued{.packed = {},
                     .documents = batch.documents.size(),
                     .received_at = batch.received_at,
                     .bytes = bytes};
  queued.packed.reserve(packed_size);
  proto::PackDocuments(batch.documents, queued.packed);
  const std::size_t docs = queued.documents;
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || bytes_ + bytes > capacity_bytes_) {
      return false;
    }
    batches_.push_back(std::move(queued));
    bytes_ += bytes;
    documents_ += docs;
    if (metrics_ != nullptr) {
      metrics_->queue_bytes.store(static_cast<std::int64_t>(bytes_), std::memory_order_relaxed);
      metrics_->queue_documents.store(static_cast<std::int64_t>(documents_),
                                      std::memory_order_relaxed);
    }
    wake = WakeDue();
  }
  if (wake) {
    not_empty_.notify_one();
  }
  batch.documents.clear();
  return true;
}

bool IngestQueue::WakeDue() const {
  return closed_ ||
         (documents_ > 0 && (documents_ >= wake_documents_ || bytes_ >= capacity_bytes_ / 2));
}

std::vector<QueuedBatch> IngestQueue::PopUpTo(std::size_t max_documents,
                                              std::chrono::milliseconds wait, std::size_t max_bytes,
                                              std::size_t wake_documents) {
  std::vector<QueuedBatch> out;
  std::unique_lock<std::mutex> lock(mu_);
  wake_documents_ = std::max<std::size_t>(wake_documents, 1);
  not_empty_.wait_for(lock, wait, [this] { return WakeDue(); });
  wake_documents_ = 1;
  std::size_t taken = 0;
  std::size_t taken_bytes = 0;
  while (!batches_.empty()) {
    QueuedBatch& front = batches_.front();
    const std::size_t front_bytes = front.bytes;
    if (!out.empty() &&
        (taken + front.documents > max_documents || taken_bytes + front_bytes > max_bytes)) {
      break;
    }
    taken += front.documents;
    taken_bytes += front_bytes;
    documents_ -= front.documents;
    bytes_ -= front_bytes;
    out.push_back(std::move(front));
    batches_.pop_front();
  }
  if (metrics_ != nullptr) {
    metrics_->queue_bytes.store(static_cast<std::int64_t>(bytes_), std::memory_order_relaxed);
    metrics_->queue_documents.store(static_cast<std::int64_t>(documents_),
                                    std::memory_order_relaxed);
  }
  return out;
}

void IngestQueue::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  not_empty_.notify_all();
}

bool IngestQueue::Closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

std::size_t IngestQueue::Bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

std::size_t IngestQueue::Documents() const {
  std::lock_guard<std::mutex> lock(mu_);
  return documents_;
}

}  // namespace xrayd::daemon
