#include "daemon/forward/batcher.h"

#include <algorithm>
#include <utility>

#include "daemon/forward/forward_batch.h"

namespace xrayd::daemon {

Batcher::Batcher(BatcherLimits limits)
    : limits_(limits),
      document_limit_(std::clamp<std::size_t>(limits.max_documents, 1, kMaxSegmentsPerRequest)) {}

std::optional<Batch> Batcher::Add(storage::SpooledDocument row,
                                  std::chrono::steady_clock::time_point now) {
  std::optional<Batch> closed;
  const auto bytes = static_cast<std::int64_t>(row.raw.size());
  if (!open_.raws.empty() && open_.bytes + bytes > static_cast<std::int64_t>(limits_.max_bytes)) {
    closed = Close();
  }
  if (open_.rows == 0) {
    open_.opened = now;
    open_.first_received_at = row.received_at;
  }
  if (!row.missing) {
    open_.raws.push_back(std::move(row.raw));
    open_.bytes += bytes;
  }
  ++open_.rows;
  open_.spooled_bytes += row.bytes;
  open_.last_seq = row.seq;
  // At most one batch closes per row: a batch closed for bytes held fewer than DocumentLimit()
  // documents, so the row alone fills a new one only when the limit is 1, and then the open
  // batch held no document and was not closed for bytes.
  if (open_.raws.size() >= document_limit_) {
    closed = Close();
  }
  return closed;
}

std::optional<Batch> Batcher::FlushIfDue(std::chrono::steady_clock::time_point now) {
  if (open_.rows > 0 && (open_.raws.empty() || now - open_.opened >= limits_.idle_flush)) {
    return Close();
  }
  return std::nullopt;
}

std::optional<Batch> Batcher::Flush() {
  return open_.rows > 0 ? Close() : std::nullopt;
}

std::optional<Batch> Batcher::Close() {
  Batch out = std::move(open_);
  open_ = Batch{};
  return out;
}

}  // namespace xrayd::daemon
