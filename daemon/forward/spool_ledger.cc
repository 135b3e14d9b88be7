#include "daemon/forward/spool_ledger.h"

#include <algorithm>
#include <utility>

namespace xrayd::daemon {

Result<std::unique_ptr<SpoolLedger>> SpoolLedger::Open(const std::string& store_path,
                                                       ForwardMetrics& metrics,
                                                       const ForwardMetrics* spooled_counts) {
  auto reader = storage::ForwardQueueReader::Open(store_path);
  if (!reader) {
    return tl::unexpected<Error>(std::move(reader.error()));
  }
  auto totals = (*reader)->Totals();
  if (!totals) {
    return tl::unexpected<Error>(std::move(totals.error()));
  }
  return std::unique_ptr<SpoolLedger>(new SpoolLedger(
      std::move(*reader), *totals, metrics, spooled_counts != nullptr ? *spooled_counts : metrics));
}

SpoolLedger::SpoolLedger(std::unique_ptr<storage::ForwardQueueReader> reader,
                         storage::SpoolTotals initial, ForwardMetrics& metrics,
                         const ForwardMetrics& spooled_counts)
    : reader_(std::move(reader)),
      initial_(initial),
      metrics_(metrics),
      spooled_counts_(spooled_counts) {
  acked_.store(initial.first_seq > 0 ? initial.first_seq - 1 : initial.last_seq);
  cursor_ = acked_.load();
}

Result<std::vector<storage::SpooledDocument>> SpoolLedger::ReadNext(std::size_t max_documents,
                                                                    std::size_t max_bytes) {
  std::int64_t after = 0;
  {
    std::lock_guard lock(mu_);
    after = cursor_;
  }
  auto rows = reader_->ReadAfter(after, max_documents, max_bytes);
  if (rows && !rows->empty()) {
    std::lock_guard lock(mu_);
    cursor_ = rows->back().seq;
  }
  return rows;
}

SpoolLedger::Dropped SpoolLedger::DropUnread(std::int64_t bytes) {
  std::int64_t after = 0;
  {
    std::lock_guard lock(mu_);
    after = cursor_;
  }
  auto sizes = reader_->SizesAfter(after, 4096);
  if (!sizes || sizes->empty()) {
    return {};
  }
  Range range;
  std::int64_t last = after;
  for (const storage::SpooledSize& s : *sizes) {
    range.documents += 1;
    range.bytes += s.bytes;
    last = s.seq;
    if (range.bytes >= bytes) {
      break;
    }
  }
  std::lock_guard lock(mu_);
  ranges_[last] = range;
  cursor_ = last;
  MarkDoneLocked(last);
  return {.documents = range.documents, .bytes = range.bytes};
}

void SpoolLedger::Track(std::int64_t last_seq, std::int64_t documents, std::int64_t spooled_bytes,
                        double received_at) {
  std::lock_guard lock(mu_);
  ranges_[last_seq] =
      Range{.documents = documents, .bytes = spooled_bytes, .received_at = received_at};
}

void SpoolLedger::MarkDone(std::int64_t last_seq) {
  std::lock_guard lock(mu_);
  MarkDoneLocked(last_seq);
}

void SpoolLedger::MarkDoneLocked(std::int64_t last_seq) {
  auto it = ranges_.find(last_seq);
  if (it == ranges_.end() || it->second.done) {
    return;
  }
  it->second.done = true;
  released_bytes_ += it->second.bytes;
  released_documents_ += it->second.documents;
  while (!ranges_.empty() && ranges_.begin()->second.done) {
    acked_.store(ranges_.begin()->first, std::memory_order_release);
    ranges_.erase(ranges_.begin());
  }
}

std::int64_t SpoolLedger::WaitingBytesLocked() const {
  return initial_.bytes + static_cast<std::int64_t>(spooled_counts_.spooled_in_bytes.load()) -
         released_bytes_;
}

std::int64_t SpoolLedger::WaitingDocumentsLocked() const {
  return initial_.documents + static_cast<std::int64_t>(spooled_counts_.spooled.load()) -
         released_documents_;
}

std::int64_t SpoolLedger::WaitingBytes() const {
  std::lock_guard lock(mu_);
  return WaitingBytesLocked();
}

std::int64_t SpoolLedger::WaitingDocuments() const {
  std::lock_guard lock(mu_);
  return WaitingDocumentsLocked();
}

void SpoolLedger::UpdateGauges(double unbatched_received_at, double now_seconds) {
  std::lock_guard lock(mu_);
  metrics_.spooled_bytes.store(std::max<std::int64_t>(WaitingBytesLocked(), 0));
  const std::int64_t documents = std::max<std::int64_t>(WaitingDocumentsLocked(), 0);
  metrics_.spooled_documents.store(documents);
  const double oldest =
      !ranges_.empty() ? ranges_.begin()->second.received_at : unbatched_received_at;
  const double age = documents > 0 && oldest > 0 ? now_seconds - oldest : 0;
  metrics_.oldest_age_ms.store(static_cast<std::int64_t>(std::max(age, 0.0) * 1000));
}

}  // namespace xrayd::daemon
