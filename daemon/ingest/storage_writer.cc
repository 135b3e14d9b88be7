#include "daemon/ingest/storage_writer.h"

#include <malloc.h>

#include <algorithm>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "daemon/core/log_limiter.h"

namespace xrayd::daemon {

StorageWriter::StorageWriter(IngestQueue& queue, storage::TraceStore& store, Metrics& metrics,
                             StorageWriterOptions options)
    : queue_(queue), store_(store), metrics_(metrics), options_(options) {}

StorageWriter::~StorageWriter() {
  Stop();
}

void StorageWriter::Start() {
  thread_ = std::thread([this] { Run(); });
}

void StorageWriter::Stop() {
  stopping_.store(true);
  queue_.Close();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void StorageWriter::Run() {
  store_.SetForwardSpool(options_.forward_spool);
  store_.SetNewTraceSummarizer(options_.new_trace_summarizer);
  while (true) {
    std::vector<QueuedBatch> batches =
        queue_.PopUpTo(options_.max_batch_documents, options_.idle_wait, options_.max_batch_bytes);
    if (batches.empty()) {
      ApplyForwardAcks(/*trim_now=*/true);
      if (queue_.Closed() && queue_.Documents() == 0) {
        return;
      }
      ReleaseFreeMemory();
      continue;
    }
    // Gather more until the transaction is full or its commit interval has passed.
    std::size_t documents = 0;
    std::size_t bytes = 0;
    for (const QueuedBatch& batch : batches) {
      documents += batch.documents;
      bytes += batch.bytes;
    }
    const auto deadline = options_.clock->SteadyNow() + options_.commit_interval;
    while (documents < options_.max_batch_documents && bytes < options_.max_batch_bytes &&
           !queue_.Closed()) {
      const auto now = options_.clock->SteadyNow();
      if (now >= deadline) {
        break;
      }
      const std::size_t room = options_.max_batch_documents - documents;
      std::vector<QueuedBatch> more = queue_.PopUpTo(
          room, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
          options_.max_batch_bytes - bytes, std::min(room, options_.gather_wake_documents));
      for (QueuedBatch& batch : more) {
        documents += batch.documents;
        bytes += batch.bytes;
        batches.push_back(std::move(batch));
      }
    }
    ApplyForwardAcks(/*trim_now=*/false);
    WriteWithRetry(batches);
  }
}

void StorageWriter::ApplyForwardAcks(bool trim_now) {
  const std::atomic<std::int64_t>* first =
      options_.forward_acked != nullptr ? options_.forward_acked : options_.export_acked;
  if (first == nullptr) {
    return;
  }
  std::int64_t acked = first->load(std::memory_order_acquire);
  if (options_.export_acked != nullptr) {
    acked = std::min(acked, options_.export_acked->load(std::memory_order_acquire));
  }
  store_.AckForwarded(acked);
  if (trim_now) {
    // A failure leaves the deletion pending for the next transaction; rows not yet deleted are
    // only sent again after a restart.
    if (Status s = store_.TrimForwardSpool(); !s) {
      metrics_.storage_errors.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void StorageWriter::CountCommitted(std::size_t documents, const storage::PutStats& stats) {
  metrics_.segments_stored.fetch_add(documents, std::memory_order_relaxed);
  metrics_.segments_inserted.fetch_add(stats.inserted, std::memory_order_relaxed);
  metrics_.segments_replaced.fetch_add(stats.replaced, std::memory_order_relaxed);
  metrics_.segments_duplicate.fetch_add(stats.duplicates, std::memory_order_relaxed);
  metrics_.segments_stale_in_progress.fetch_add(stats.stale_in_progress, std::memory_order_relaxed);
  metrics_.annotations_indexed.fetch_add(stats.annotations_indexed, std::memory_order_relaxed);
  metrics_.annotations_over_limit.fetch_add(stats.annotations_over_limit,
                                            std::memory_order_relaxed);
  metrics_.storage_commits.fetch_add(1, std::memory_order_relaxed);
  metrics_.traces_summarized.fetch_add(stats.summarized.size() + stats.updated_summaries.size(),
                                       std::memory_order_relaxed);
  metrics_.forward.spooled_in_bytes.fetch_add(stats.spooled_bytes, std::memory_order_relaxed);
  metrics_.forward.spooled.fetch_add(stats.spooled, std::memory_order_relaxed);
}

void StorageWriter::ReleaseFreeMemory() {
  // Documents are allocated by the receiving threads and freed here; glibc keeps freed chunks in
  // each thread's arena, so after a burst RSS would stay at the burst's peak. Called only when the
  // queue is idle (under load the memory is reused at once, and trimming would cost page faults),
  // at most once a second.
  const auto now = options_.clock->SteadyNow();
  if (now - last_trim_ >= std::chrono::seconds(1)) {
    malloc_trim(0);
    last_trim_ = now;
  }
}

void StorageWriter::WriteWithRetry(std::vector<QueuedBatch>& batches) {
  std::size_t total = 0;
  for (const QueuedBatch& batch : batches) {
    total += batch.documents;
  }
  // Unpacked for this transaction only and freed with it, so that between transactions the writer
  // holds no documents (kept for reuse, their buffers would hold ~1.2-2 KB each).
  std::vector<proto::Document> documents(total);
  // The transaction's receive time is the earliest of its batches (they are milliseconds apart).
  double received_at = batches.front().received_at;
  std::size_t unpacked = 0;
  for (QueuedBatch& batch : batches) {
    received_at = std::min(received_at, batch.received_at);
    if (batch.UnpackInto(std::span(documents).subspan(unpacked, batch.documents))) {
      unpacked += batch.documents;
    } else {
      metrics_.storage_errors.fetch_add(1, std::memory_order_relaxed);
      metrics_.CountDropped(DropReason::kStorageError, batch.documents);
      spdlog::error("storage: {} queued documents could not be unpacked; dropped", batch.documents);
    }
    std::string().swap(batch.packed);
  }
  documents.resize(unpacked);
  if (!documents.empty()) {
    Write(documents, received_at);
  }
}

void StorageWriter::Write(std::span<const proto::Document> documents, double received_at) {
  LogLimiter limiter(std::chrono::seconds(10));
  auto backoff = std::chrono::milliseconds(50);
  proto::Clock::SteadyTime give_up_at{};
  while (true) {
    Result<storage::PutStats> stats = store_.PutDocuments(documents, received_at);
    if (stats) {
      CountCommitted(documents.size(), *stats);
      if (options_.on_committed) {
        options_.on_committed(documents, *stats, received_at);
      }
      return;
    }
    metrics_.storage_errors.fetch_add(1, std::memory_order_relaxed);
    if (stats.error().code == ErrorCode::kInvalidArgument) {
      // The store refused a document itself; retrying cannot help. Isolate it so that one
      // poison document costs only itself and never stalls ingest.
      if (documents.size() > 1) {
        for (std::size_t i = 0; i < documents.size(); ++i) {
          Write(documents.subspan(i, 1), received_at);
        }
      } else {
        metrics_.CountDropped(DropReason::kStorageError, 1);
        spdlog::error("storage: trace {} segment {} refused by the store: {}",
                      documents.front().trace_id, documents.front().id, stats.error().message);
      }
      return;
    }
    const auto now = options_.clock->SteadyNow();
    if (auto suppressed = limiter.Admit(0, now)) {
      spdlog::error(
          "storage: could not commit {} documents ({}: {}); retrying, receivers drop when the "
          "queue is full{}",
          documents.size(), ErrorCodeName(stats.error().code), stats.error().message,
          *suppressed > 0 ? fmt::format(" ({} more failures)", *suppressed) : std::string());
    }
    if (stopping_.load()) {
      if (give_up_at == proto::Clock::SteadyTime{}) {
        give_up_at = now + options_.shutdown_retry_budget;
      } else if (now >= give_up_at) {
        metrics_.CountDropped(DropReason::kStorageError, documents.size());
        spdlog::error("storage: shutting down with {} documents that could not be committed",
                      documents.size());
        return;
      }
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

}  // namespace xrayd::daemon
