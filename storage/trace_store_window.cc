// TraceStore::TraceIdsInWindow: the traces active during a time window, for the service graph and
// its time series (docs/api.md#getservicegraph-and-gettracegraph,
// docs/service-graph.md#time-window-and-paging). Uses the traces_by_start_time index (see
// schema.h).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/trace_store.h"
#include "storage/trace_store_impl.h"

namespace xrayd::storage {
namespace {

// A range scan of traces_by_start_time from `end` down to `start - lookback`, newest first; the
// end_time / in-progress check is made on the row. in_progress_count > 0 keeps traces still open.
constexpr std::string_view kTraceIdsInWindow = R"sql(
SELECT trace_id FROM traces
WHERE start_time <= ?1 AND start_time >= ?2 AND (end_time >= ?3 OR in_progress_count > 0)
ORDER BY start_time DESC, seq DESC
LIMIT ?4)sql";

}  // namespace

Result<std::vector<std::string>> TraceStore::TraceIdsInWindow(double start, double end,
                                                              std::size_t limit) {
  std::vector<std::string> ids;
  if (end < start || limit == 0) {
    return ids;
  }
  XRAYD_TRY_ASSIGN(auto stmt, impl_->db->Prepare(kTraceIdsInWindow));
  XRAYD_TRY(stmt.BindDouble(1, end));
  XRAYD_TRY(stmt.BindDouble(2, start - kTraceWindowLookback));
  XRAYD_TRY(stmt.BindDouble(3, start));
  const std::uint64_t capped = std::min<std::uint64_t>(limit, INT64_MAX);
  XRAYD_TRY(stmt.BindInt64(4, static_cast<std::int64_t>(capped)));
  for (;;) {
    auto row = stmt.Step();
    XRAYD_TRY(row);
    if (!*row) {
      break;
    }
    ids.push_back(FormatTraceId(stmt.ColumnText(0)));
  }
  return ids;
}

}  // namespace xrayd::storage
