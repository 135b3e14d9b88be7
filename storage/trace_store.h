#pragma once
// TraceStore: the SQLite trace store (WAL). One instance = one connection, confined to the thread
// that uses it (the storage writer, or a reader such as the CLI or the HTTP API). Several
// TraceStores on the same file in the same or other processes are fine: WAL gives readers a
// consistent snapshot while the single writer commits.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proto/document.h"
#include "proto/result.h"

namespace xrayd::storage {

class FrameEncoder;

// What one PutDocuments call did, for metrics.
struct PutStats {
  std::uint64_t inserted = 0;  // New (trace_id, id) stored.
  std::uint64_t replaced = 0;  // Complete version replaced an in_progress one (or newer complete).
  std::uint64_t duplicates = 0;         // Byte-identical document already stored: nothing written.
  std::uint64_t stale_in_progress = 0;  // in_progress arrived after the complete version: ignored.
  std::uint64_t annotations_indexed = 0;
  std::uint64_t annotations_over_limit =
      0;  // Keys beyond the 50 indexed keys of a trace (docs/segment-document.md#annotations).
  std::uint64_t spooled = 0;        // Documents appended to the forward queue (SetForwardSpool).
  std::uint64_t spooled_bytes = 0;  // Their raw bytes.
  // New traces that got their summary in the same transaction (TraceStore::SetNewTraceSummarizer).
  // Trace i's stored documents are summarized_documents[summarized[i - 1] .. summarized[i]) (from
  // 0 for the first): indexes in the call's `docs`.
  std::vector<std::size_t> summarized;
  std::vector<std::size_t> summarized_documents;
  // Traces stored before the call whose summary it wrote again, from the facts the writer kept of
  // their documents: `first_summary` when the trace had none before.
  struct UpdatedSummary {
    std::string trace_id;
    double first_received = 0;
    bool first_summary = false;
  };
  std::vector<UpdatedSummary> updated_summaries;
};

// A document as stored, enough for trace assembly.
struct StoredDocument {
  std::string trace_id;
  std::string id;
  std::string parent_id;  // Empty when absent.
  proto::DocumentKind kind = proto::DocumentKind::kSegment;
  bool in_progress = false;
  double start_time = 0;
  double end_time = 0;     // 0 when in progress.
  double received_at = 0;  // Epoch seconds of the first write.
  std::string raw;         // Document JSON as received.
};

// `doc` as GetDocuments returns it once stored at `received_at` (end_time 0 unless it is complete,
// raw as the JSON text: empty when the encoder released it, see TraceStore::DocumentJson).
[[nodiscard]] StoredDocument StoredDocumentOf(const proto::Document& doc, double received_at);

// One row of the traces table.
struct TraceInfo {
  std::string trace_id;
  double start_time = 0;  // min(start_time) over documents.
  double end_time = 0;    // max(end_time) over complete documents (0 if none).
  double updated_at = 0;  // Receive time of the last accepted write.
  std::int64_t documents = 0;
  bool partial = false;       // Some stored document is in progress.
  std::int64_t revision = 0;  // Accepted document writes.
  std::string root_name;      // name of the root segment (no parent_id), empty until it arrives.
  std::string root_id;        // id of that root segment, empty until it arrives.
  std::int64_t bytes = 0;     // Sum of the raw sizes of the stored documents.
};

// Bits of TraceSummaryRow::flags (trace-level boolean keywords of
// docs/filter-language.md#trace-level-keywords).
inline constexpr std::int64_t kSummaryFlagOk = 1;
inline constexpr std::int64_t kSummaryFlagError = 2;
inline constexpr std::int64_t kSummaryFlagFault = 4;
inline constexpr std::int64_t kSummaryFlagThrottle = 8;
inline constexpr std::int64_t kSummaryFlagPartial = 16;
inline constexpr std::int64_t kSummaryFlagInferred = 32;

// The trace-level values a search filters on, computed from a trace's documents by the query layer
// (see schema.h, "Summaries"). Absent values are nullopt.
struct TraceSummaryRow {
  std::optional<double> response_time;
  std::optional<double> duration;
  std::int64_t flags = 0;
  std::optional<std::int64_t> http_status;
  std::optional<std::string> http_url;
  std::optional<std::string> http_method;
  std::optional<std::string> http_useragent;
  std::optional<std::string> http_clientip;
  // Multi-valued fields under reserved keys: {"$user", "alice"}, {"$service", "api"}, ...
  std::vector<std::pair<std::string, std::string>> values;
};

// A trace whose summary is stale (never computed, or older than its documents).
struct StaleTrace {
  std::string trace_id;
  std::int64_t revision = 0;  // The revision to pass back to PutSummaries.
  double first_received = 0;
  bool never_summarized = false;
};

// The receive time of a trace's first write, as SQL over `t` (traces): first_received, where 0
// stands for updated_at (schema.h, "Summaries").
inline constexpr std::string_view kFirstReceivedSql =
    "iif(t.first_received = 0, t.updated_at, t.first_received)";

// A SQL value bound to a search predicate's `?` placeholders, in order.
using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string>;

// An annotation key, type (0 string, 1 number, 2 bool; the annotations table's vtype) and value
// (text, a double, or 0/1 for a bool) that every trace a search can accept has in the annotation
// index.
struct AnnotationTerm {
  std::string key;
  std::int64_t vtype = 0;
  SqlValue value;
};

// [local] Above this many rows for a search's annotation term, reading the term's traces would
// cost more than scanning the range until the page fills.
inline constexpr std::int64_t kMaxAnnotationHits = 1024;

// One page of candidates for a search: traces in a time range, newest first, that satisfy a SQL
// predicate or whose summary is stale.
struct CandidateQuery {
  enum class TimeKey { kStartTime, kTraceId };
  TimeKey time_key = TimeKey::kStartTime;
  // [start, end), epoch seconds. kTraceId: the trace id's time field is in the range. kStartTime:
  // the trace overlaps the range: it started before `end` and ended (or is still in progress) at
  // or after `start`; only traces that started at most `lookback` seconds before `start` are
  // considered (the start_time index bounds the scan).
  double start = 0;
  double end = 0;
  double lookback = 0;
  // SQL boolean expression over `t` (traces, with its summary columns: NULL when no summary) and
  // correlated subqueries on `annotations a` (constrain a.bucket = t.seq >> 10, a.key_id,
  // a.vtype, a.trace_seq = t.seq); `?` placeholders only, bound from `params` in order.
  // Empty = true. REQUIRES: built by code, never from user text (user text goes in params).
  std::string predicate;
  std::vector<SqlValue> params;
  // Resume strictly after this trace (the last one the previous call returned or scanned), if any.
  std::optional<std::string> after_trace_id;
  std::optional<double> after_time;  // Its start_time (TimeKey::kStartTime).
  std::int64_t after_seq = 0;
  std::size_t limit = 256;  // Candidates returned at most.
  // Traces of the range read at most, passing `predicate` or not; 0 for no bound. Bounds the work
  // of one call when the predicate rejects most of the range.
  std::size_t scan_limit = 0;
  // When set, REQUIRES every trace `predicate` accepts with a fresh summary, and every trace with a
  // stale summary the caller would accept, to have this term's row in the annotation index. When
  // at most `max_annotation_hits` rows match it, the call reads those traces (in the query's order,
  // the whole range at once, scan_limit ignored) instead of scanning the range.
  std::optional<AnnotationTerm> annotation_term;
  std::int64_t max_annotation_hits = kMaxAnnotationHits;
};

struct Candidate {
  TraceInfo info;
  std::int64_t seq = 0;
  double first_received = 0;
  bool summary_fresh =
      false;  // The summary matches the stored documents, so `predicate` was exact.
};

// What one FindCandidates call found, in the query's order.
struct CandidatePage {
  std::vector<Candidate> candidates;
  std::size_t scanned = 0;  // Traces of the range read, candidates included.
  // Set when the call stopped after scan_limit traces: the last trace it read (a candidate or
  // not), to resume after. Unset with fewer than `limit` candidates: the range is exhausted.
  std::optional<Candidate> scan_end;
  // The traces came from CandidateQuery::annotation_term's rows, not from a scan of the range.
  bool from_annotation_index = false;
};

enum class OpenMode {
  kReadWrite,                  // Writes; SQLite checkpoints the WAL itself as it grows.
  kReadWriteNoAutoCheckpoint,  // Writes; the WAL is checkpointed only by Checkpoint() calls,
                               // typically from another connection on another thread, so that
                               // copying pages into the database file never stalls the writer.
  kReadOnly,
};

// [local] TraceIdsInWindow ignores traces that started more than this before the window: one day,
// far longer than any request/response trace, and it bounds the index scan of an old window.
inline constexpr double kTraceWindowLookback = 86400;

// Page cache sizes (KiB) of the daemon's connections to the store.
inline constexpr std::int64_t kWriterCacheKib = 2048;
inline constexpr std::int64_t kReaderCacheKib = 2048;      // API queries, summaries.
inline constexpr std::int64_t kMaintenanceCacheKib = 512;  // Checkpoints, retention.

class TraceStore {
 public:
  // Opens (and for kReadWrite creates and migrates) the store at `path`; ":memory:" works for
  // tests. `cache_kib` sizes the connection's page cache: the writer's hot index pages want the
  // default; a connection that only checkpoints, deletes or reads now and then needs little (the
  // operating system caches the file). Fails with kIOError if SQLite cannot open or migrate the
  // file, kInvalidArgument if a read-only open finds no store.
  [[nodiscard]] static Result<std::unique_ptr<TraceStore>> Open(
      const std::string& path, OpenMode mode, std::int64_t cache_kib = kWriterCacheKib);
  ~TraceStore();
  TraceStore(const TraceStore&) = delete;
  TraceStore& operator=(const TraceStore&) = delete;

  // Writes `docs` in one transaction; all or nothing. Idempotent per document
  // (docs/segment-document.md#in-progress-documents-and-duplicates): key (trace_id, id); complete
  // replaces in_progress; in_progress never replaces complete; two complete versions: the later one
  // wins; an identical document is not written twice. `received_at` is epoch seconds. Fails with
  // kResourceExhausted (disk full, SQLITE_FULL) or kIOError (other SQLite failures, e.g. a
  // read-only store); nothing is then written. Annotations (docs/segment-document.md#annotations)
  // are additive: a replacing version adds its (key, value) pairs and the replaced version's pairs
  // stay indexed, so the index is a superset for filters
  // (docs/filter-language.md#how-search-evaluates-filters), which re-check candidates against the
  // stored documents.
  [[nodiscard]] Result<PutStats> PutDocuments(std::span<const proto::Document> docs,
                                              double received_at);

  // All documents of one trace (trace_id lower-case), in arrival order of their first version (a
  // replacement keeps its predecessor's place). Empty vector if unknown.
  [[nodiscard]] Result<std::vector<StoredDocument>> GetDocuments(std::string_view trace_id);

  // Traces updated at or after `since` (epoch seconds), most recently updated first, at most
  // `limit`.
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

  // Traces whose summary is stale and that received nothing since `quiet_before` (epoch seconds),
  // oldest first, at most `limit`.
  [[nodiscard]] Result<std::vector<StaleTrace>> StaleTraces(double quiet_before, std::size_t limit);

  // Stores the summary of each trace (computed from its documents at `revision`) in one
  // transaction. A trace that changed since is left stale; an unknown (deleted) trace is skipped.
  // kIOError/kResourceExhausted on failure, nothing written.
  struct SummaryUpdate {
    std::string trace_id;
    std::int64_t revision = 0;
    TraceSummaryRow row;
  };
  [[nodiscard]] Status PutSummaries(std::span<const SummaryUpdate> updates);

  // Holds one read transaction across the calls that follow until EndSnapshot: they all see the
  // same committed state, and SQLite takes its file locks once instead of per statement (which
  // costs more than a small query). Not nestable; no writes in between. kIOError on failure.
  [[nodiscard]] Status BeginSnapshot();
  void EndSnapshot();

  // Candidates of a search (see CandidateQuery). kInvalidArgument if the predicate does not
  // compile (a bug in the caller), kIOError on SQLite errors.
  [[nodiscard]] Result<CandidatePage> FindCandidates(const CandidateQuery& query);

  // The traces row of one trace. Fails with kNotFound if the trace is unknown.
  [[nodiscard]] Result<TraceInfo> GetTraceInfo(std::string_view trace_id);

  // Traces whose [start_time, end_time] overlaps [start, end] (epoch seconds; a trace still in
  // progress counts as open-ended), newest start_time first, at most `limit` ids. Only traces that
  // started at most kTraceWindowLookback seconds before `start` are considered, so the scan of
  // traces_by_start_time stays bounded (storage/trace_store_window.cc). kIOError on SQLite errors.
  [[nodiscard]] Result<std::vector<std::string>> TraceIdsInWindow(double start, double end,
                                                                  std::size_t limit);

  // The summary row of a trace whose stored documents' facts are the argument (one per id), or
  // nullopt (query/trace_summary_row.h).
  using NewTraceSummarizer =
      std::function<std::optional<TraceSummaryRow>(std::span<const proto::SummaryInputRef>)>;
  // Writer thread only. When set, each later PutDocuments that creates a trace writes that trace's
  // summary in the same transaction when the summarizer gives one (the trace is then not stale:
  // the summary worker never reads it back) and lists it in PutStats::summarized.
  // While a trace may gain documents (it has no complete root segment, or a document in
  // progress), the writer keeps its documents' facts (~0.6 KB each, at most kMaxKeptFactsMemory
  // in all, for traces it caches): a later call that adds to it writes its summary again from them
  // and lists it in PutStats::updated_summaries. A trace that gains a document otherwise (its
  // facts freed, forgotten or never seen, as after a restart) becomes stale as before.
  void SetNewTraceSummarizer(NewTraceSummarizer summarizer);
  static constexpr std::size_t kMaxKeptFactsMemory = std::size_t{8} << 20;

  // For the writer's store. Makes documents' stored forms on other threads, with the store's
  // compression dictionary as the writer loads or trains it: a Document whose stored_raw it made
  // is written without being compressed again on the writer's thread.
  [[nodiscard]] std::shared_ptr<const FrameEncoder> SharedFrameEncoder();

  // For the writer's store, on its thread: the JSON text of a document given to PutDocuments, also
  // when the encoder released `raw` (decoded from stored_raw). kMalformed if it does not decode.
  [[nodiscard]] Result<std::string> DocumentJson(const proto::Document& doc);

  // Forwarding spool (schema.h, "Forward queue"); writer thread only. When `enabled`, every later
  // PutDocuments also appends each of its documents to forward_queue in the same transaction.
  void SetForwardSpool(bool enabled);
  // Rows of forward_queue with seq <= `through` were forwarded (or given up): they are deleted in
  // the next PutDocuments transaction, or by TrimForwardSpool. A lower value than before is
  // ignored.
  void AckForwarded(std::int64_t through);
  // Deletes the acknowledged rows now, in a transaction of its own, if any deletion is pending.
  // kIOError/kResourceExhausted on failure (the deletion stays pending).
  [[nodiscard]] Status TrimForwardSpool();

  // Retention (storage/trace_store_retention.cc). What one DeleteOldestTraces removed.
  struct RetentionStats {
    std::int64_t traces = 0;
    std::int64_t documents = 0;
    std::int64_t annotations = 0;  // Annotation index rows, reserved "$" keys included.
  };
  // In one short transaction, deletes up to `max_traces` of the least recently updated traces whose
  // updated_at < `updated_before` (epoch seconds): their documents, annotation rows (bucket by
  // bucket, see schema.h), summaries and traces rows. Nothing is deleted on failure (kIOError,
  // kResourceExhausted); SQLITE_BUSY past the busy timeout is kIOError too, retried next round.
  [[nodiscard]] Result<RetentionStats> DeleteOldestTraces(double updated_before,
                                                          std::size_t max_traces);
  // Bytes of the database file in use: (page_count - freelist_count) * page_size. Deleted pages are
  // reused by later writes, so this is what retention by size compares with its limit.
  [[nodiscard]] Result<std::int64_t> UsedBytes();
  // Compression dictionaries the store holds (storage/document_dictionaries.h).
  [[nodiscard]] Result<std::int64_t> DictionaryCount();
  // updated_at (epoch seconds) of the least recently updated trace; nullopt when the store is
  // empty.
  [[nodiscard]] Result<std::optional<double>> OldestUpdatedAt();

  // Test-only: caps the database file at its current size (PRAGMA max_page_count), so that the next
  // write that needs a new page fails as on a full disk (SQLITE_FULL -> kResourceExhausted).
  [[nodiscard]] Status CapFileSizeForTesting();

 private:
  struct Impl;
  explicit TraceStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace xrayd::storage
