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

constexpr std::string_view kDeleteTrace = "DELETE FROM traces WHERE seq = ?1";

constexpr std::string_view kOldest = "SELECT min(updated_at) FROM traces";

Result<Statement> Prepare(Database& db, std::string_view sql) {
  return db.Prepare(sql);
}

// The seqs of up to `max_traces` traces updated before `updated_before`, least recently first.
Result<std::vector<std::int64_t>> SelectVictims(Database& db, double updated_before,
                                                std::size_t max_traces) {
  XRAYD_TRY_ASSIGN(auto select, Prepare(db, kSelectVictims));
  XRAYD_TRY(select.BindDouble(1, updated_before));
  XRAYD_TRY(select.BindInt64(2, static_cast<std::int64_t>(max_traces)));
  std::vector<std::int64_t> victims;
  for (;;) {
    XRAYD_TRY_ASSIGN(const bool row, select.Step());
    if (!row) {
      break;
    }
    victims.push_back(select.ColumnInt64(0));
  }
  return victims;
}

// The annotation buckets of `seqs`, each once.
std::vector<std::int64_t> BucketsOf(const std::vector<std::int64_t>& seqs) {
  std::vector<std::int64_t> buckets;
  buckets.reserve(seqs.size());
  for (std::int64_t seq : seqs) {
    buckets.push_back(seq >> kAnnotationBucketBits);
  }
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  return buckets;
}

// Runs `stmt` once with each of `keys` bound to ?1; returns the rows changed in all.
Result<std::int64_t> RunForEach(Database& db, Statement& stmt,
                                const std::vector<std::int64_t>& keys) {
  std::int64_t changed = 0;
  for (std::int64_t key : keys) {
    XRAYD_TRY(stmt.BindInt64(1, key));
    XRAYD_TRY(stmt.Run());
    changed += db.Changes();
    stmt.Reset();
  }
  return changed;
}

// Inside the caller's transaction: the documents, annotation rows (one range per bucket) and traces
// rows of `victims`, counted into `stats`. temp.retention_victims is left empty.
Status DeleteVictims(Database& db, const std::vector<std::int64_t>& victims,
                     TraceStore::RetentionStats& stats) {
  XRAYD_TRY_ASSIGN(auto clear, Prepare(db, kClearVictims));
  XRAYD_TRY_ASSIGN(auto insert, Prepare(db, kInsertVictim));
  XRAYD_TRY_ASSIGN(auto delete_documents, Prepare(db, kDeleteDocuments));
  XRAYD_TRY_ASSIGN(auto delete_annotations, Prepare(db, kDeleteAnnotations));
  XRAYD_TRY_ASSIGN(auto delete_trace, Prepare(db, kDeleteTrace));
  XRAYD_TRY(clear.Run());
  XRAYD_TRY(RunForEach(db, insert, victims));
  XRAYD_TRY_ASSIGN(stats.documents, RunForEach(db, delete_documents, victims));
  XRAYD_TRY_ASSIGN(stats.annotations, RunForEach(db, delete_annotations, BucketsOf(victims)));
  XRAYD_TRY_ASSIGN(stats.traces, RunForEach(db, delete_trace, victims));
  return clear.Run();
}

// Commits when `status` is ok. Otherwise, or when COMMIT fails, rolls back what is still open and
// returns the error.
Status CommitOrRollBack(Database& db, Status status) {
  if (status) {
    status = db.Exec("COMMIT");
  }
  if (!status && !db.InAutocommit()) {
    (void)db.Exec("ROLLBACK");
  }
  return status;
}

}  // namespace

Result<TraceStore::RetentionStats> TraceStore::DeleteOldestTraces(double updated_before,
                                                                  std::size_t max_traces) {
  RetentionStats stats;
  Database& db = *impl_->db;
  // Outside the transaction: creating the temp table is not part of the write.
  XRAYD_TRY(db.Exec(std::string(kCreateVictims)));
  XRAYD_TRY(db.Exec("BEGIN IMMEDIATE"));
  Status status = [&]() -> Status {
    XRAYD_TRY_ASSIGN(const auto victims, SelectVictims(db, updated_before, max_traces));
    return victims.empty() ? Status{} : DeleteVictims(db, victims, stats);
  }();
  XRAYD_TRY(CommitOrRollBack(db, std::move(status)));
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

Result<std::int64_t> TraceStore::DictionaryCount() {
  return impl_->db->QueryInt("SELECT count(*) FROM zstd_dictionaries");
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
