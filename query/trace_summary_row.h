#pragma once
// The summary row a search filters on (storage::TraceSummaryRow), derived from a TraceModel with
// the same definitions the evaluator (query/filter_eval.h) uses for trace-level keywords, so that
// the SQL predicate of query/filter_sql.h over a fresh summary agrees with the evaluator.

#include <optional>
#include <span>

#include "proto/document.h"
#include "query/trace_model.h"
#include "storage/trace_store.h"

namespace xrayd::query {

[[nodiscard]] storage::TraceSummaryRow SummaryRowFromModel(const TraceModel& model);

// The row of a trace whose stored documents are `docs` (each key once), from the facts their
// ingest parse kept (proto::Document::summary_facts, or the copies the storage writer keeps of
// them), without parsing the JSON again: equal to SummaryRowFromModel(BuildTraceModel(...)) of that
// trace, `values` taken as a set. nullopt when there are no documents, when a document has no
// facts, or when an independent subsegment's parent is not in a segment document (the model's
// placement of such chains and orphans is left to it).
[[nodiscard]] std::optional<storage::TraceSummaryRow> TraceSummaryRowOf(
    std::span<const proto::SummaryInputRef> docs);

// TraceSummaryRowOf of the documents themselves.
[[nodiscard]] std::optional<storage::TraceSummaryRow> NewTraceSummaryRow(
    std::span<const proto::Document* const> docs);

}  // namespace xrayd::query
