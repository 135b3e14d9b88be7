#pragma once
// TraceStore: the SQLite trace store (WAL). One instance = one connection, confined to the thread that
// uses it (the storage writer, or a reader such as the CLI or the HTTP API). Several TraceStores on the
// same file in the same or other processes are fine: WAL gives readers a consistent snapshot while the
// single writer commits.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/document.h"
#include "proto/result.h"

namespace xrayd::storage {

// What one PutDocuments call did, for metrics.
struct PutStats {
  std::uint64_t inserted = 0;           // New (trace_id, id) stored.
  std::uint64_t replaced = 0;           // Complete version replaced an in_progress one (or newer complete).
  std::uint64_t duplicates = 0;         // Byte-identical document already stored: nothing written.
  std::uint64_t stale_in_progress = 0;  // in_progress arrived after the complete version: ignored.
  std::uint64_t annotations_indexed = 0;
  std::uint64_t annotations_over_limit = 0;  // Keys beyond the 50 indexed keys of a trace (SPEC §1.7).
};

// A document as stored, enough for trace assembly.
struct StoredDocument {
  std::string trace_id;
  std::string id;
  std::string parent_id;  // Empty when absent.
  proto::DocumentKind kind = proto::DocumentKind::kSegment;
  bool in_progress = false;
  double start_time = 0;
  double end_time = 0;      // 0 when in progress.
  double received_at = 0;   // Epoch seconds of the first write.
  std::string raw;          // Document JSON as received.
};

// One row of the traces table.
struct TraceInfo {
  std::string trace_id;
  double start_time = 0;   // min(start_time) over documents.
  double end_time = 0;     // max(end_time) over complete documents (0 if none).
  double updated_at = 0;   // Receive time of the last accepted write.
  std::int64_t documents = 0;
  bool partial = false;    // Some stored document is in progress.
  std::int64_t revision = 0;  // Accepted document writes.
  std::string root_name;   // name of the root segment (no parent_id), empty until it arrives.
  std::string root_id;     // id of that root segment, empty until it arrives.
  std::int64_t bytes = 0;  // Sum of the raw sizes of the stored documents.
};

enum class OpenMode {
  kReadWrite,          // Writes; SQLite checkpoints the WAL itself as it grows.
  kReadWriteNoAutoCheckpoint,  // Writes; the WAL is checkpointed only by Checkpoint() calls,
                               // typically from another connection on another thread, so that
                               // copying pages into the database file never stalls the writer.
  kReadOnly,
};

class TraceStore {
 public:
  // Opens (and for kReadWrite creates and migrates) the store at `path`; ":memory:" works for tests.
  // Fails with kIOError if SQLite cannot open or migrate the file, kInvalidArgument if a read-only
  // open finds no store.
  [[nodiscard]] static Result<std::unique_ptr<TraceStore>> Open(const std::string& path,
                                                                OpenMode mode);
  ~TraceStore();
  TraceStore(const TraceStore&) = delete;
  TraceStore& operator=(const TraceStore&) = delete;

  // Writes `docs` in one transaction; all or nothing. Idempotent per document (SPEC §1.10):
  // key (trace_id, id); complete replaces in_progress; in_progress never replaces complete;
  // two complete versions: the later one wins; an identical document is not written twice.
  // `received_at` is epoch seconds. Fails with kResourceExhausted (disk full, SQLITE_FULL) or kIOError
  // (other SQLite failures, e.g. a read-only store); nothing is then written.
  // Annotations (SPEC §1.7) are additive: a replacing version adds its (key, value) pairs and the
  // replaced version's pairs stay indexed, so the index is a superset for filters (SPEC §3.6), which
  // re-check candidates against the stored documents.
  [[nodiscard]] Result<PutStats> PutDocuments(std::span<const proto::Document> docs,
                                              double received_at);

  // All documents of one trace (trace_id lower-case), in arrival order of their first version (a
  // replacement keeps its predecessor's place). Empty vector if unknown.
  [[nodiscard]] Result<std::vector<StoredDocument>> GetDocuments(std::string_view trace_id);

  // Traces updated at or after `since` (epoch seconds), most recently updated first, at most `limit`.
  [[nodiscard]] Result<std::vector<TraceInfo>> ListTraces(double since, std::size_t limit);

  // Number of stored documents (for tests and the load generator's checks).
  [[nodiscard]] Result<std::int64_t> CountDocuments();

  // Copies committed WAL frames into the database file without blocking the writer
  // (PRAGMA wal_checkpoint(PASSIVE)). Under continuous writes the WAL never gets a moment fully
  // copied, so it would never restart and would grow without bound: once it holds more than
  // `truncate_above_bytes`, the checkpoint is a TRUNCATE instead, which waits for the writer's
  // current transaction, blocks it while the last frames are copied (the passive rounds keep that
  // short) and empties the WAL file. Returns the WAL size in bytes afterwards. kIOError on failure.
  [[nodiscard]] Result<std::int64_t> Checkpoint(std::int64_t truncate_above_bytes);

  // Traces having annotation `key` with exactly `value` (type included), ascending trace_id.
  // Uses the annotation index; a building block for filters and a check for tests.
  [[nodiscard]] Result<std::vector<std::string>> TracesWithAnnotation(
      std::string_view key, const proto::AnnotationValue& value);

  // The traces row of one trace. Fails with kNotFound if the trace is unknown.
  [[nodiscard]] Result<TraceInfo> GetTraceInfo(std::string_view trace_id);

  // Test-only: caps the database file at its current size (PRAGMA max_page_count), so that the next
  // write that needs a new page fails as on a full disk (SQLITE_FULL -> kResourceExhausted).
  [[nodiscard]] Status CapFileSizeForTesting();

 private:
  struct Impl;
  explicit TraceStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace xrayd::storage
