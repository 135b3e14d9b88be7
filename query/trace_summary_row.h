#pragma once
// The summary row a search filters on (storage::TraceSummaryRow), derived from a TraceModel with
// the same definitions the evaluator (query/filter_eval.h) uses for trace-level keywords, so that
// the SQL predicate of query/filter_sql.h over a fresh summary agrees with the evaluator.

#include "query/trace_model.h"
#include "storage/trace_store.h"

namespace xrayd::query {

[[nodiscard]] storage::TraceSummaryRow SummaryRowFromModel(const TraceModel& model);

}  // namespace xrayd::query
