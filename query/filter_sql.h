#pragma once
// Compiles a filter expression into a SQL predicate for TraceStore::FindCandidates
// (docs/filter-language.md#how-search-evaluates-filters phase 1). The predicate is a SUPERSET of
// the true answer for traces with a fresh summary: it never rejects a trace the evaluator
// (query/filter_eval.h) would accept. Terms that cannot be translated become TRUE; a term under `!`
// is only translated when it is exact. User text (string literals, annotation keys, group names)
// only ever goes into bound parameters.

#include <optional>
#include <string>
#include <vector>

#include "query/filter_ast.h"
#include "query/filter_groups.h"
#include "storage/trace_store.h"

namespace xrayd::query {

struct SqlFilter {
  std::string predicate;                  // Empty = TRUE.
  std::vector<storage::SqlValue> params;  // For the predicate's `?`, in order.
  // True when the predicate is exactly the filter for fresh summaries (only summary columns and
  // Default-group terms): candidates then need no evaluation in C++.
  bool exact = true;
  // An annotation equality (`annotation.k = literal`) that is the filter or one of its top-level
  // AND terms: every trace the filter accepts has its row in the annotation index, written on
  // ingest whatever the summary's state (CandidateQuery::annotation_term).
  std::optional<storage::AnnotationTerm> annotation_term;
};

// Pure. `groups` resolves group.name/group.arn terms (their filters are inlined, guarded by the
// trace's first-received time); an unknown group compiles to TRUE (callers reject unknown groups
// before searching).
[[nodiscard]] SqlFilter CompileFilterSql(const FilterExpr& filter, const GroupLookup& groups = {});

}  // namespace xrayd::query
