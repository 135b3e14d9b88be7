#pragma once
// Batcher: groups spooled documents, oldest first, into PutTraceSegments batches of at most
// max_documents (never above X-Ray's 50) and max_bytes of request body (a lone larger document
// still goes), closing a partial batch idle_flush after its first row. Rows whose stored document
// is gone are covered by a batch without being sent. Pure: no I/O, no threads; not thread-safe.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/forward_queue.h"

namespace xrayd::daemon {

// A batch covers every spooled row with seq in (previous batch's last_seq, last_seq].
struct Batch {
  std::int64_t last_seq = 0;
  std::vector<std::string> raws;   // The documents to send, in spool order.
  std::int64_t bytes = 0;          // Of `raws`: the request size.
  std::int64_t rows = 0;           // Spool rows covered, missing ones included.
  std::int64_t spooled_bytes = 0;  // Their sizes as spooled (what the spool cap counts).
  double first_received_at = 0;    // Epoch seconds of the oldest row.
  std::chrono::steady_clock::time_point opened{};
};

struct BatcherLimits {
  std::size_t max_documents = 50;
  std::size_t max_bytes = 4u << 20;
  std::chrono::milliseconds idle_flush{1000};
};

class Batcher {
 public:
  explicit Batcher(BatcherLimits limits);

  // Documents per batch: limits.max_documents clamped to [1, 50].
  std::size_t DocumentLimit() const { return document_limit_; }

  // Adds the next spooled row (seq above every row added before). Returns the batch this closed
  // (the open one when `row` would overflow its bytes, or the one `row` filled), if any.
  std::optional<Batch> Add(storage::SpooledDocument row, std::chrono::steady_clock::time_point now);
  // Closes the open batch if it holds only missing rows or is idle_flush old.
  std::optional<Batch> FlushIfDue(std::chrono::steady_clock::time_point now);
  // Closes the open batch if it covers any row.
  std::optional<Batch> Flush();

  // Epoch seconds of the oldest row in the open batch, 0 when it is empty.
  double OpenReceivedAt() const { return open_.rows > 0 ? open_.first_received_at : 0; }

 private:
  std::optional<Batch> Close();

  BatcherLimits limits_;
  std::size_t document_limit_;
  Batch open_;
};

}  // namespace xrayd::daemon
