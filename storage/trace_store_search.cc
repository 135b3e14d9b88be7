// TraceStore::FindCandidates: one call's search candidates (see CandidateQuery and schema.h).

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "storage/trace_store.h"
#include "storage/trace_store_impl.h"

namespace xrayd::storage {
namespace {

// The smallest trace id whose (integer) epoch is >= `seconds`: 4-byte big-endian epoch, 12 zeros.
// An epoch E is in [start, end) iff TraceIdBound(start) <= id < TraceIdBound(end).
std::string TraceIdBound(double seconds) {
  const double clamped = std::clamp(std::ceil(seconds), 0.0, 4294967295.0);
  const auto epoch = static_cast<std::uint32_t>(clamped);
  std::string out(16, '\0');
  out[0] = static_cast<char>(epoch >> 24);
  out[1] = static_cast<char>(epoch >> 16);
  out[2] = static_cast<char>(epoch >> 8);
  out[3] = static_cast<char>(epoch);
  return out;
}

Status Bind(Statement& stmt, int index, const SqlValue& value) {
  return std::visit(
      [&](const auto& v) -> Status {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return stmt.BindNull(index);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return stmt.BindInt64(index, v);
        } else if constexpr (std::is_same_v<T, double>) {
          return stmt.BindDouble(index, v);
        } else {
          return stmt.BindText(index, v);
        }
      },
      value);
}

// The range part of a candidate query's WHERE clause and its parameters, which follow the
// predicate's.
struct CandidateRange {
  std::string sql;
  std::vector<SqlValue> params;
};

// By trace id (its epoch): one upper bound only (the resume point when there is one, which is
// inside the range), so that it bounds the index range instead of filtering every row above it.
Result<CandidateRange> TraceIdRange(const CandidateQuery& query) {
  std::string hi = TraceIdBound(query.end);
  if (query.after_trace_id) {
    TraceKey key;
    if (!ParseTraceId(*query.after_trace_id, key)) {
      return MakeError(ErrorCode::kInvalidArgument, "bad resume trace id");
    }
    hi = std::min(hi, std::string(reinterpret_cast<const char*>(key.data()), key.size()));
  }
  CandidateRange range;
  range.sql = "t.trace_id >= ? AND t.trace_id < ?";
  range.params.emplace_back(TraceIdBound(query.start));
  range.params.emplace_back(std::move(hi));
  return range;
}

// By start time, reaching `lookback` back for traces still running into the window.
CandidateRange StartTimeRange(const CandidateQuery& query) {
  CandidateRange range;
  range.sql = "t.start_time >= ? AND ";
  range.params.emplace_back(query.start - std::max(query.lookback, 0.0));
  if (query.after_time) {
    // The resume point as the range's upper bound (see TraceIdRange), ties broken by seq.
    range.sql += "t.start_time <= ? AND (t.start_time < ? OR t.seq < ?) AND ";
    range.params.emplace_back(*query.after_time);
    range.params.emplace_back(*query.after_time);
    range.params.emplace_back(query.after_seq);
  } else {
    range.sql += "t.start_time < ? AND ";
    range.params.emplace_back(query.end);
  }
  range.sql += "(t.start_time >= ? OR t.end_time >= ? OR t.in_progress_count > 0)";
  range.params.emplace_back(query.start);
  range.params.emplace_back(query.start);
  return range;
}

// Every trace of the range in order, with column 13 telling whether it is a candidate: the caller
// steps over the rows it rejects, so that the rows read, not the rows passing, bound a call's
// work. CASE evaluates the predicate only when the summary is fresh, and its terms lazily, as
// WHERE did.
// From the annotation index (`from_hits`): only the traces of annotation_hits, looked up by seq
// (CROSS JOIN keeps annotation_hits the outer loop), then sorted.
std::string CandidateSql(const CandidateQuery& query, const CandidateRange& range, bool by_id,
                         bool from_hits) {
  std::string sql = from_hits ? std::string(kAnnotationHitsCte) : std::string();
  sql += "SELECT " + std::string(kTraceColumns) + ", t.seq, " + std::string(kFirstReceivedSql) +
         ", t.summary_revision = t.revision, ";
  if (query.predicate.empty()) {
    sql += "1";
  } else {
    sql += "CASE WHEN t.summary_revision < t.revision THEN 1 WHEN (" + query.predicate +
           ") THEN 1 ELSE 0 END";
  }
  sql += from_hits ? " FROM annotation_hits h CROSS JOIN traces t ON t.seq = h.seq WHERE "
                   : " FROM traces t WHERE ";
  sql += range.sql;
  sql += by_id ? " ORDER BY t.trace_id DESC" : " ORDER BY t.start_time DESC, t.seq DESC";
  sql += " LIMIT ?";
  return sql;
}

// Binds an AnnotationTerm to kAnnotationHitsCte's ?1, ?2, ?3.
Status BindAnnotationTerm(Statement& stmt, const AnnotationTerm& term) {
  XRAYD_TRY(stmt.BindText(1, term.key));
  XRAYD_TRY(stmt.BindInt64(2, term.vtype));
  return Bind(stmt, 3, term.value);
}

Status BindCandidateParams(Statement& stmt, const CandidateQuery& query,
                           const CandidateRange& range, bool by_id, bool from_hits) {
  int index = 1;
  if (from_hits) {
    XRAYD_TRY(BindAnnotationTerm(stmt, *query.annotation_term));
    index = 4;
  }
  for (const SqlValue& value : query.params) {  // The predicate's, in the select list.
    XRAYD_TRY(Bind(stmt, index++, value));
  }
  for (const SqlValue& value : range.params) {
    // Blobs must bind as blobs: TEXT never equals a BLOB in SQLite comparisons.
    if (by_id && std::holds_alternative<std::string>(value)) {
      XRAYD_TRY(stmt.BindBlob(index++, std::get<std::string>(value)));
    } else {
      XRAYD_TRY(Bind(stmt, index++, value));
    }
  }
  // -1: no LIMIT (the caller stops at `limit` candidates).
  return stmt.BindInt64(
      index, query.scan_limit == 0 || from_hits ? -1 : static_cast<std::int64_t>(query.scan_limit));
}

Candidate ReadCandidate(const Statement& stmt) {
  Candidate c;
  c.info = ReadTraceInfo(stmt);
  c.seq = stmt.ColumnInt64(10);
  c.first_received = stmt.ColumnDouble(11);
  c.summary_fresh = stmt.ColumnInt64(12) != 0;
  return c;
}

Result<CandidatePage> ReadCandidates(Statement& stmt, const CandidateQuery& query, bool from_hits) {
  CandidatePage page;
  for (;;) {
    XRAYD_TRY_ASSIGN(const bool row, stmt.Step());
    if (!row) {
      return page;
    }
    ++page.scanned;
    const bool candidate = stmt.ColumnInt64(13) != 0;
    if (candidate) {
      page.candidates.push_back(ReadCandidate(stmt));
    }
    if (!from_hits && page.scanned == query.scan_limit) {
      page.scan_end = candidate ? page.candidates.back() : ReadCandidate(stmt);
      return page;
    }
    if (page.candidates.size() >= query.limit) {
      return page;
    }
  }
}

// Whether at most `max_hits` annotations rows match `term`.
Result<bool> FewAnnotationHits(Database& db, const AnnotationTerm& term, std::int64_t max_hits) {
  XRAYD_TRY_ASSIGN(auto stmt,
                   db.Prepare(std::string(kAnnotationHitsCte) +
                              "SELECT count(*) FROM (SELECT 1 FROM annotation_hits LIMIT ?4)"));
  XRAYD_TRY(BindAnnotationTerm(stmt, term));
  XRAYD_TRY(stmt.BindInt64(4, max_hits + 1));
  XRAYD_TRY_ASSIGN(const bool row, stmt.Step());
  return row && stmt.ColumnInt64(0) <= max_hits;
}

}  // namespace

Status TraceStore::BeginSnapshot() {
  return impl_->db->Exec("BEGIN");
}

void TraceStore::EndSnapshot() {
  if (!impl_->db->InAutocommit()) {
    (void)impl_->db->Exec("COMMIT");
  }
}

Result<CandidatePage> TraceStore::FindCandidates(const CandidateQuery& query) {
  const bool by_id = query.time_key == CandidateQuery::TimeKey::kTraceId;
  XRAYD_TRY_ASSIGN(const CandidateRange range,
                   by_id ? TraceIdRange(query) : Result<CandidateRange>(StartTimeRange(query)));
  bool from_hits = false;
  if (query.annotation_term) {
    XRAYD_TRY_ASSIGN(from_hits, FewAnnotationHits(*impl_->db, *query.annotation_term,
                                                  query.max_annotation_hits));
  }
  auto stmt = impl_->db->Prepare(CandidateSql(query, range, by_id, from_hits));
  if (!stmt) {
    // The predicate comes from the caller's filter expression.
    Error error = std::move(stmt.error());
    error.code = ErrorCode::kInvalidArgument;
    return tl::unexpected<Error>(std::move(error));
  }
  XRAYD_TRY(BindCandidateParams(*stmt, query, range, by_id, from_hits));
  XRAYD_TRY_ASSIGN(CandidatePage page, ReadCandidates(*stmt, query, from_hits));
  page.from_annotation_index = from_hits;
  return page;
}

}  // namespace xrayd::storage
