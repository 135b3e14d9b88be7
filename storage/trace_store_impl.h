#pragma once
// Internal to storage/: the state behind TraceStore (one connection, its prepared statements and
// the per-batch scratch of the writer). Not part of the public API; included by trace_store*.cc
// only.

#include <array>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/annotation_keys.h"
#include "storage/annotation_rows.h"
#include "storage/database.h"
#include "storage/document_dictionaries.h"
#include "storage/document_ids.h"
#include "storage/statement.h"
#include "storage/trace_store.h"

namespace xrayd::storage {

// Prepares `sql` into `out` (statements live as long as the connection).
[[nodiscard]] inline Status PrepareInto(Database& db, std::string_view sql, Statement& out) {
  XRAYD_TRY_ASSIGN(auto stmt, db.Prepare(sql));
  out = std::move(stmt);
  return {};
}

// A WITH clause naming annotation_hits(seq): the trace_seq of every annotations row with key ?1,
// vtype ?2 and value ?3 (AnnotationTerm), one index seek per bucket (see schema.h), the buckets
// enumerated by a recursive CTE. min() and max() are scalar subqueries: one B-tree descent each.
inline constexpr std::string_view kAnnotationHitsCte = R"sql(
WITH RECURSIVE
  bucket_range(lo, hi) AS (SELECT (SELECT min(bucket) FROM annotations),
                                  (SELECT max(bucket) FROM annotations)),
  buckets(n) AS (SELECT lo FROM bucket_range WHERE lo IS NOT NULL
                 UNION ALL SELECT n + 1 FROM buckets, bucket_range WHERE n < bucket_range.hi),
  annotation_hits(seq) AS (
    SELECT a.trace_seq FROM buckets
      JOIN annotations a ON a.bucket = buckets.n
        AND a.key_id = (SELECT id FROM annotation_key_names WHERE key = ?1)
        AND a.vtype = ?2 AND a.value = ?3)
)sql";

// The traces columns ReadTraceInfo reads, in order (columns 0-9 of a SELECT).
inline constexpr std::string_view kTraceColumns =
    "trace_id, start_time, end_time, updated_at, documents, in_progress_count, revision, "
    "root_name, root_id, bytes";
// A TraceInfo from columns 0-9 of a row selected with kTraceColumns.
[[nodiscard]] TraceInfo ReadTraceInfo(const Statement& stmt);

struct TraceKeyHash {
  std::size_t operator()(const TraceKey& key) const {
    std::uint64_t random = 0;  // Bytes 8..15 are random: a good hash as they are.
    std::memcpy(&random, key.data() + 8, sizeof random);
    return static_cast<std::size_t>(random ^ (random >> 29));
  }
};

// Annotations are partitioned by trace_seq >> kAnnotationBucketBits (see schema.h): the inserts of
// a batch stay within the last few buckets, so a commit dirties few index pages.
inline constexpr int kAnnotationBucketBits = 10;

// What the writer keeps of a trace's stored documents for its summary while the trace may gain
// more (TraceStore::SetNewTraceSummarizer): one entry per stored document id.
struct KeptTraceFacts {
  std::vector<std::pair<std::int64_t, proto::DocumentSummaryInput>> documents;
  std::size_t memory = 0;  // Approximate heap bytes, as counted in TraceStore::Impl::kept_memory.
  double first_received = 0;  // The receive time of the batch that created the trace.
  // The writer has written a summary of the trace: the next is not its first. (While false, the
  // summary worker may have written one: the traces row says.)
  bool summarized = false;
};

// The writer's memory of one trace, valid while the cache is (see TraceStore::Impl::cache_valid).
struct CachedTrace {
  std::int64_t seq = 0;
  std::string keys;  // Ids of the indexed annotation keys (a key set, storage/annotation_keys.h).
  std::uint32_t key_count = 0;
  std::uint64_t batch = 0;  // Batch in which `delta` was assigned.
  std::uint32_t delta = 0;  // Index into Impl::deltas while batch == Impl::batch.
  // Every stored document's summary facts, when the writer has seen them all since the trace was
  // created; null otherwise (the summary worker then reads the documents back).
  std::unique_ptr<KeptTraceFacts> facts;
};

// A document version accepted in a batch: (document id, index in the batch).
using DocumentVersion = std::pair<std::int64_t, std::uint32_t>;

// What one batch changes in one trace row; applied with one write per trace at the end of the
// batch.
struct TraceDelta {
  CachedTrace* trace = nullptr;  // Stable for the batch: the cache is only trimmed between batches.
  const TraceKey* key = nullptr;  // Points at the cache map's key.
  bool is_new = false;            // No traces row yet: INSERT instead of UPDATE.
  bool keys_changed = false;
  double start_time = 0;
  double end_time = 0;
  std::int64_t documents = 0;
  std::int64_t in_progress = 0;
  std::int64_t revision = 0;
  std::int64_t bytes = 0;
  bool has_root = false;
  std::int64_t root_id = 0;
  std::string_view root_name;  // View into the batch's Documents.
  // For a new trace or one whose facts are kept, (document id, index in the batch) of the versions
  // accepted in this batch, one per id. Empty for other traces.
  std::vector<DocumentVersion> versions;
  // (hash, annotation) pairs inserted for this trace in this batch: repeats are skipped.
  std::vector<std::pair<std::size_t, const proto::Annotation*>> annotations;
};

// New traces rows are inserted kNewTracesPerStatement to a statement run, kNewTraceColumns
// parameters each (TraceStore::Impl::BindNewTrace).
inline constexpr std::size_t kNewTracesPerStatement = 16;
inline constexpr int kNewTraceColumns = 21;

// Summaries (schema.h, "Summaries"): written by the summary worker (PutSummaries), and by the
// writer in the traces row it inserts for a new trace (NewTraceSummarizer).
// The summary columns of traces, in the order BindSummaryColumns binds them.
inline constexpr std::string_view kSummaryColumns =
    "response_time, duration, flags, http_status, http_url, http_method, http_useragent, "
    "http_clientip";
inline constexpr std::string_view kUpdateSummary = R"sql(
UPDATE traces SET response_time = ?2, duration = ?3, flags = ?4, http_status = ?5, http_url = ?6,
                  http_method = ?7, http_useragent = ?8, http_clientip = ?9
WHERE seq = ?1)sql";
// Binds `row`'s columns to ?first..?first+7 in kSummaryColumns order; a null `row` binds NULLs (no
// summary).
[[nodiscard]] Status BindSummaryColumns(Statement& stmt, int first, const TraceSummaryRow* row);
// Queues `row`'s multi-valued fields of trace `seq` as annotation index rows under their reserved
// keys (schema.h, "Summaries"). `row` must outlive `rows`' next Flush or Clear.
[[nodiscard]] Status WriteSummaryValues(AnnotationRows& rows, std::int64_t seq,
                                        const TraceSummaryRow& row);

// What writing one document did under its key, and what the replaced version had.
struct DocumentWrite {
  enum class Outcome {
    kInserted,         // A new key.
    kReplaced,         // The stored version was overwritten.
    kStaleInProgress,  // Kept: an in-progress version never replaces a complete one.
    kDuplicate,        // Kept: byte-identical to the stored version.
  };
  Outcome outcome = Outcome::kInserted;
  std::int64_t seq = 0;               // documents.seq of the key.
  std::int64_t prev_in_progress = 0;  // The stored version's, when there was one.
  std::int64_t prev_bytes = 0;
};

struct TraceStore::Impl {
  std::unique_ptr<Database> db;  // Declared first: destroyed after the statements.
  std::unique_ptr<DocumentDictionaries> dictionaries;  // Encodes and decodes `raw`.
  Statement begin;
  Statement commit;
  Statement rollback;
  Statement data_version;
  Statement max_trace_seq;
  Statement insert_document;
  Statement select_document;
  Statement replace_document;
  Statement select_trace;
  Statement max_trace_id;
  Statement trace_deletions;
  // A new trace's traces row: one row, and kNewTracesPerStatement rows (InsertNewTraces).
  Statement insert_trace;
  Statement insert_traces;
  Statement update_trace;
  Statement update_kept_trace;  // update_trace, returning what FlushTraceDeltas needs to report.
  Statement update_summary;
  Statement update_trace_and_summary;  // Both in one write, for a trace summarized before.
  // This transaction's annotation index rows, written at its end (annotation_rows.h): the
  // documents' annotations, and the summary values of the new traces it summarizes.
  AnnotationRows annotation_rows;
  AnnotationRows summary_value_rows;
  std::deque<TraceSummaryRow> batch_summaries;  // Named by summary_value_rows until written.
  // This transaction's new traces: the delta and its summary (null: none; in batch_summaries),
  // inserted together at its end, so that one statement run carries many rows.
  using NewTrace = std::pair<const TraceDelta*, const TraceSummaryRow*>;
  std::vector<NewTrace> new_traces;
  Statement get_documents;
  Statement get_trace;
  Statement list_traces;
  Statement count_documents;
  Statement traces_with_annotation;
  Statement spool_document;  // Forward queue append (schema.h, "Forward queue").
  Statement delete_forwarded;
  TraceStore::NewTraceSummarizer new_trace_summarizer;
  AnnotationKeyIds key_ids;  // Writer only.

  bool forward_spool = false;
  std::int64_t forward_acked = 0;     // Highest acknowledged forward_queue seq.
  std::int64_t forward_deleted = 0;   // Rows up to here are deleted (committed).
  std::int64_t put_document_seq = 0;  // documents.seq of the last PutOne's key (forward spool).

  // Writer cache: trace id -> CachedTrace, two generations (an approximate LRU): a hit in `old`
  // moves the entry to `young`; between batches, a full `young` becomes `old`. Cleared when another
  // connection committed (data_version) or a batch failed (its rows were rolled back).
  using TraceCache = std::unordered_map<TraceKey, CachedTrace, TraceKeyHash>;
  TraceCache young;
  TraceCache old;
  bool cache_valid = false;
  std::int64_t seen_data_version = -1;
  std::int64_t seen_deletions = -1;  // trace_deletions.count when seen_data_version was read.
  std::int64_t next_seq = 1;         // Next traces.seq to assign; valid with the cache.
  // The largest trace id that may be stored but not cached (valid with the cache): the store's
  // largest when the cache was loaded, raised by every entry dropped from `old`. A trace id above
  // it that the cache lacks is new, without a SELECT.
  TraceKey uncached_max{};
  std::uint64_t batch = 0;
  std::vector<TraceDelta> deltas;  // Reused; the first `delta_count` are this batch's.
  std::vector<proto::SummaryInputRef> summary_inputs;  // Reused by SummarizeDelta.
  // A delta's versions sorted by document id (SortedVersions), so that matching them with a trace's
  // kept facts costs a binary search per kept document, not a scan of the batch's versions.
  std::vector<DocumentVersion> sorted_versions;
  std::vector<bool> replaced_versions;  // Reused by KeepFacts, one per sorted version.
  std::size_t kept_memory = 0;          // Of every CachedTrace::facts.
  std::size_t delta_count = 0;

  [[nodiscard]] Status PrepareAll();

  // Writer side, defined beside its SQL in trace_store_put.cc.
  [[nodiscard]] Status PrepareWriter();
  [[nodiscard]] Status PutInTransaction(std::span<const proto::Document> docs, double received_at,
                                        PutStats& stats);
  [[nodiscard]] Status SyncCache();
  [[nodiscard]] Result<TraceDelta*> DeltaFor(const TraceKey& key);
  [[nodiscard]] Status PutOne(const proto::Document& doc, std::size_t index, double received_at,
                              PutStats& stats);
  [[nodiscard]] Result<DocumentWrite> WriteDocument(const proto::Document& doc,
                                                    const DocumentKey& key, std::int64_t trace_seq,
                                                    double received_at);
  // See TraceStore::DocumentJson; `fields` are the document's row values.
  [[nodiscard]] Result<std::string> DocumentJson(const proto::Document& doc,
                                                 const RowFields& fields);
  // `stored_raw` is the document's JSON as the `raw` column keeps it (storage/document_codec.h),
  // made with `fields`.
  [[nodiscard]] Result<DocumentWrite> ResolveConflict(const proto::Document& doc,
                                                      const RowFields& fields,
                                                      std::int64_t trace_seq,
                                                      std::string_view stored_raw);
  [[nodiscard]] Status ReplaceDocument(std::int64_t seq, const proto::Document& doc,
                                       const RowFields& fields, std::string_view stored_raw);
  [[nodiscard]] Status IndexAnnotations(const proto::Document& doc, TraceDelta& delta,
                                        PutStats& stats);
  [[nodiscard]] Status FlushTraceDeltas(std::span<const proto::Document> docs, double received_at,
                                        PutStats& stats);
  // The summary of a new trace or one whose facts are kept, from its stored documents' facts as
  // they are after this batch (left in summary_inputs); nullopt without a summarizer or a row.
  // `sorted`: SortedVersions(delta) when the trace's facts were kept before this batch, else empty
  // (also for KeepFacts).
  std::optional<TraceSummaryRow> SummarizeDelta(std::span<const proto::Document> docs,
                                                const TraceDelta& delta,
                                                std::span<const DocumentVersion> sorted);
  // Once the delta's trace row is written: keeps its facts while it may gain documents, or frees
  // them. `settled`: summary_inputs show a complete root segment and nothing in progress.
  // `summarized`: a summary was written with the row.
  void KeepFacts(std::span<const proto::Document> docs, const TraceDelta& delta,
                 std::span<const DocumentVersion> sorted, bool settled, bool summarized,
                 double received_at);
  // Binds a new trace's traces row to ?first..?first + kNewTraceColumns - 1.
  [[nodiscard]] static Status BindNewTrace(Statement& stmt, int first, const NewTrace& row,
                                           double received_at);
  // Inserts new_traces' rows and empties it. Fails if a row's trace id is stored already (the
  // cache was wrong): the transaction is then rolled back and the cache dropped.
  [[nodiscard]] Status InsertNewTraces(double received_at);
  // Binds kUpdateTrace's ?1..?12 for `delta`.
  [[nodiscard]] Status BindTraceUpdate(Statement& stmt, const TraceDelta& delta,
                                       double received_at);
  void DropFacts(CachedTrace& trace);
  // Fills sorted_versions from delta.versions and returns it.
  std::span<const DocumentVersion> SortedVersions(const TraceDelta& delta);
  void DropCache();
  // Once, right after the store's dictionary is trained, outside any transaction: the documents
  // stored before it (the training samples) compressed again with it, in a transaction of their
  // own. Does nothing in a store of more than 20,000 documents.
  [[nodiscard]] Status RecompressEarlyDocuments();
  [[nodiscard]] Status SpoolForForwarding(const proto::Document& doc, double received_at,
                                          PutStats& stats);
  [[nodiscard]] Status DeleteForwarded();
};

}  // namespace xrayd::storage
