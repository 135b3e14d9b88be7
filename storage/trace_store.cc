#include "storage/trace_store.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "storage/database.h"
#include "storage/document_codec.h"
#include "storage/schema.h"
#include "storage/trace_store_impl.h"

namespace xrayd::storage {
namespace {

constexpr std::string_view kGetDocuments = R"sql(
SELECT d.id, d.parent_id, d.start_time, d.end_time, d.kind, d.in_progress, d.received_at, d.raw
FROM traces t JOIN documents d ON d.trace_seq = t.seq
WHERE t.trace_id = ?1 ORDER BY d.seq)sql";

std::string TracesWithAnnotationSql() {
  return std::string(kAnnotationHitsCte) +
         "SELECT t.trace_id FROM annotation_hits h JOIN traces t ON t.seq = h.seq "
         "ORDER BY t.trace_id";
}

constexpr std::string_view kCountDocuments = "SELECT count(*) FROM documents";

std::string GetTraceSql() {
  return "SELECT " + std::string(kTraceColumns) + " FROM traces WHERE trace_id = ?1";
}

// Newest first; trace_id breaks ties so that paging is stable. Served by traces_by_updated_at.
std::string ListTracesSql() {
  return "SELECT " + std::string(kTraceColumns) +
         " FROM traces WHERE updated_at >= ?1 ORDER BY updated_at DESC, trace_id DESC LIMIT ?2";
}

}  // namespace

TraceInfo ReadTraceInfo(const Statement& stmt) {
  TraceInfo info;
  info.trace_id = FormatTraceId(stmt.ColumnText(0));
  info.start_time = stmt.ColumnDouble(1);
  info.end_time = stmt.ColumnDouble(2);
  info.updated_at = stmt.ColumnDouble(3);
  info.documents = stmt.ColumnInt64(4);
  info.partial = stmt.ColumnInt64(5) > 0;
  info.revision = stmt.ColumnInt64(6);
  info.root_name = std::string(stmt.ColumnText(7));
  if (!stmt.ColumnIsNull(8)) {
    info.root_id = FormatId(stmt.ColumnInt64(8));
  }
  info.bytes = stmt.ColumnInt64(9);
  return info;
}

Status TraceStore::Impl::PrepareAll() {
  XRAYD_TRY(PrepareWriter());
  XRAYD_TRY(PrepareInto(*db, kGetDocuments, get_documents));
  XRAYD_TRY(PrepareInto(*db, GetTraceSql(), get_trace));
  XRAYD_TRY(PrepareInto(*db, ListTracesSql(), list_traces));
  XRAYD_TRY(PrepareInto(*db, kCountDocuments, count_documents));
  XRAYD_TRY(PrepareInto(*db, TracesWithAnnotationSql(), traces_with_annotation));
  return {};
}

TraceStore::TraceStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TraceStore::~TraceStore() = default;

Result<std::unique_ptr<TraceStore>> TraceStore::Open(const std::string& path, OpenMode mode,
                                                     std::int64_t cache_kib) {
  DatabaseOptions options;
  options.cache_kib = cache_kib;
  options.read_only = mode == OpenMode::kReadOnly;
  if (mode == OpenMode::kReadWriteNoAutoCheckpoint) {
    options.wal_autocheckpoint_kib = 0;
  }
  auto db = Database::Open(path, options);
  if (!db) {
    Error error = std::move(db.error());
    if (error.code == ErrorCode::kNotFound) {
      error.code = ErrorCode::kInvalidArgument;  // The contract: a read-only open found no store.
    }
    return tl::unexpected<Error>(std::move(error));
  }
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  impl->dictionaries = std::make_unique<DocumentDictionaries>(*impl->db);
  if (options.read_only) {
    XRAYD_TRY(CheckSchema(*impl->db));
  } else {
    XRAYD_TRY(Migrate(*impl->db));
  }
  XRAYD_TRY(impl->PrepareAll());
  return std::unique_ptr<TraceStore>(new TraceStore(std::move(impl)));
}

Result<std::int64_t> TraceStore::Checkpoint(std::int64_t truncate_above_bytes) {
  auto run = [this](std::string_view sql) -> Result<std::int64_t> {
    XRAYD_TRY_ASSIGN(auto stmt, impl_->db->Prepare(sql));
    XRAYD_TRY_ASSIGN(auto row, stmt.Step());
    // Columns: busy flag, frames in the WAL, frames checkpointed; -1 when not in WAL mode.
    return row ? std::max<std::int64_t>(stmt.ColumnInt64(1), 0) : 0;
  };
  XRAYD_TRY_ASSIGN(auto page_size, impl_->db->QueryInt("PRAGMA page_size"));
  auto frames = run("PRAGMA wal_checkpoint(PASSIVE)");
  if (!frames) {
    return frames;
  }
  if (*frames * page_size > truncate_above_bytes) {
    frames = run("PRAGMA wal_checkpoint(TRUNCATE)");
    if (!frames) {
      return frames;
    }
  }
  return *frames * page_size;
}

StoredDocument StoredDocumentOf(const proto::Document& doc, double received_at) {
  const bool complete = !doc.in_progress && doc.end_time;
  return StoredDocument{.trace_id = doc.trace_id,
                        .id = doc.id,
                        .parent_id = doc.parent_id,
                        .kind = doc.kind,
                        .in_progress = doc.in_progress,
                        .start_time = doc.start_time,
                        .end_time = complete ? *doc.end_time : 0,
                        .received_at = received_at,
                        .raw = doc.raw};
}

Result<std::vector<StoredDocument>> TraceStore::GetDocuments(std::string_view trace_id) {
  std::vector<StoredDocument> docs;
  TraceKey key;
  if (!ParseTraceId(trace_id, key)) {
    return docs;  // No such id can be stored.
  }
  const std::string canonical = FormatTraceId(key);
  Statement& stmt = impl_->get_documents;
  ResetOnExit reset(stmt);
  XRAYD_TRY(
      stmt.BindBlob(1, std::string_view(reinterpret_cast<const char*>(key.data()), key.size())));
  for (;;) {
    XRAYD_TRY_ASSIGN(auto row, stmt.Step());
    if (!row) {
      break;
    }
    StoredDocument& doc = docs.emplace_back();
    doc.trace_id = canonical;
    doc.id = FormatId(stmt.ColumnInt64(0));
    if (!stmt.ColumnIsNull(1)) {
      doc.parent_id = FormatId(stmt.ColumnInt64(1));
    }
    doc.start_time = stmt.ColumnDouble(2);
    doc.end_time = stmt.ColumnDouble(3);  // NULL (in progress) reads as 0.
    doc.kind =
        stmt.ColumnInt64(4) == 1 ? proto::DocumentKind::kSubsegment : proto::DocumentKind::kSegment;
    doc.in_progress = stmt.ColumnInt64(5) != 0;
    doc.received_at = stmt.ColumnDouble(6);
    const RowFields fields = ReadRowFields(stmt, 0, key);
    XRAYD_TRY_ASSIGN(doc.raw, impl_->dictionaries->Decode(stmt.ColumnText(7), &fields));
  }
  return docs;
}

Result<std::vector<TraceInfo>> TraceStore::ListTraces(double since, std::size_t limit) {
  Statement& stmt = impl_->list_traces;
  ResetOnExit reset(stmt);
  constexpr auto kMaxLimit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  XRAYD_TRY(stmt.BindDouble(1, since));
  XRAYD_TRY(stmt.BindInt64(2, static_cast<std::int64_t>(std::min(limit, kMaxLimit))));
  std::vector<TraceInfo> traces;
  for (;;) {
    XRAYD_TRY_ASSIGN(auto row, stmt.Step());
    if (!row) {
      break;
    }
    traces.push_back(ReadTraceInfo(stmt));
  }
  return traces;
}

Result<TraceInfo> TraceStore::GetTraceInfo(std::string_view trace_id) {
  TraceKey key;
  if (!ParseTraceId(trace_id, key)) {
    return MakeError(ErrorCode::kNotFound, "unknown trace " + std::string(trace_id));
  }
  Statement& stmt = impl_->get_trace;
  ResetOnExit reset(stmt);
  XRAYD_TRY(
      stmt.BindBlob(1, std::string_view(reinterpret_cast<const char*>(key.data()), key.size())));
  XRAYD_TRY_ASSIGN(auto row, stmt.Step());
  if (!row) {
    return MakeError(ErrorCode::kNotFound, "unknown trace " + std::string(trace_id));
  }
  return ReadTraceInfo(stmt);
}

Result<std::vector<std::string>> TraceStore::TracesWithAnnotation(
    std::string_view key, const proto::AnnotationValue& value) {
  Statement& stmt = impl_->traces_with_annotation;
  ResetOnExit reset(stmt);
  XRAYD_TRY(stmt.BindText(1, key));
  XRAYD_TRY(stmt.BindInt64(2, static_cast<std::int64_t>(value.type)));
  XRAYD_TRY(BindAnnotationValue(stmt, 3, value));
  std::vector<std::string> traces;
  for (;;) {
    XRAYD_TRY_ASSIGN(auto row, stmt.Step());
    if (!row) {
      break;
    }
    traces.push_back(FormatTraceId(stmt.ColumnText(0)));
  }
  return traces;
}

Result<std::int64_t> TraceStore::CountDocuments() {
  Statement& stmt = impl_->count_documents;
  ResetOnExit reset(stmt);
  XRAYD_TRY_ASSIGN(auto row, stmt.Step());
  if (!row) {
    return MakeError(ErrorCode::kInternal, "count returned no row");
  }
  return stmt.ColumnInt64(0);
}

Status TraceStore::CapFileSizeForTesting() {
  // max_page_count never goes below the current size, so 1 means "no growth from here on".
  return impl_->db->Exec("PRAGMA max_page_count=1");
}

}  // namespace xrayd::storage
