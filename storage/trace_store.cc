#include "storage/trace_store.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "storage/database.h"
#include "storage/schema.h"
#include "storage/trace_store_impl.h"

namespace xrayd::storage {
namespace {

constexpr std::string_view kGetDocuments = R"sql(
SELECT trace_id, id, parent_id, kind, in_progress, start_time, end_time, received_at, raw
FROM documents WHERE trace_id = ?1 ORDER BY seq)sql";

constexpr std::string_view kTraceColumns =
    "trace_id, start_time, end_time, updated_at, documents, in_progress_count, revision, "
    "root_name, root_id, bytes";

constexpr std::string_view kTracesWithAnnotation =
    "SELECT trace_id FROM annotations WHERE key = ?1 AND vtype = ?2 AND value = ?3 ORDER BY trace_id";

constexpr std::string_view kCountDocuments = "SELECT count(*) FROM documents";

std::string GetTraceSql() {
  return "SELECT " + std::string(kTraceColumns) + " FROM traces WHERE trace_id = ?1";
}

// Newest first; trace_id breaks ties so that paging is stable. Served by traces_by_updated_at.
std::string ListTracesSql() {
  return "SELECT " + std::string(kTraceColumns) +
         " FROM traces WHERE updated_at >= ?1 ORDER BY updated_at DESC, trace_id DESC LIMIT ?2";
}

TraceInfo ReadTraceInfo(const Statement& stmt) {
  TraceInfo info;
  info.trace_id = std::string(stmt.ColumnText(0));
  info.start_time = stmt.ColumnDouble(1);
  info.end_time = stmt.ColumnDouble(2);
  info.updated_at = stmt.ColumnDouble(3);
  info.documents = stmt.ColumnInt64(4);
  info.partial = stmt.ColumnInt64(5) > 0;
  info.revision = stmt.ColumnInt64(6);
  info.root_name = std::string(stmt.ColumnText(7));
  info.root_id = std::string(stmt.ColumnText(8));
  info.bytes = stmt.ColumnInt64(9);
  return info;
}

}  // namespace

Status TraceStore::Impl::PrepareAll() {
  XRAYD_STORAGE_TRY(PrepareWriter());
  XRAYD_STORAGE_TRY(PrepareInto(*db, kGetDocuments, get_documents));
  XRAYD_STORAGE_TRY(PrepareInto(*db, GetTraceSql(), get_trace));
  XRAYD_STORAGE_TRY(PrepareInto(*db, ListTracesSql(), list_traces));
  XRAYD_STORAGE_TRY(PrepareInto(*db, kCountDocuments, count_documents));
  XRAYD_STORAGE_TRY(PrepareInto(*db, kTracesWithAnnotation, traces_with_annotation));
  return {};
}

TraceStore::TraceStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TraceStore::~TraceStore() = default;

Result<std::unique_ptr<TraceStore>> TraceStore::Open(const std::string& path, OpenMode mode) {
  DatabaseOptions options;
  options.read_only = mode == OpenMode::kReadOnly;
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
  if (options.read_only) {
    XRAYD_STORAGE_TRY(CheckSchema(*impl->db));
  } else {
    XRAYD_STORAGE_TRY(Migrate(*impl->db));
  }
  XRAYD_STORAGE_TRY(impl->PrepareAll());
  return std::unique_ptr<TraceStore>(new TraceStore(std::move(impl)));
}

Result<std::vector<StoredDocument>> TraceStore::GetDocuments(std::string_view trace_id) {
  Statement& stmt = impl_->get_documents;
  ResetOnExit reset(stmt);
  XRAYD_STORAGE_TRY(stmt.BindText(1, trace_id));
  std::vector<StoredDocument> docs;
  for (;;) {
    auto row = stmt.Step();
    if (!row) {
      return tl::unexpected<Error>(std::move(row.error()));
    }
    if (!*row) {
      break;
    }
    StoredDocument& doc = docs.emplace_back();
    doc.trace_id = std::string(stmt.ColumnText(0));
    doc.id = std::string(stmt.ColumnText(1));
    doc.parent_id = std::string(stmt.ColumnText(2));
    doc.kind = stmt.ColumnInt64(3) == 1 ? proto::DocumentKind::kSubsegment
                                        : proto::DocumentKind::kSegment;
    doc.in_progress = stmt.ColumnInt64(4) != 0;
    doc.start_time = stmt.ColumnDouble(5);
    doc.end_time = stmt.ColumnDouble(6);  // NULL (in progress) reads as 0.
    doc.received_at = stmt.ColumnDouble(7);
    doc.raw = std::string(stmt.ColumnText(8));
  }
  return docs;
}

Result<std::vector<TraceInfo>> TraceStore::ListTraces(double since, std::size_t limit) {
  Statement& stmt = impl_->list_traces;
  ResetOnExit reset(stmt);
  constexpr auto kMaxLimit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  XRAYD_STORAGE_TRY(stmt.BindDouble(1, since));
  XRAYD_STORAGE_TRY(stmt.BindInt64(2, static_cast<std::int64_t>(std::min(limit, kMaxLimit))));
  std::vector<TraceInfo> traces;
  for (;;) {
    auto row = stmt.Step();
    if (!row) {
      return tl::unexpected<Error>(std::move(row.error()));
    }
    if (!*row) {
      break;
    }
    traces.push_back(ReadTraceInfo(stmt));
  }
  return traces;
}

Result<TraceInfo> TraceStore::GetTraceInfo(std::string_view trace_id) {
  Statement& stmt = impl_->get_trace;
  ResetOnExit reset(stmt);
  XRAYD_STORAGE_TRY(stmt.BindText(1, trace_id));
  auto row = stmt.Step();
  if (!row) {
    return tl::unexpected<Error>(std::move(row.error()));
  }
  if (!*row) {
    return MakeError(ErrorCode::kNotFound, "unknown trace " + std::string(trace_id));
  }
  return ReadTraceInfo(stmt);
}

Result<std::vector<std::string>> TraceStore::TracesWithAnnotation(
    std::string_view key, const proto::AnnotationValue& value) {
  Statement& stmt = impl_->traces_with_annotation;
  ResetOnExit reset(stmt);
  XRAYD_STORAGE_TRY(stmt.BindText(1, key));
  XRAYD_STORAGE_TRY(stmt.BindInt64(2, static_cast<std::int64_t>(value.type)));
  XRAYD_STORAGE_TRY(BindAnnotationValue(stmt, 3, value));
  std::vector<std::string> traces;
  for (;;) {
    auto row = stmt.Step();
    if (!row) {
      return tl::unexpected<Error>(std::move(row.error()));
    }
    if (!*row) {
      break;
    }
    traces.emplace_back(stmt.ColumnText(0));
  }
  return traces;
}

Result<std::int64_t> TraceStore::CountDocuments() {
  Statement& stmt = impl_->count_documents;
  ResetOnExit reset(stmt);
  auto row = stmt.Step();
  if (!row) {
    return tl::unexpected<Error>(std::move(row.error()));
  }
  if (!*row) {
    return MakeError(ErrorCode::kInternal, "count returned no row");
  }
  return stmt.ColumnInt64(0);
}

Status TraceStore::CapFileSizeForTesting() {
  // max_page_count never goes below the current size, so 1 means "no growth from here on".
  return impl_->db->Exec("PRAGMA max_page_count=1");
}

}  // namespace xrayd::storage
