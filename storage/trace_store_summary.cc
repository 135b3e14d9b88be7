// TraceStore summaries: which traces need one, and storing them (schema.h, "Summaries").

#include <algorithm>
#include <string>
#include <utility>

#include "storage/trace_store.h"
#include "storage/trace_store_impl.h"

namespace xrayd::storage {
namespace {

std::string StaleTracesSql() {
  return "SELECT trace_id, revision, " + std::string(kFirstReceivedSql) +
         ", summary_revision = 0 FROM traces AS t INDEXED BY traces_unsummarized "
         "WHERE summary_revision < revision AND updated_at < ?1 ORDER BY seq LIMIT ?2";
}

constexpr std::string_view kSelectSeq = "SELECT seq, revision FROM traces WHERE trace_id = ?1";

constexpr std::string_view kMarkSummarized =
    "UPDATE traces SET summary_revision = ?2 WHERE seq = ?1";

Status BindOptionalText(Statement& stmt, int index, const std::optional<std::string>& value) {
  return value ? stmt.BindText(index, *value) : stmt.BindNull(index);
}

Status BindOptionalDouble(Statement& stmt, int index, const std::optional<double>& value) {
  return value ? stmt.BindDouble(index, *value) : stmt.BindNull(index);
}

// Statements of one PutSummaries call (prepared per call: summaries are written in batches by one
// background thread, so preparing is noise next to the writes).
struct SummaryStatements {
  Statement select_seq;
  Statement update;
  Statement mark;
  AnnotationRows values;  // Written before the commit; the updates outlive it.
};

Status PutOneSummary(SummaryStatements& st, const TraceStore::SummaryUpdate& update) {
  TraceKey key;
  if (!ParseTraceId(update.trace_id, key)) {
    return MakeError(ErrorCode::kInvalidArgument, "bad trace id " + update.trace_id);
  }
  const std::string_view key_bytes(reinterpret_cast<const char*>(key.data()), key.size());
  std::int64_t seq = 0;
  std::int64_t revision = 0;
  {
    ResetOnExit reset(st.select_seq);
    XRAYD_TRY(st.select_seq.BindBlob(1, key_bytes));
    auto row = st.select_seq.Step();
    XRAYD_TRY(row);
    if (!*row) {
      return {};  // Deleted (retention) since it was listed.
    }
    seq = st.select_seq.ColumnInt64(0);
    revision = st.select_seq.ColumnInt64(1);
  }
  {
    ResetOnExit reset(st.update);
    XRAYD_TRY(st.update.BindInt64(1, seq));
    XRAYD_TRY(BindSummaryColumns(st.update, 2, &update.row));
    XRAYD_TRY(st.update.Run());
  }
  XRAYD_TRY(WriteSummaryValues(st.values, seq, update.row));
  // A trace that changed after its documents were read keeps an older summary_revision: stale.
  ResetOnExit reset(st.mark);
  XRAYD_TRY(st.mark.BindInt64(1, seq));
  XRAYD_TRY(st.mark.BindInt64(2, std::min(revision, update.revision)));
  return st.mark.Run();
}

}  // namespace

Status BindSummaryColumns(Statement& stmt, int first, const TraceSummaryRow* r) {
  if (r == nullptr) {
    for (int i = 0; i < 8; ++i) {
      XRAYD_TRY(stmt.BindNull(first + i));
    }
    return {};
  }
  XRAYD_TRY(BindOptionalDouble(stmt, first, r->response_time));
  XRAYD_TRY(BindOptionalDouble(stmt, first + 1, r->duration));
  XRAYD_TRY(stmt.BindInt64(first + 2, r->flags));
  XRAYD_TRY(r->http_status ? stmt.BindInt64(first + 3, *r->http_status) : stmt.BindNull(first + 3));
  XRAYD_TRY(BindOptionalText(stmt, first + 4, r->http_url));
  XRAYD_TRY(BindOptionalText(stmt, first + 5, r->http_method));
  XRAYD_TRY(BindOptionalText(stmt, first + 6, r->http_useragent));
  return BindOptionalText(stmt, first + 7, r->http_clientip);
}

Status WriteSummaryValues(AnnotationRows& rows, std::int64_t seq, const TraceSummaryRow& r) {
  for (const auto& [value_key, value] : r.values) {
    const std::optional<std::int64_t> key_id = ReservedKeyId(value_key);
    if (!key_id) {
      return MakeError(ErrorCode::kInternal, "summary value under an unreserved key " + value_key);
    }
    rows.AddText(seq >> kAnnotationBucketBits, *key_id, value, seq);
  }
  return {};
}

Result<std::vector<StaleTrace>> TraceStore::StaleTraces(double quiet_before, std::size_t limit) {
  XRAYD_TRY_ASSIGN(auto stmt, impl_->db->Prepare(StaleTracesSql()));
  XRAYD_TRY(stmt.BindDouble(1, quiet_before));
  XRAYD_TRY(stmt.BindInt64(2, static_cast<std::int64_t>(limit)));
  std::vector<StaleTrace> out;
  for (;;) {
    auto row = stmt.Step();
    XRAYD_TRY(row);
    if (!*row) {
      break;
    }
    out.push_back(StaleTrace{.trace_id = FormatTraceId(stmt.ColumnText(0)),
                             .revision = stmt.ColumnInt64(1),
                             .first_received = stmt.ColumnDouble(2),
                             .never_summarized = stmt.ColumnInt64(3) != 0});
  }
  return out;
}

Status TraceStore::PutSummaries(std::span<const SummaryUpdate> updates) {
  Database& db = *impl_->db;
  SummaryStatements st;
  XRAYD_TRY(PrepareInto(db, kSelectSeq, st.select_seq));
  XRAYD_TRY(PrepareInto(db, kUpdateSummary, st.update));
  XRAYD_TRY(PrepareInto(db, kMarkSummarized, st.mark));
  XRAYD_TRY(st.values.Prepare(db));
  XRAYD_TRY(db.Exec("BEGIN IMMEDIATE"));
  for (const SummaryUpdate& update : updates) {
    if (Status s = PutOneSummary(st, update); !s) {
      (void)db.Exec("ROLLBACK");
      return s;
    }
  }
  if (Result<std::int64_t> written = st.values.Flush(db); !written) {
    (void)db.Exec("ROLLBACK");
    return tl::unexpected<Error>(std::move(written.error()));
  }
  if (Status s = db.Exec("COMMIT"); !s) {
    (void)db.Exec("ROLLBACK");
    return s;
  }
  return {};
}

}  // namespace xrayd::storage
