// TraceStore::PutDocuments: the storage writer's hot path. One transaction per call; one plain
// INSERT per document (a conflict, which is rare, takes a SELECT and maybe an UPDATE); trace rows
// are aggregated in memory and written once per trace per call. Trace ids map to traces.seq through
// an in-memory cache, so a known trace costs no SELECT, nor does a new one whose id is above every
// id the cache may have forgotten (TraceStore::Impl::uncached_max).

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <utility>

#include <sqlite3.h>

#include "storage/document_codec.h"
#include "storage/trace_store.h"
#include "storage/trace_store_impl.h"

namespace xrayd::storage {
namespace {

constexpr std::string_view kDataVersion = "PRAGMA data_version";
constexpr std::string_view kMaxTraceSeq = "SELECT coalesce(max(seq), 0) FROM traces";
constexpr std::string_view kMaxTraceId = "SELECT max(trace_id) FROM traces";
constexpr std::string_view kTraceDeletions = "SELECT count FROM trace_deletions";

constexpr std::string_view kInsertDocument = R"sql(
INSERT INTO documents(trace_seq, id, kind, parent_id, in_progress, start_time, end_time, bytes,
                      raw, received_at)
VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT(trace_seq, id) DO NOTHING)sql";

// Only after a conflict: what is stored under the key.
constexpr std::string_view kSelectDocument =
    "SELECT seq, in_progress, bytes, raw, id, parent_id, start_time, end_time FROM documents "
    "WHERE trace_seq = ?1 AND id = ?2";

// received_at stays the first write's. ?2..?8 are in kInsertDocument's ?3..?9 order.
constexpr std::string_view kReplaceDocument = R"sql(
UPDATE documents SET kind = ?2, parent_id = ?3, in_progress = ?4, start_time = ?5, end_time = ?6,
                     bytes = ?7, raw = ?8
WHERE seq = ?1)sql";

constexpr std::string_view kSelectTrace =
    "SELECT seq, annotation_keys FROM traces WHERE trace_id = ?1";

// `rows` rows of kNewTraceColumns parameters each, in BindNewTrace's order. first_received 0: the
// same as updated_at, until an update moves updated_at (kUpdateTrace).
// OR IGNORE: a statement that cannot fail part way needs no statement journal, which doubled the
// cost of the B-tree writes of a multi-row INSERT. InsertNewTraces fails when a row was ignored.
std::string InsertTracesSql(std::size_t rows) {
  std::string sql =
      "INSERT OR IGNORE INTO traces(seq, trace_id, start_time, end_time, updated_at, documents, "
      "in_progress_count, revision, bytes, root_id, root_name, annotation_keys, first_received, "
      "summary_revision, " +
      std::string(kSummaryColumns) + ") VALUES";
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "" : ",";
    sql += "(?,?,?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?,?,?,?)";
  }
  return sql;
}

// ?10 NULL: no root in this batch; ?12 NULL: keys unchanged. Every expression reads the row as it
// was, so first_received keeps the updated_at of the trace's first write.
constexpr std::string_view kUpdateTrace = R"sql(
UPDATE traces SET
  first_received = iif(first_received = 0, updated_at, first_received),
  start_time = min(start_time, ?2),
  end_time = max(end_time, ?3),
  updated_at = ?4,
  documents = documents + ?5,
  in_progress_count = in_progress_count + ?6,
  revision = revision + ?7,
  bytes = bytes + ?8,
  root_id = iif(?9, ?10, root_id),
  root_name = iif(?9, ?11, root_name),
  annotation_keys = coalesce(?12, annotation_keys)
WHERE seq = ?1)sql";

// kUpdateTrace for a trace whose facts the writer keeps but has not summarized: the summary
// revision it had (0: never summarized) and its first write's time (the update has just made
// first_received non-zero).
std::string UpdateKeptTraceSql() {
  return std::string(kUpdateTrace) + " RETURNING summary_revision, first_received";
}

// After kUpdateTrace in the same transaction: the summary of the trace's documents as they are
// now (?2..?9 in kSummaryColumns order).
constexpr std::string_view kUpdateSummaryOfRevision = R"sql(
UPDATE traces SET response_time = ?2, duration = ?3, flags = ?4, http_status = ?5, http_url = ?6,
                  http_method = ?7, http_useragent = ?8, http_clientip = ?9,
                  summary_revision = revision
WHERE seq = ?1)sql";

// kUpdateTrace and kUpdateSummaryOfRevision in one write (the row and its indexes once): ?13..?20
// in kSummaryColumns order.
std::string UpdateTraceAndSummarySql() {
  std::string sql(kUpdateTrace);
  const std::string_view where = "\nWHERE seq = ?1";
  sql.insert(sql.rfind(where),
             ",\n  summary_revision = revision + ?7, response_time = ?13, duration = ?14, "
             "flags = ?15, http_status = ?16, http_url = ?17, http_method = ?18, "
             "http_useragent = ?19, http_clientip = ?20");
  return sql;
}

// A reference to the stored document (schema v4): its bytes are not written a second time.
constexpr std::string_view kSpoolDocument =
    "INSERT INTO forward_queue(received_at, bytes, raw, doc_seq) VALUES(?1, ?2, x'', ?3)";
constexpr std::string_view kDeleteForwarded = "DELETE FROM forward_queue WHERE seq <= ?1";

// RecompressEarlyDocuments: the documents and their row values.
constexpr std::string_view kMaxDocumentSeq = "SELECT coalesce(max(seq), 0) FROM documents";
constexpr std::string_view kSelectEarlyDocuments = R"sql(
SELECT d.seq, t.trace_id, d.id, d.parent_id, d.start_time, d.end_time, d.raw
FROM documents d JOIN traces t ON t.seq = d.trace_seq)sql";
constexpr std::string_view kUpdateRaw = "UPDATE documents SET raw = ?2 WHERE seq = ?1";
// A store that holds more documents when its dictionary is trained (one written by a version
// without dictionaries) keeps them as they are: rewriting them all would stall ingest.
constexpr std::int64_t kMaxEarlyDocuments = 20000;

// docs/segment-document.md#annotations: indexed annotation keys per trace.
constexpr std::size_t kMaxIndexedKeys = 50;
// Traces remembered by the writer: `young` is rotated into `old` at half of this. An entry holds
// ~120 bytes (the map's node and bucket): ~12 MiB in all. A trace that gains a document after
// leaving it costs a SELECT by trace id; at 50,000 new traces/s the cache spans the last 1-2 s,
// enough for most later subsegments and completions.
constexpr std::size_t kCacheTraces = 100000;

bool IsRoot(const proto::Document& doc) {
  // A segment with a parent_id is a downstream service's segment, not the trace's root.
  return doc.kind == proto::DocumentKind::kSegment && doc.parent_id.empty();
}

std::string_view AsBytes(const TraceKey& key) {
  return {reinterpret_cast<const char*>(key.data()), key.size()};
}

std::size_t HashAnnotation(const proto::Annotation& a) {
  const std::hash<std::string_view> h;
  std::size_t seed = h(a.key) * 31 + static_cast<std::size_t>(a.value.type);
  switch (a.value.type) {
    case proto::AnnotationValue::Type::kString:
      return seed * 1000003 ^ h(a.value.string_value);
    case proto::AnnotationValue::Type::kNumber:
      return seed * 1000003 ^ std::hash<double>()(a.value.number_value);
    case proto::AnnotationValue::Type::kBool:
      return seed * 1000003 ^ (a.value.bool_value ? 1 : 0);
  }
  return seed;
}

bool IsComplete(const proto::Document& doc) {
  return !doc.in_progress && doc.end_time;
}

// Binds kind, parent_id, in_progress, start_time, end_time, bytes and raw to ?first..?first+6: the
// order kInsertDocument and kReplaceDocument share. `bytes` is the JSON's size; `stored_raw` (the
// column's encoding of it, storage/document_codec.h, made with `fields`) must outlive the
// statement's run.
Status BindDocumentColumns(Statement& stmt, int first, const proto::Document& doc,
                           const RowFields& fields, std::string_view stored_raw) {
  XRAYD_TRY(stmt.BindInt64(first, static_cast<std::int64_t>(doc.kind)));
  if (fields.key.parent_id) {
    XRAYD_TRY(stmt.BindInt64(first + 1, *fields.key.parent_id));
  } else {
    XRAYD_TRY(stmt.BindNull(first + 1));
  }
  XRAYD_TRY(stmt.BindInt64(first + 2, doc.in_progress ? 1 : 0));
  XRAYD_TRY(stmt.BindDouble(first + 3, fields.start_time));
  if (fields.end_time) {
    XRAYD_TRY(stmt.BindDouble(first + 4, *fields.end_time));
  } else {
    XRAYD_TRY(stmt.BindNull(first + 4));
  }
  XRAYD_TRY(stmt.BindInt64(first + 5, static_cast<std::int64_t>(proto::JsonSize(doc))));
  return stmt.BindBlob(first + 6, stored_raw);
}

// What the trace row gains from an accepted (inserted or replacing) document; a replaced version's
// in-progress flag and bytes are taken back.
void AddToTraceDelta(TraceDelta& delta, const proto::Document& doc, std::size_t index,
                     const DocumentKey& key, const DocumentWrite& write) {
  if (delta.revision == 0) {
    delta.start_time = doc.start_time;
  } else {
    delta.start_time = std::min(delta.start_time, doc.start_time);
  }
  if (IsComplete(doc)) {
    delta.end_time = std::max(delta.end_time, *doc.end_time);
  }
  // Each accepted version is a new revision: the summary worker treats the trace as stale.
  ++delta.revision;
  delta.documents += write.outcome == DocumentWrite::Outcome::kInserted ? 1 : 0;
  delta.in_progress += (doc.in_progress ? 1 : 0) - write.prev_in_progress;
  delta.bytes += static_cast<std::int64_t>(proto::JsonSize(doc)) - write.prev_bytes;
  if (delta.is_new || delta.trace->facts) {  // Summarized by FlushTraceDeltas.
    // An inserted key had no version before, in this batch either: only a replacing version is
    // looked for, so a trace of many documents in one batch is not scanned for each of them.
    const auto version = write.outcome == DocumentWrite::Outcome::kInserted
                             ? delta.versions.end()
                             : std::find_if(delta.versions.begin(), delta.versions.end(),
                                            [&](const auto& v) { return v.first == key.id; });
    if (version == delta.versions.end()) {
      delta.versions.emplace_back(key.id, static_cast<std::uint32_t>(index));
    } else {
      version->second = static_cast<std::uint32_t>(index);
    }
  }
  if (IsRoot(doc)) {
    delta.has_root = true;
    delta.root_id = key.id;
    delta.root_name = doc.name;
  }
}

// The rule for a document whose key is stored already: kStaleInProgress, kDuplicate or kReplaced.
// `same_json`: the stored version's JSON text equals the document's.
DocumentWrite::Outcome DecideOnStoredVersion(bool stored_in_progress, bool same_json,
                                             const proto::Document& doc) {
  if (!stored_in_progress && doc.in_progress) {
    return DocumentWrite::Outcome::kStaleInProgress;
  }
  if (same_json) {
    return DocumentWrite::Outcome::kDuplicate;
  }
  return DocumentWrite::Outcome::kReplaced;
}

}  // namespace

Status TraceStore::Impl::PrepareWriter() {
  XRAYD_TRY(PrepareInto(*db, "BEGIN IMMEDIATE", begin));
  XRAYD_TRY(PrepareInto(*db, "COMMIT", commit));
  XRAYD_TRY(PrepareInto(*db, "ROLLBACK", rollback));
  XRAYD_TRY(PrepareInto(*db, kDataVersion, data_version));
  XRAYD_TRY(PrepareInto(*db, kMaxTraceSeq, max_trace_seq));
  XRAYD_TRY(PrepareInto(*db, kMaxTraceId, max_trace_id));
  XRAYD_TRY(PrepareInto(*db, kTraceDeletions, trace_deletions));
  XRAYD_TRY(PrepareInto(*db, kInsertDocument, insert_document));
  XRAYD_TRY(PrepareInto(*db, kSelectDocument, select_document));
  XRAYD_TRY(PrepareInto(*db, kReplaceDocument, replace_document));
  XRAYD_TRY(PrepareInto(*db, kSelectTrace, select_trace));
  XRAYD_TRY(PrepareInto(*db, InsertTracesSql(1), insert_trace));
  XRAYD_TRY(PrepareInto(*db, InsertTracesSql(kNewTracesPerStatement), insert_traces));
  XRAYD_TRY(PrepareInto(*db, kUpdateTrace, update_trace));
  XRAYD_TRY(PrepareInto(*db, UpdateKeptTraceSql(), update_kept_trace));
  XRAYD_TRY(PrepareInto(*db, kUpdateSummaryOfRevision, update_summary));
  XRAYD_TRY(PrepareInto(*db, UpdateTraceAndSummarySql(), update_trace_and_summary));
  XRAYD_TRY(annotation_rows.Prepare(*db));
  XRAYD_TRY(summary_value_rows.Prepare(*db));
  XRAYD_TRY(PrepareInto(*db, kSpoolDocument, spool_document));
  XRAYD_TRY(PrepareInto(*db, kDeleteForwarded, delete_forwarded));
  return key_ids.Prepare(*db);
}

void TraceStore::Impl::DropCache() {
  young.clear();
  old.clear();
  kept_memory = 0;
  cache_valid = false;
}

Result<PutStats> TraceStore::PutDocuments(std::span<const proto::Document> docs,
                                          double received_at) {
  PutStats stats;
  if (docs.empty()) {
    return stats;
  }
  Impl& impl = *impl_;
  ++impl.batch;
  impl.delta_count = 0;
  if (impl.young.size() >= kCacheTraces / 2) {
    for (const auto& [key, trace] : impl.old) {
      impl.uncached_max = std::max(impl.uncached_max, key);
      if (trace.facts) {
        impl.kept_memory -= trace.facts->memory;
      }
    }
    impl.old = std::move(impl.young);
    impl.young = Impl::TraceCache();
    impl.young.reserve(kCacheTraces / 2);  // No rehashing while it fills.
  }
  // Between transactions: the dictionary is stored before any frame names it. A failure leaves the
  // samples for the next batch; documents meanwhile compress without a dictionary.
  const bool had_dictionary = impl.dictionaries->HasWritingDictionary();
  (void)impl.dictionaries->TrainWhenReady();
  if (!had_dictionary && impl.dictionaries->HasWritingDictionary()) {
    // Just trained. A failure leaves the early documents as they were: readable, only larger.
    (void)impl.RecompressEarlyDocuments();
  }
  Status status = impl.PutInTransaction(docs, received_at, stats);
  for (std::size_t i = 0; i < impl.delta_count; ++i) {
    impl.deltas[i].annotations.clear();  // They point into `docs`.
    impl.deltas[i].root_name = {};
  }
  impl.delta_count = 0;
  impl.annotation_rows.Clear();  // Empty unless the transaction failed before writing them.
  impl.summary_value_rows.Clear();
  impl.batch_summaries.clear();
  if (!status) {
    // The cache may name rows and keys that the rollback removes.
    impl.DropCache();
    impl.key_ids.Forget();  // Ids assigned in the rolled-back transaction are gone.
    if (!impl.db->InAutocommit()) {
      // SQLite may already have rolled back (e.g. on SQLITE_FULL); only roll back an open one.
      // A failed ROLLBACK leaves nothing to do but report the original error.
      (void)impl.rollback.Run();
      impl.rollback.Reset();
    }
    return tl::unexpected<Error>(std::move(status.error()));
  }
  impl.forward_deleted = std::max(impl.forward_deleted, impl.forward_acked);
  return stats;
}

// Inside the write transaction: drops the cache if another connection has deleted or added traces
// since our last transaction (schema.h), and (re)loads next_seq when the cache is empty.
Status TraceStore::Impl::SyncCache() {
  std::int64_t version = -1;
  {
    ResetOnExit reset(data_version);
    XRAYD_TRY_ASSIGN(auto row, data_version.Step());
    version = row ? data_version.ColumnInt64(0) : -1;
  }
  if (version != seen_data_version) {
    seen_data_version = version;
    std::int64_t deletions = 0;
    {
      ResetOnExit reset(trace_deletions);
      XRAYD_TRY_ASSIGN(auto row, trace_deletions.Step());
      deletions = row ? trace_deletions.ColumnInt64(0) : 0;
    }
    std::int64_t max_seq = 0;
    {
      ResetOnExit reset(max_trace_seq);
      XRAYD_TRY_ASSIGN(auto row, max_trace_seq.Step());
      max_seq = row ? max_trace_seq.ColumnInt64(0) : 0;
    }
    if (deletions != seen_deletions || max_seq != next_seq - 1) {
      DropCache();
    }
    seen_deletions = deletions;
  }
  if (!cache_valid) {
    {
      ResetOnExit reset(max_trace_seq);
      XRAYD_TRY_ASSIGN(auto row, max_trace_seq.Step());
      next_seq = (row ? max_trace_seq.ColumnInt64(0) : 0) + 1;
    }
    ResetOnExit reset(max_trace_id);
    XRAYD_TRY_ASSIGN(auto row, max_trace_id.Step());
    const std::string_view largest = row ? max_trace_id.ColumnText(0) : std::string_view();
    // Stored ids are 16 bytes; anything else (none stored) leaves every id above the floor.
    uncached_max = {};
    if (largest.size() == uncached_max.size()) {
      std::memcpy(uncached_max.data(), largest.data(), largest.size());
    }
    cache_valid = true;
  }
  return {};
}

Status TraceStore::Impl::PutInTransaction(std::span<const proto::Document> docs, double received_at,
                                          PutStats& stats) {
  {
    ResetOnExit reset(begin);
    XRAYD_TRY(begin.Run());
  }
  XRAYD_TRY(SyncCache());
  for (std::size_t i = 0; i < docs.size(); ++i) {
    XRAYD_TRY(PutOne(docs[i], i, received_at, stats));
    if (forward_spool) {
      XRAYD_TRY(SpoolForForwarding(docs[i], received_at, stats));
    }
  }
  XRAYD_TRY(FlushTraceDeltas(docs, received_at, stats));
  XRAYD_TRY(DeleteForwarded());
  ResetOnExit reset(commit);
  return commit.Run();
}

Result<TraceDelta*> TraceStore::Impl::DeltaFor(const TraceKey& key) {
  auto it = young.find(key);
  bool is_new = false;
  if (it == young.end()) {
    if (auto old_it = old.find(key); old_it != old.end()) {
      it = young.insert(old.extract(old_it)).position;
    } else if (key > uncached_max) {
      // Not cached and above every id stored outside the cache: a new trace.
      CachedTrace entry;
      entry.seq = next_seq++;
      it = young.emplace(key, std::move(entry)).first;
      is_new = true;
    } else {
      // Not cached: an older trace, or a new one.
      ResetOnExit reset(select_trace);
      XRAYD_TRY(select_trace.BindBlob(1, AsBytes(key)));
      XRAYD_TRY_ASSIGN(auto row, select_trace.Step());
      CachedTrace entry;
      if (row) {
        entry.seq = select_trace.ColumnInt64(0);
        if (select_trace.ColumnIsText(1)) {  // Written before version 7: key names.
          XRAYD_TRY_ASSIGN(entry.keys, key_ids.SetFromNames(select_trace.ColumnText(1)));
        } else {
          entry.keys = std::string(select_trace.ColumnText(1));
        }
        entry.key_count = KeySetSize(entry.keys);
      } else {
        entry.seq = next_seq++;
        is_new = true;
      }
      it = young.emplace(key, std::move(entry)).first;
    }
  }
  CachedTrace& trace = it->second;
  if (trace.batch == batch) {
    return &deltas[trace.delta];
  }
  trace.batch = batch;
  trace.delta = static_cast<std::uint32_t>(delta_count);
  if (delta_count == deltas.size()) {
    deltas.emplace_back();
  }
  TraceDelta& delta = deltas[delta_count++];
  delta.trace = &trace;
  delta.key = &it->first;
  delta.is_new = is_new;
  delta.keys_changed = false;
  delta.start_time = 0;
  delta.end_time = 0;
  delta.documents = 0;
  delta.in_progress = 0;
  delta.revision = 0;
  delta.bytes = 0;
  delta.has_root = false;
  delta.root_id = 0;
  delta.root_name = {};
  delta.versions.clear();
  delta.annotations.clear();
  return &delta;
}

// One document: decide insert, replace or keep (WriteDocument), then what the trace row gains and
// the annotation index. The spool row is PutInTransaction's, after this.
Status TraceStore::Impl::PutOne(const proto::Document& doc, std::size_t index, double received_at,
                                PutStats& stats) {
  XRAYD_TRY_ASSIGN(const DocumentKey key, ParseDocumentKey(doc));
  XRAYD_TRY_ASSIGN(TraceDelta* const delta, DeltaFor(key.trace));
  XRAYD_TRY_ASSIGN(const DocumentWrite write,
                   WriteDocument(doc, key, delta->trace->seq, received_at));
  put_document_seq = write.seq;
  switch (write.outcome) {
    case DocumentWrite::Outcome::kStaleInProgress:
      ++stats.stale_in_progress;
      return {};
    case DocumentWrite::Outcome::kDuplicate:
      ++stats.duplicates;
      return {};
    case DocumentWrite::Outcome::kInserted:
      ++stats.inserted;
      break;
    case DocumentWrite::Outcome::kReplaced:
      ++stats.replaced;
      break;
  }
  AddToTraceDelta(*delta, doc, index, key, write);
  if (!doc.annotations.empty()) {
    XRAYD_TRY(IndexAnnotations(doc, *delta, stats));
  }
  return {};
}

// A plain INSERT; only when the key is already stored, a SELECT and maybe an UPDATE.
Result<DocumentWrite> TraceStore::Impl::WriteDocument(const proto::Document& doc,
                                                      const DocumentKey& key,
                                                      std::int64_t trace_seq, double received_at) {
  std::string encoded_here;
  const RowFields fields = RowFieldsOf(key, doc);
  const std::string_view stored_raw = dictionaries->Encode(doc, encoded_here, &fields);
  Statement& stmt = insert_document;
  {
    ResetOnExit reset(stmt);
    XRAYD_TRY(stmt.BindInt64(1, trace_seq));
    XRAYD_TRY(stmt.BindInt64(2, key.id));
    XRAYD_TRY(BindDocumentColumns(stmt, 3, doc, fields, stored_raw));
    XRAYD_TRY(stmt.BindDouble(10, received_at));
    XRAYD_TRY(stmt.Run());
  }
  if (db->Changes() != 0) {
    return DocumentWrite{.outcome = DocumentWrite::Outcome::kInserted,
                         .seq = sqlite3_last_insert_rowid(db->handle())};
  }
  return ResolveConflict(doc, fields, trace_seq, stored_raw);
}

// The key is stored (docs/segment-document.md#in-progress-documents-and-duplicates): an in-progress
// version never replaces a complete one, and a byte-identical version is not written again;
// anything else replaces.
Result<DocumentWrite> TraceStore::Impl::ResolveConflict(const proto::Document& doc,
                                                        const RowFields& fields,
                                                        std::int64_t trace_seq,
                                                        std::string_view stored_raw) {
  Statement& stored = select_document;
  ResetOnExit reset(stored);
  XRAYD_TRY(stored.BindInt64(1, trace_seq));
  XRAYD_TRY(stored.BindInt64(2, fields.key.id));
  XRAYD_TRY_ASSIGN(const bool found, stored.Step());
  if (!found) {
    return MakeError(ErrorCode::kInternal, "document conflict without a stored document");
  }
  DocumentWrite write{.seq = stored.ColumnInt64(0),
                      .prev_in_progress = stored.ColumnInt64(1),
                      .prev_bytes = stored.ColumnInt64(2)};
  // Equal encodings are equal documents; otherwise compare the JSON (the stored row may be plain,
  // or made with another dictionary). A version that does not decode compares unequal, so the new
  // version replaces the stored one.
  const std::string_view stored_blob = stored.ColumnText(3);
  bool same_json = stored_blob == stored_raw;
  if (!same_json) {
    const RowFields stored_fields = ReadRowFields(stored, 4, fields.key.trace);
    const Result<std::string> stored_json = dictionaries->Decode(stored_blob, &stored_fields);
    const Result<std::string> doc_json = DocumentJson(doc, fields);
    same_json = stored_json && doc_json && *stored_json == *doc_json;
  }
  write.outcome = DecideOnStoredVersion(write.prev_in_progress != 0, same_json, doc);
  if (write.outcome == DocumentWrite::Outcome::kReplaced) {
    XRAYD_TRY(ReplaceDocument(write.seq, doc, fields, stored_raw));
  }
  return write;
}

Status TraceStore::Impl::ReplaceDocument(std::int64_t seq, const proto::Document& doc,
                                         const RowFields& fields, std::string_view stored_raw) {
  Statement& update = replace_document;
  ResetOnExit reset(update);
  XRAYD_TRY(update.BindInt64(1, seq));
  XRAYD_TRY(BindDocumentColumns(update, 2, doc, fields, stored_raw));
  return update.Run();
}

Status TraceStore::Impl::IndexAnnotations(const proto::Document& doc, TraceDelta& delta,
                                          PutStats& stats) {
  CachedTrace& trace = *delta.trace;
  const std::int64_t bucket = trace.seq >> kAnnotationBucketBits;
  for (const proto::Annotation& annotation : doc.annotations) {
    // docs/segment-document.md#annotations [local]: the first 50 distinct keys of the trace, in
    // arrival then document order.
    std::int64_t key_id = 0;
    if (trace.key_count >= kMaxIndexedKeys) {
      // Full: only a key the trace has is indexed, and a key it lacks gets no name.
      XRAYD_TRY_ASSIGN(const std::optional<std::int64_t> known, key_ids.Find(annotation.key));
      if (!known || !KeySetHas(trace.keys, *known)) {
        ++stats.annotations_over_limit;
        continue;
      }
      key_id = *known;
    } else {
      XRAYD_TRY_ASSIGN(key_id, key_ids.IdOf(annotation.key));
      if (!KeySetHas(trace.keys, key_id)) {
        AppendKeyId(trace.keys, key_id);
        ++trace.key_count;
        delta.keys_changed = true;
      }
    }
    // The same (key, value) again in this batch: already inserted (or already present).
    const std::size_t hash = HashAnnotation(annotation);
    const bool repeat =
        std::any_of(delta.annotations.begin(), delta.annotations.end(), [&](const auto& seen) {
          return seen.first == hash && seen.second->key == annotation.key &&
                 seen.second->value == annotation.value;
        });
    if (repeat) {
      continue;
    }
    delta.annotations.emplace_back(hash, &annotation);
    annotation_rows.Add(bucket, key_id, annotation.value, trace.seq);  // FlushTraceDeltas writes.
  }
  return {};
}

std::span<const DocumentVersion> TraceStore::Impl::SortedVersions(const TraceDelta& delta) {
  sorted_versions.assign(delta.versions.begin(), delta.versions.end());
  std::sort(sorted_versions.begin(), sorted_versions.end());
  return sorted_versions;
}

namespace {

// The version of document `id` in `sorted` (by id), or null.
const DocumentVersion* FindVersion(std::span<const DocumentVersion> sorted, std::int64_t id) {
  const auto it =
      std::lower_bound(sorted.begin(), sorted.end(), id,
                       [](const auto& version, std::int64_t v) { return version.first < v; });
  return it != sorted.end() && it->first == id ? &*it : nullptr;
}

std::size_t KeptInputMemory(const proto::DocumentSummaryInput& input) {
  return proto::ApproximateMemory(input) - sizeof(input);
}

}  // namespace

std::optional<TraceSummaryRow> TraceStore::Impl::SummarizeDelta(
    std::span<const proto::Document> docs, const TraceDelta& delta,
    std::span<const DocumentVersion> sorted) {
  summary_inputs.clear();
  if (delta.trace->facts) {
    for (const auto& [id, input] : delta.trace->facts->documents) {
      if (FindVersion(sorted, id) == nullptr) {  // Else replaced by this batch's version.
        summary_inputs.push_back(proto::SummaryInputOf(input));
      }
    }
  }
  for (const auto& [id, index] : delta.versions) {
    summary_inputs.push_back(proto::SummaryInputOf(docs[index]));
  }
  if (!new_trace_summarizer) {
    return std::nullopt;
  }
  return new_trace_summarizer(summary_inputs);
}

void TraceStore::Impl::DropFacts(CachedTrace& trace) {
  if (trace.facts) {
    kept_memory -= trace.facts->memory;
    trace.facts.reset();
  }
}

void TraceStore::Impl::KeepFacts(std::span<const proto::Document> docs, const TraceDelta& delta,
                                 std::span<const DocumentVersion> sorted, bool settled,
                                 bool summarized, double received_at) {
  CachedTrace& trace = *delta.trace;
  if (settled || !new_trace_summarizer || (!delta.is_new && !trace.facts)) {
    DropFacts(trace);
    return;
  }
  for (const auto& [id, index] : delta.versions) {
    if (!docs[index].summary_facts) {
      DropFacts(trace);  // Its summary needs the stored document.
      return;
    }
  }
  if (!trace.facts) {
    trace.facts = std::make_unique<KeptTraceFacts>();
    trace.facts->first_received = received_at;
    trace.facts->memory = sizeof(KeptTraceFacts);
    kept_memory += trace.facts->memory;
  }
  KeptTraceFacts& kept = *trace.facts;
  kept.summarized = kept.summarized || summarized;
  // kept.memory = sizeof(KeptTraceFacts) + the vector's capacity + each input's heap, kept up to
  // date entry by entry: a long trace is not walked again for every batch.
  kept_memory -= kept.memory;
  kept.memory -= kept.documents.capacity() * sizeof(kept.documents[0]);
  std::vector<bool>& replaced = replaced_versions;
  replaced.assign(sorted.size(), false);
  for (auto& [id, input] : kept.documents) {
    if (const auto* version = FindVersion(sorted, id)) {
      kept.memory -= KeptInputMemory(input);
      input = proto::KeepSummaryInput(docs[version->second]);
      kept.memory += KeptInputMemory(input);
      replaced[static_cast<std::size_t>(version - sorted.data())] = true;
    }
  }
  for (const auto& [id, index] : delta.versions) {             // In the batch's order.
    const DocumentVersion* version = FindVersion(sorted, id);  // Null: no facts kept before.
    if (version == nullptr || !replaced[static_cast<std::size_t>(version - sorted.data())]) {
      kept.documents.emplace_back(id, proto::KeepSummaryInput(docs[index]));
      kept.memory += KeptInputMemory(kept.documents.back().second);
    }
  }
  kept.memory += kept.documents.capacity() * sizeof(kept.documents[0]);
  kept_memory += kept.memory;
  if (kept_memory > kMaxKeptFactsMemory) {
    DropFacts(trace);
  }
}

namespace {

// A complete root segment and nothing in progress: the trace is unlikely to gain documents.
bool Settled(std::span<const proto::SummaryInputRef> inputs) {
  bool complete_root = false;
  for (const proto::SummaryInputRef& input : inputs) {
    if (input.in_progress) {
      return false;
    }
    complete_root =
        complete_root || (input.kind == proto::DocumentKind::kSegment && !input.has_parent);
  }
  return complete_root;
}

// Binds what a delta adds to its traces row, the same in the INSERT and the UPDATE: start_time,
// end_time, the receive time, documents, in_progress_count, revision and bytes to parameters
// `first`..`first` + 6.
Status BindTraceCounts(Statement& stmt, int first, const TraceDelta& delta, double received_at) {
  XRAYD_TRY(stmt.BindDouble(first, delta.start_time));
  XRAYD_TRY(stmt.BindDouble(first + 1, delta.end_time));
  XRAYD_TRY(stmt.BindDouble(first + 2, received_at));
  XRAYD_TRY(stmt.BindInt64(first + 3, delta.documents));
  XRAYD_TRY(stmt.BindInt64(first + 4, delta.in_progress));
  XRAYD_TRY(stmt.BindInt64(first + 5, delta.revision));
  return stmt.BindInt64(first + 6, delta.bytes);
}

// Binds the root segment's id (NULL without one) and name to parameters `first` and `first` + 1.
Status BindTraceRoot(Statement& stmt, int first, const TraceDelta& delta) {
  XRAYD_TRY(delta.has_root ? stmt.BindInt64(first, delta.root_id) : stmt.BindNull(first));
  return stmt.BindText(first + 1, delta.root_name);
}

}  // namespace

Status TraceStore::Impl::BindTraceUpdate(Statement& stmt, const TraceDelta& delta,
                                         double received_at) {
  XRAYD_TRY(stmt.BindInt64(1, delta.trace->seq));
  XRAYD_TRY(BindTraceCounts(stmt, 2, delta, received_at));
  XRAYD_TRY(stmt.BindInt64(9, delta.has_root ? 1 : 0));
  XRAYD_TRY(BindTraceRoot(stmt, 10, delta));
  return delta.keys_changed ? stmt.BindBlob(12, delta.trace->keys) : stmt.BindNull(12);
}

Status TraceStore::Impl::BindNewTrace(Statement& stmt, int first, const NewTrace& row,
                                      double received_at) {
  const TraceDelta& delta = *row.first;
  XRAYD_TRY(stmt.BindInt64(first, delta.trace->seq));
  XRAYD_TRY(stmt.BindBlob(first + 1, AsBytes(*delta.key)));
  XRAYD_TRY(BindTraceCounts(stmt, first + 2, delta, received_at));
  XRAYD_TRY(BindTraceRoot(stmt, first + 9, delta));
  XRAYD_TRY(stmt.BindBlob(first + 11, delta.trace->keys));
  XRAYD_TRY(stmt.BindInt64(first + 12, row.second != nullptr ? delta.revision : 0));
  return BindSummaryColumns(stmt, first + 13, row.second);
}

Status TraceStore::Impl::InsertNewTraces(double received_at) {
  const Status status =
      RunInGroups(new_traces.size(), kNewTracesPerStatement, insert_traces, insert_trace,
                  [&](Statement& stmt, std::size_t first, std::size_t count) -> Status {
                    ResetOnExit reset(stmt);
                    for (std::size_t i = 0; i < count; ++i) {
                      XRAYD_TRY(BindNewTrace(stmt, static_cast<int>(i) * kNewTraceColumns + 1,
                                             new_traces[first + i], received_at));
                    }
                    XRAYD_TRY(stmt.Run());
                    if (db->Changes() != static_cast<std::int64_t>(count)) {
                      return MakeError(ErrorCode::kInternal,
                                       "a new trace's row was not inserted (trace id stored)");
                    }
                    return {};
                  });
  new_traces.clear();
  return status;
}

Status TraceStore::Impl::FlushTraceDeltas(std::span<const proto::Document> docs, double received_at,
                                          PutStats& stats) {
  new_traces.clear();  // Left over only by a failed transaction.
  for (std::size_t i = 0; i < delta_count; ++i) {
    const TraceDelta& delta = deltas[i];
    if (delta.revision == 0) {
      continue;  // Nothing accepted for this trace (duplicates, stale versions).
    }
    CachedTrace& trace = *delta.trace;
    const bool summarizable = delta.is_new || trace.facts;
    // Matching this batch's versions with facts kept before: sorted once, for both calls.
    const std::span<const DocumentVersion> sorted =
        trace.facts ? SortedVersions(delta) : std::span<const DocumentVersion>();
    std::optional<TraceSummaryRow> summary;
    if (summarizable) {
      summary = SummarizeDelta(docs, delta, sorted);
    }
    const bool settled = summarizable && Settled(summary_inputs);
    if (delta.is_new) {
      // All of a new trace's documents are in this batch: its summary is known now, so it is not
      // stale. The row is inserted with the batch's other new traces, below.
      const TraceSummaryRow* kept = nullptr;
      if (summary) {
        // Kept until the rows that name its values are written, below.
        kept = &batch_summaries.emplace_back(std::move(*summary));
        XRAYD_TRY(WriteSummaryValues(summary_value_rows, trace.seq, *kept));
        for (const auto& [id, index] : delta.versions) {
          stats.summarized_documents.push_back(index);
        }
        stats.summarized.push_back(stats.summarized_documents.size());
      }
      new_traces.emplace_back(&delta, kept);
      KeepFacts(docs, delta, sorted, settled, kept != nullptr, received_at);
      continue;
    }
    const bool summarized_before = trace.facts && trace.facts->summarized;
    if (summary && summarized_before) {
      Statement& stmt = update_trace_and_summary;
      ResetOnExit reset(stmt);
      XRAYD_TRY(BindTraceUpdate(stmt, delta, received_at));
      XRAYD_TRY(BindSummaryColumns(stmt, 13, &*summary));
      XRAYD_TRY(stmt.Run());
      stats.updated_summaries.push_back(
          PutStats::UpdatedSummary{.trace_id = FormatTraceId(*delta.key),
                                   .first_received = trace.facts->first_received,
                                   .first_summary = false});
    } else {
      Statement& stmt = trace.facts ? update_kept_trace : update_trace;
      ResetOnExit reset(stmt);
      XRAYD_TRY(BindTraceUpdate(stmt, delta, received_at));
      XRAYD_TRY_ASSIGN(const bool returned, stmt.Step());
      if (summary && returned) {
        stats.updated_summaries.push_back(
            PutStats::UpdatedSummary{.trace_id = FormatTraceId(*delta.key),
                                     .first_received = stmt.ColumnDouble(1),
                                     .first_summary = stmt.ColumnInt64(0) == 0});
        ResetOnExit reset_summary(update_summary);
        XRAYD_TRY(update_summary.BindInt64(1, trace.seq));
        XRAYD_TRY(BindSummaryColumns(update_summary, 2, &*summary));
        XRAYD_TRY(update_summary.Run());
      } else {
        summary.reset();  // A row deleted under the cache is not summarized.
      }
    }
    const bool wrote_summary = summary.has_value();
    if (wrote_summary) {
      const TraceSummaryRow& kept = batch_summaries.emplace_back(std::move(*summary));
      XRAYD_TRY(WriteSummaryValues(summary_value_rows, trace.seq, kept));
    }
    KeepFacts(docs, delta, sorted, settled, wrote_summary, received_at);
  }
  XRAYD_TRY(InsertNewTraces(received_at));
  XRAYD_TRY_ASSIGN(const std::int64_t indexed, annotation_rows.Flush(*db));
  stats.annotations_indexed += static_cast<std::uint64_t>(indexed);
  XRAYD_TRY(summary_value_rows.Flush(*db));
  batch_summaries.clear();
  return {};
}

}  // namespace xrayd::storage

namespace xrayd::storage {

Status TraceStore::Impl::SpoolForForwarding(const proto::Document& doc, double received_at,
                                            PutStats& stats) {
  Statement& stmt = spool_document;
  ResetOnExit reset(stmt);
  XRAYD_TRY(stmt.BindDouble(1, received_at));
  XRAYD_TRY(stmt.BindInt64(2, static_cast<std::int64_t>(proto::JsonSize(doc))));
  XRAYD_TRY(stmt.BindInt64(3, put_document_seq));
  XRAYD_TRY(stmt.Run());
  ++stats.spooled;
  stats.spooled_bytes += proto::JsonSize(doc);
  return {};
}

// Inside a write transaction. forward_deleted only moves once the caller's commit succeeded (see
// PutDocuments and TrimForwardSpool); repeating the DELETE after a rollback is harmless.
Status TraceStore::Impl::DeleteForwarded() {
  if (forward_acked <= forward_deleted) {
    return {};
  }
  Statement& stmt = delete_forwarded;
  ResetOnExit reset(stmt);
  XRAYD_TRY(stmt.BindInt64(1, forward_acked));
  return stmt.Run();
}

void TraceStore::SetNewTraceSummarizer(NewTraceSummarizer summarizer) {
  impl_->new_trace_summarizer = std::move(summarizer);
}

std::shared_ptr<const FrameEncoder> TraceStore::SharedFrameEncoder() {
  return impl_->dictionaries->SharedEncoder();
}

Status TraceStore::Impl::RecompressEarlyDocuments() {
  XRAYD_TRY_ASSIGN(const std::int64_t last, db->QueryInt(kMaxDocumentSeq));
  if (last > kMaxEarlyDocuments) {
    return {};
  }
  XRAYD_TRY(db->Exec("BEGIN IMMEDIATE"));
  Status status = [&]() -> Status {
    // Read first, then write: the scan does not see its own updates.
    std::vector<std::pair<std::int64_t, std::string>> smaller;
    {
      XRAYD_TRY_ASSIGN(Statement select, db->Prepare(kSelectEarlyDocuments));
      for (;;) {
        XRAYD_TRY_ASSIGN(const bool row, select.Step());
        if (!row) {
          break;
        }
        const std::optional<RowFields> fields = ReadRowFieldsWithTrace(select, 1);
        if (!fields) {
          continue;
        }
        const std::string_view stored = select.ColumnText(6);
        const Result<std::string> json = dictionaries->Decode(stored, &*fields);
        if (!json) {
          continue;  // Left as it is: reading it reports the damage.
        }
        std::string encoded = dictionaries->Encode(*json, &*fields);
        if (encoded.size() < stored.size()) {
          smaller.emplace_back(select.ColumnInt64(0), std::move(encoded));
        }
      }
    }
    XRAYD_TRY_ASSIGN(Statement update, db->Prepare(kUpdateRaw));
    for (const auto& [seq, raw] : smaller) {
      ResetOnExit reset(update);
      XRAYD_TRY(update.BindInt64(1, seq));
      XRAYD_TRY(update.BindBlob(2, raw));
      XRAYD_TRY(update.Run());
    }
    return db->Exec("COMMIT");
  }();
  if (!status && !db->InAutocommit()) {
    (void)db->Exec("ROLLBACK");
  }
  return status;
}

Result<std::string> TraceStore::Impl::DocumentJson(const proto::Document& doc,
                                                   const RowFields& fields) {
  if (!doc.raw.empty()) {
    return doc.raw;
  }
  return dictionaries->Decode(doc.stored_raw, &fields);
}

Result<std::string> TraceStore::DocumentJson(const proto::Document& doc) {
  if (!doc.raw.empty()) {
    return doc.raw;
  }
  // The receiver encoded it with these row values (FrameEncoder::EncodeAndRelease), or with none
  // when the ids do not parse.
  const Result<DocumentKey> key = ParseDocumentKey(doc);
  if (!key) {
    return impl_->dictionaries->Decode(doc.stored_raw, nullptr);
  }
  return impl_->DocumentJson(doc, RowFieldsOf(*key, doc));
}

void TraceStore::SetForwardSpool(bool enabled) {
  impl_->forward_spool = enabled;
}

void TraceStore::AckForwarded(std::int64_t through) {
  impl_->forward_acked = std::max(impl_->forward_acked, through);
}

Status TraceStore::TrimForwardSpool() {
  Impl& impl = *impl_;
  if (impl.forward_acked <= impl.forward_deleted) {
    return {};
  }
  const std::int64_t target = impl.forward_acked;
  Status status = [&]() -> Status {
    {
      ResetOnExit reset(impl.begin);
      XRAYD_TRY(impl.begin.Run());
    }
    XRAYD_TRY(impl.DeleteForwarded());
    ResetOnExit reset(impl.commit);
    return impl.commit.Run();
  }();
  if (!status) {
    if (!impl.db->InAutocommit()) {
      (void)impl.rollback.Run();
      impl.rollback.Reset();
    }
    return status;
  }
  impl.forward_deleted = target;
  return {};
}

}  // namespace xrayd::storage
