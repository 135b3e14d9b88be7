// TraceStore::PutDocuments: the storage writer's hot path. One transaction per call; one upsert per
// document (its RETURNING row says what happened, so there is no SELECT per document); trace rows are
// aggregated in memory and upserted once per trace per call.

#include <algorithm>
#include <string>
#include <utility>

#include "storage/trace_store.h"
#include "storage/trace_store_impl.h"

namespace xrayd::storage {
namespace {

// The DO UPDATE WHERE encodes SPEC §1.10: an in-progress version never replaces a complete one, and
// a byte-identical version is not written again. A row comes back only if something was written:
// prev_* are NULL for an insert and hold the replaced version's state for a replacement.
constexpr std::string_view kUpsertDocument = R"sql(
INSERT INTO documents(trace_id, id, kind, parent_id, in_progress, start_time, end_time,
                      received_at, bytes, raw)
VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT(trace_id, id) DO UPDATE SET
  kind = excluded.kind, parent_id = excluded.parent_id, in_progress = excluded.in_progress,
  start_time = excluded.start_time, end_time = excluded.end_time, bytes = excluded.bytes,
  prev_in_progress = documents.in_progress, prev_bytes = documents.bytes, raw = excluded.raw
WHERE NOT (documents.in_progress = 0 AND excluded.in_progress = 1)
  AND documents.raw IS NOT excluded.raw
RETURNING prev_in_progress, prev_bytes)sql";

// Only for a refused in-progress version: was it stale (complete stored) or a duplicate?
constexpr std::string_view kSelectDocumentState =
    "SELECT in_progress FROM documents WHERE trace_id = ?1 AND id = ?2";

constexpr std::string_view kUpsertTrace = R"sql(
INSERT INTO traces(trace_id, start_time, end_time, updated_at, documents, in_progress_count,
                   revision, bytes, root_id, root_name)
VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT(trace_id) DO UPDATE SET
  start_time = min(start_time, excluded.start_time),
  end_time = max(end_time, excluded.end_time),
  updated_at = excluded.updated_at,
  documents = documents + excluded.documents,
  in_progress_count = in_progress_count + excluded.in_progress_count,
  revision = revision + excluded.revision,
  bytes = bytes + excluded.bytes,
  root_id = iif(excluded.root_id = '', root_id, excluded.root_id),
  root_name = iif(excluded.root_id = '', root_name, excluded.root_name))sql";

constexpr std::string_view kSelectTraceKeys = "SELECT key FROM trace_keys WHERE trace_id = ?1";
constexpr std::string_view kInsertTraceKey =
    "INSERT OR IGNORE INTO trace_keys(trace_id, key) VALUES(?1, ?2)";
constexpr std::string_view kInsertAnnotation =
    "INSERT OR IGNORE INTO annotations(key, vtype, value, trace_id) VALUES(?1, ?2, ?3, ?4)";

// SPEC §1.7: indexed annotation keys per trace.
constexpr std::size_t kMaxIndexedKeys = 50;

bool IsRoot(const proto::Document& doc) {
  // A segment with a parent_id is a downstream service's segment, not the trace's root.
  return doc.kind == proto::DocumentKind::kSegment && doc.parent_id.empty();
}

}  // namespace

Status TraceStore::Impl::PrepareWriter() {
  XRAYD_STORAGE_TRY(PrepareInto(*db, "BEGIN IMMEDIATE", begin));
  XRAYD_STORAGE_TRY(PrepareInto(*db, "COMMIT", commit));
  XRAYD_STORAGE_TRY(PrepareInto(*db, "ROLLBACK", rollback));
  XRAYD_STORAGE_TRY(PrepareInto(*db, kUpsertDocument, upsert_document));
  XRAYD_STORAGE_TRY(PrepareInto(*db, kSelectDocumentState, select_document_state));
  XRAYD_STORAGE_TRY(PrepareInto(*db, kUpsertTrace, upsert_trace));
  XRAYD_STORAGE_TRY(PrepareInto(*db, kSelectTraceKeys, select_trace_keys));
  XRAYD_STORAGE_TRY(PrepareInto(*db, kInsertTraceKey, insert_trace_key));
  XRAYD_STORAGE_TRY(PrepareInto(*db, kInsertAnnotation, insert_annotation));
  return {};
}

Result<PutStats> TraceStore::PutDocuments(std::span<const proto::Document> docs,
                                          double received_at) {
  PutStats stats;
  if (docs.empty()) {
    return stats;
  }
  Impl& impl = *impl_;
  impl.deltas.clear();
  Status status = impl.PutInTransaction(docs, received_at, stats);
  impl.deltas.clear();  // Its keys view `docs`.
  if (!status) {
    if (!impl.db->InAutocommit()) {
      // SQLite may already have rolled back (e.g. on SQLITE_FULL); only roll back an open one.
      // A failed ROLLBACK leaves nothing to do but report the original error.
      (void)impl.rollback.Run();
      impl.rollback.Reset();
    }
    return tl::unexpected<Error>(std::move(status.error()));
  }
  return stats;
}

Status TraceStore::Impl::PutInTransaction(std::span<const proto::Document> docs,
                                          double received_at, PutStats& stats) {
  {
    ResetOnExit reset(begin);
    XRAYD_STORAGE_TRY(begin.Run());
  }
  for (const proto::Document& doc : docs) {
    XRAYD_STORAGE_TRY(PutOne(doc, received_at, stats));
  }
  XRAYD_STORAGE_TRY(FlushTraceDeltas(received_at));
  ResetOnExit reset(commit);
  return commit.Run();
}

Status TraceStore::Impl::PutOne(const proto::Document& doc, double received_at, PutStats& stats) {
  Statement& stmt = upsert_document;
  ResetOnExit reset(stmt);
  const auto bytes = static_cast<std::int64_t>(doc.raw.size());
  XRAYD_STORAGE_TRY(stmt.BindText(1, doc.trace_id));
  XRAYD_STORAGE_TRY(stmt.BindText(2, doc.id));
  XRAYD_STORAGE_TRY(stmt.BindInt64(3, static_cast<std::int64_t>(doc.kind)));
  XRAYD_STORAGE_TRY(stmt.BindText(4, doc.parent_id));
  XRAYD_STORAGE_TRY(stmt.BindInt64(5, doc.in_progress ? 1 : 0));
  XRAYD_STORAGE_TRY(stmt.BindDouble(6, doc.start_time));
  if (doc.end_time && !doc.in_progress) {
    XRAYD_STORAGE_TRY(stmt.BindDouble(7, *doc.end_time));
  } else {
    XRAYD_STORAGE_TRY(stmt.BindNull(7));
  }
  XRAYD_STORAGE_TRY(stmt.BindDouble(8, received_at));
  XRAYD_STORAGE_TRY(stmt.BindInt64(9, bytes));
  XRAYD_STORAGE_TRY(stmt.BindBlob(10, doc.raw));
  auto row = stmt.Step();
  if (!row) {
    return tl::unexpected<Error>(std::move(row.error()));
  }
  if (!*row) {
    // Refused by the DO UPDATE WHERE. A complete version is refused only when identical.
    if (!doc.in_progress) {
      ++stats.duplicates;
      return {};
    }
    Statement& state = select_document_state;
    ResetOnExit reset_state(state);
    XRAYD_STORAGE_TRY(state.BindText(1, doc.trace_id));
    XRAYD_STORAGE_TRY(state.BindText(2, doc.id));
    auto found = state.Step();
    if (!found) {
      return tl::unexpected<Error>(std::move(found.error()));
    }
    if (*found && state.ColumnInt64(0) == 0) {
      ++stats.stale_in_progress;
    } else {
      ++stats.duplicates;
    }
    return {};
  }
  const bool replaced = !stmt.ColumnIsNull(0);
  const std::int64_t prev_in_progress = replaced ? stmt.ColumnInt64(0) : 0;
  const std::int64_t prev_bytes = replaced ? stmt.ColumnInt64(1) : 0;
  // Drain the RETURNING statement so that the write is complete before the next one.
  XRAYD_STORAGE_TRY(stmt.Run());

  auto [it, fresh] = deltas.try_emplace(doc.trace_id);
  TraceDelta& delta = it->second;
  if (fresh) {
    delta.start_time = doc.start_time;
  } else {
    delta.start_time = std::min(delta.start_time, doc.start_time);
  }
  if (!doc.in_progress && doc.end_time) {
    delta.end_time = std::max(delta.end_time, *doc.end_time);
  }
  ++delta.revision;
  delta.documents += replaced ? 0 : 1;
  delta.in_progress += (doc.in_progress ? 1 : 0) - prev_in_progress;
  delta.bytes += bytes - prev_bytes;
  if (IsRoot(doc)) {
    delta.root_id = doc.id;
    delta.root_name = doc.name;
  }
  ++(replaced ? stats.replaced : stats.inserted);
  if (!doc.annotations.empty()) {
    XRAYD_STORAGE_TRY(IndexAnnotations(doc, delta, stats));
  }
  return {};
}

Status TraceStore::Impl::LoadTraceKeys(std::string_view trace_id, TraceDelta& delta) {
  Statement& stmt = select_trace_keys;
  ResetOnExit reset(stmt);
  XRAYD_STORAGE_TRY(stmt.BindText(1, trace_id));
  for (;;) {
    auto row = stmt.Step();
    if (!row) {
      return tl::unexpected<Error>(std::move(row.error()));
    }
    if (!*row) {
      break;
    }
    delta.keys.emplace_back(stmt.ColumnText(0));
  }
  delta.keys_loaded = true;
  return {};
}

Status TraceStore::Impl::IndexAnnotations(const proto::Document& doc, TraceDelta& delta,
                                          PutStats& stats) {
  if (!delta.keys_loaded) {
    XRAYD_STORAGE_TRY(LoadTraceKeys(doc.trace_id, delta));
  }
  for (const proto::Annotation& annotation : doc.annotations) {
    // SPEC §1.7 [local]: the first 50 distinct keys of the trace, in arrival then document order.
    if (std::find(delta.keys.begin(), delta.keys.end(), annotation.key) == delta.keys.end()) {
      if (delta.keys.size() >= kMaxIndexedKeys) {
        ++stats.annotations_over_limit;
        continue;
      }
      ResetOnExit reset_key(insert_trace_key);
      XRAYD_STORAGE_TRY(insert_trace_key.BindText(1, doc.trace_id));
      XRAYD_STORAGE_TRY(insert_trace_key.BindText(2, annotation.key));
      XRAYD_STORAGE_TRY(insert_trace_key.Run());
      delta.keys.push_back(annotation.key);
    }
    Statement& stmt = insert_annotation;
    ResetOnExit reset(stmt);
    const proto::AnnotationValue& value = annotation.value;
    XRAYD_STORAGE_TRY(stmt.BindText(1, annotation.key));
    XRAYD_STORAGE_TRY(stmt.BindInt64(2, static_cast<std::int64_t>(value.type)));
    XRAYD_STORAGE_TRY(BindAnnotationValue(stmt, 3, value));
    XRAYD_STORAGE_TRY(stmt.BindText(4, doc.trace_id));
    XRAYD_STORAGE_TRY(stmt.Run());
    if (db->Changes() > 0) {
      ++stats.annotations_indexed;
    }
  }
  return {};
}

Status TraceStore::Impl::FlushTraceDeltas(double received_at) {
  Statement& stmt = upsert_trace;
  for (const auto& [trace_id, delta] : deltas) {
    ResetOnExit reset(stmt);
    XRAYD_STORAGE_TRY(stmt.BindText(1, trace_id));
    XRAYD_STORAGE_TRY(stmt.BindDouble(2, delta.start_time));
    XRAYD_STORAGE_TRY(stmt.BindDouble(3, delta.end_time));
    XRAYD_STORAGE_TRY(stmt.BindDouble(4, received_at));
    XRAYD_STORAGE_TRY(stmt.BindInt64(5, delta.documents));
    XRAYD_STORAGE_TRY(stmt.BindInt64(6, delta.in_progress));
    XRAYD_STORAGE_TRY(stmt.BindInt64(7, delta.revision));
    XRAYD_STORAGE_TRY(stmt.BindInt64(8, delta.bytes));
    XRAYD_STORAGE_TRY(stmt.BindText(9, delta.root_id));
    XRAYD_STORAGE_TRY(stmt.BindText(10, delta.root_name));
    XRAYD_STORAGE_TRY(stmt.Run());
  }
  return {};
}

}  // namespace xrayd::storage
