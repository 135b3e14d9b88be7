#pragma once
// The summary row a search filters on (storage::TraceSummaryRow), derived from a TraceModel with
// the same definitions the evaluator (query/filter_eval.h) uses for trace-level keywords, so that
// the SQL predicate of query/filter_sql.h over a fresh summary agrees with the evaluator.

#include <optional>

#include "proto/document.h"
#include "query/trace_model.h"
#include "storage/trace_store.h"

namespace xrayd::query {

[[nodiscard]] storage::TraceSummaryRow SummaryRowFromModel(const TraceModel& model);

// The row of a trace whose only document is `doc`, from the facts its ingest parse kept
// (proto::Document::sole_trace), without parsing the JSON again: equal to
// SummaryRowFromModel(BuildTraceModel(...)) of that trace, `values` taken as a set. nullopt when
// `doc` has no such facts.
[[nodiscard]] std::optional<storage::TraceSummaryRow> SoleDocumentSummaryRow(
    const proto::Document& doc);

}  // namespace xrayd::query
