#pragma once
// ForwardQueueReader: the forwarder's read-only connection to the forward queue of a trace store
// (schema.h, "Forward queue"). The writer appends and deletes; this reader only reads committed
// rows (WAL snapshot per call). One instance per thread, like TraceStore.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proto/result.h"
#include "storage/document_dictionaries.h"
#include "storage/statement.h"

namespace xrayd::storage {

class Database;

struct SpooledDocument {
  std::int64_t seq = 0;
  double received_at = 0;  // Epoch seconds.
  std::int64_t bytes = 0;  // Size when spooled (what the spool cap counts).
  // The row refers to a stored document that no longer exists (deleted by retention before it was
  // forwarded): `raw` is empty and there is nothing to send.
  bool missing = false;
  std::string raw;  // The document to send: the stored one for a reference (schema.h).
};

struct SpoolTotals {
  std::int64_t documents = 0;
  std::int64_t bytes = 0;
  std::int64_t first_seq = 0;  // 0 when empty.
  std::int64_t last_seq = 0;   // 0 when empty.
};

// seq and size of a row, without its bytes.
struct SpooledSize {
  std::int64_t seq = 0;
  std::int64_t bytes = 0;
};

class ForwardQueueReader {
 public:
  // Opens the store at `path` read-only. kInvalidArgument if there is no store (or an older
  // schema without the queue), kIOError otherwise.
  [[nodiscard]] static Result<std::unique_ptr<ForwardQueueReader>> Open(const std::string& path);
  ~ForwardQueueReader();
  ForwardQueueReader(const ForwardQueueReader&) = delete;
  ForwardQueueReader& operator=(const ForwardQueueReader&) = delete;

  // Rows with seq > `after`, ascending, at most `max_documents` and, beyond the first row, at most
  // `max_bytes` of raw bytes in total. A reference row (schema.h, "Forward queue") comes with the
  // document stored under its doc_seq now, or `missing` if there is none.
  [[nodiscard]] Result<std::vector<SpooledDocument>> ReadAfter(std::int64_t after,
                                                               std::size_t max_documents,
                                                               std::size_t max_bytes);
  // seq and size of rows with seq > `after`, ascending, at most `max_documents` (cheap skipping).
  [[nodiscard]] Result<std::vector<SpooledSize>> SizesAfter(std::int64_t after,
                                                            std::size_t max_documents);
  // Count, bytes and seq range of the whole queue (a full scan: for start-up).
  [[nodiscard]] Result<SpoolTotals> Totals();

 private:
  explicit ForwardQueueReader(std::unique_ptr<Database> db);
  std::unique_ptr<Database> db_;
  std::unique_ptr<DocumentDictionaries> dictionaries_;  // Reads frames made with a dictionary.
  // ReadAfter's query, prepared on first use (the forwarder reads a few batches a second).
  Statement read_after_;
};

}  // namespace xrayd::storage
