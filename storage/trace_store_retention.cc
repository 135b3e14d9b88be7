// Retention: deleting the least recently updated traces in short transactions, and the figures the
// retention thread decides on (bytes in use, oldest update). See trace_store.h.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "storage/trace_store.h"
#include "storage/trace_store_impl.h"

namespace xrayd::storage {
namespace {

// Served by traces_by_updated_at: the oldest first, one index range.
constexpr std::string_view kSelectVictims = R"sql(
SELECT seq FROM traces WHERE updated_at < ?1 ORDER BY updated_at, seq LIMIT ?2)sql";

constexpr std::string_view kCreateVictims =
    "CREATE TEMP TABLE IF NOT EXISTS retention_victims(seq INTEGER PRIMARY KEY)";
constexpr std::string_view kInsertVictim = "INSERT INTO temp.retention_victims(seq) VALUES (?1)";
constexpr std::string_view kClearVictims = "DELETE FROM temp.retention_victims";

// documents_by_key(trace_seq, id) serves the per-trace delete.
constexpr std::string_view kDeleteDocuments = "DELETE FROM documents WHERE trace_seq = ?1";

// The annotation PK starts with the bucket (trace_seq >> 10): one range scan per bucket removes
// the rows of every victim in it, instead of one bucket scan per trace.
constexpr std::string_view kDeleteAnnotations = R"sql(
DELETE FROM annotations
WHERE bucket = ?1 AND trace_seq IN (SELECT seq FROM temp.retention_victims))sql";

// The traces_delete_summary trigger removes the trace_summaries row.
constexpr std::string_view kDeleteTrace = "DELETE FROM traces WHERE seq = ?1";

constexpr std::string_view kOldest = "SELECT min(updated_at) FROM traces";

Result<Statement> Prepare(Database& db, std::string_view sql) {
  return db.Prepare(sql);
}

}  // namespace

Result<TraceStore::RetentionStats> TraceStore::DeleteOldestTraces(double updated_before,
                                                                  std::size_t max_traces) {
  RetentionStats stats;
  Database& db = *impl_->db;
  // Outside the transaction: creating the temp table is not part of the write.
  XRAYD_TRY(db.Exec(std::string(kCreateVictims)));
  XRAYD_TRY(db.Exec("BEGIN IMMEDIATE"));
  auto run = [&]() -> Status {
    XRAYD_TRY_ASSIGN(auto select, Prepare(db, kSelectVictims));
    XRAYD_TRY(select.BindDouble(1, updated_before));
    XRAYD_TRY(select.BindInt64(2, static_cast<std::int64_t>(max_traces)));
    std::vector<std::int64_t> victims;
    for (;;) {
      XRAYD_TRY_ASSIGN(auto row, select.Step());
      if (!row) {
        break;
      }
      victims.push_back(select.ColumnInt64(0));
    }
    select.Reset();
    if (victims.empty()) {
      return {};
    }
    auto clear = Prepare(db, kClearVictims);
    auto insert = Prepare(db, kInsertVictim);
    auto delete_documents = Prepare(db, kDeleteDocuments);
    auto delete_annotations = Prepare(db, kDeleteAnnotations);
    auto delete_trace = Prepare(db, kDeleteTrace);
    for (auto* stmt : {&clear, &insert, &delete_documents, &delete_annotations, &delete_trace}) {
      if (!*stmt) {
        return tl::unexpected<Error>(std::move(stmt->error()));
      }
    }
    XRAYD_TRY(clear->Run());
    std::vector<std::int64_t> buckets;
    for (std::int64_t seq : victims) {
      XRAYD_TRY(insert->BindInt64(1, seq));
      XRAYD_TRY(insert->Run());
      insert->Reset();
      XRAYD_TRY(delete_documents->BindInt64(1, seq));
      XRAYD_TRY(delete_documents->Run());
      stats.documents += db.Changes();
      delete_documents->Reset();
      buckets.push_back(seq >> kAnnotationBucketBits);
    }
    std::sort(buckets.begin(), buckets.end());
    buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
    for (std::int64_t bucket : buckets) {
      XRAYD_TRY(delete_annotations->BindInt64(1, bucket));
      XRAYD_TRY(delete_annotations->Run());
      stats.annotations += db.Changes();
      delete_annotations->Reset();
    }
    for (std::int64_t seq : victims) {
      XRAYD_TRY(delete_trace->BindInt64(1, seq));
      XRAYD_TRY(delete_trace->Run());
      stats.traces += db.Changes();
      delete_trace->Reset();
    }
    XRAYD_TRY(clear->Run());
    return {};
  };
  if (Status status = run(); !status) {
    if (!db.InAutocommit()) {
      (void)db.Exec("ROLLBACK");
    }
    return tl::unexpected<Error>(std::move(status.error()));
  }
  if (Status status = db.Exec("COMMIT"); !status) {
    if (!db.InAutocommit()) {
      (void)db.Exec("ROLLBACK");
    }
    return tl::unexpected<Error>(std::move(status.error()));
  }
  return stats;
}

Result<std::int64_t> TraceStore::UsedBytes() {
  auto pages = impl_->db->QueryInt("PRAGMA page_count");
  auto free_pages = impl_->db->QueryInt("PRAGMA freelist_count");
  auto page_size = impl_->db->QueryInt("PRAGMA page_size");
  for (auto* r : {&pages, &free_pages, &page_size}) {
    if (!*r) {
      return tl::unexpected<Error>(std::move(r->error()));
    }
  }
  return (*pages - *free_pages) * *page_size;
}

Result<std::optional<double>> TraceStore::OldestUpdatedAt() {
  XRAYD_TRY_ASSIGN(auto stmt, Prepare(*impl_->db, kOldest));
  XRAYD_TRY_ASSIGN(auto row, stmt.Step());
  if (!row || stmt.ColumnIsNull(0)) {
    return std::optional<double>();
  }
  return std::optional<double>(stmt.ColumnDouble(0));
}

}  // namespace xrayd::storage
