#pragma once
// SpoolLedger: the forwarder's account of the store's forward spool (storage/forward_queue.h):
// what is waiting, what is covered by a batch not yet done, and the acknowledged watermark (the
// highest seq such that every row up to it is done: forwarded, refused or dropped), which the
// storage writer deletes up to. Rows are tracked in ranges (previous range's last seq, last_seq];
// the watermark moves over done ranges in spool order.
//
// Thread-safe, with one restriction: ReadNext and DropUnread use the spool reader, so they must be
// called from one thread (the forwarder's dispatcher).

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/core/forward_metrics.h"
#include "proto/result.h"
#include "storage/forward_queue.h"

namespace xrayd::daemon {

class SpoolLedger {
 public:
  // Opens the spool reader of the store at `store_path` and measures what an earlier run left
  // spooled. kInvalidArgument if there is no store with a spool, kIOError for SQLite. `metrics`
  // must outlive the ledger: its spool gauges are written, and its spooled counters read unless
  // `spooled_counts` (where the storage writer counts, when `metrics` belong to another
  // destination; must outlive the ledger too) is given.
  [[nodiscard]] static Result<std::unique_ptr<SpoolLedger>> Open(
      const std::string& store_path, ForwardMetrics& metrics,
      const ForwardMetrics* spooled_counts = nullptr);
  SpoolLedger(const SpoolLedger&) = delete;
  SpoolLedger& operator=(const SpoolLedger&) = delete;

  // What was spooled when the ledger opened.
  const storage::SpoolTotals& Initial() const { return initial_; }

  // Reads up to `max_documents` rows (and about `max_bytes`) after the last row read or dropped,
  // and moves past them: the caller must Track them. Errors are the reader's.
  [[nodiscard]] Result<std::vector<storage::SpooledDocument>> ReadNext(std::size_t max_documents,
                                                                       std::size_t max_bytes);

  struct Dropped {
    std::int64_t documents = 0;
    std::int64_t bytes = 0;  // As spooled.
  };
  // Drops rows not read yet, oldest first, until their spooled bytes reach `bytes` or 4096 rows
  // were dropped; they count as done at once. Nothing is dropped when none is left or the reader
  // fails.
  Dropped DropUnread(std::int64_t bytes);

  // Records the rows after the previous range up to `last_seq` as covered by one batch.
  // REQUIRES: `last_seq` is above every tracked one and at most the last row read.
  void Track(std::int64_t last_seq, std::int64_t documents, std::int64_t spooled_bytes,
             double received_at);
  // The batch ending at `last_seq` is done; the watermark moves if it was the oldest waiting.
  // No effect for an unknown or already done range.
  void MarkDone(std::int64_t last_seq);

  // Bytes and documents waiting to be forwarded: spooled before the ledger opened or since
  // (metrics' counters), less what is done.
  std::int64_t WaitingBytes() const;
  std::int64_t WaitingDocuments() const;

  // Refreshes the spool gauges of the metrics. `unbatched_received_at`: epoch seconds of the
  // oldest row read but not yet tracked (0 if none); `now_seconds`: the current epoch time.
  void UpdateGauges(double unbatched_received_at, double now_seconds);

  const std::atomic<std::int64_t>& Acknowledged() const { return acked_; }

 private:
  struct Range {
    std::int64_t documents = 0;
    std::int64_t bytes = 0;
    double received_at = 0;
    bool done = false;
  };

  SpoolLedger(std::unique_ptr<storage::ForwardQueueReader> reader, storage::SpoolTotals initial,
              ForwardMetrics& metrics, const ForwardMetrics& spooled_counts);
  // REQUIRES: mu_ held.
  void MarkDoneLocked(std::int64_t last_seq);
  std::int64_t WaitingBytesLocked() const;
  std::int64_t WaitingDocumentsLocked() const;

  std::unique_ptr<storage::ForwardQueueReader> reader_;  // Dispatcher thread only.
  const storage::SpoolTotals initial_;
  ForwardMetrics& metrics_;
  const ForwardMetrics& spooled_counts_;
  std::atomic<std::int64_t> acked_{0};

  mutable std::mutex mu_;
  std::map<std::int64_t, Range> ranges_;  // GUARDED_BY(mu_), key = last seq of the range.
  std::int64_t cursor_ = 0;               // GUARDED_BY(mu_): last seq read or dropped.
  std::int64_t released_bytes_ = 0;       // GUARDED_BY(mu_): of done ranges.
  std::int64_t released_documents_ = 0;   // GUARDED_BY(mu_)
};

}  // namespace xrayd::daemon
