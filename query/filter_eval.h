#pragma once
// Evaluates a parsed X-Ray filter expression (query/filter_ast.h) against one compiled trace
// (query/trace_model.h) with the semantics of docs/filter-language.md. Pure and thread-safe: it
// reads the filter and the model only.
//
// Rules worth knowing ([local] where the spec is silent):
// * A comparison on an absent value is false, `!=` included; `!term` is true iff term is false.
// * Multi-valued values (user, availabilityzone, instance.id, resource.arn, annotation.*) are
//   existential: true iff some value satisfies the comparison.
// * annotation.* is dynamically typed: a value of another type than the literal never matches.
//   Bare `annotation.k` is true iff some value is a string, a number or the boolean true.
// * The trace-level booleans ok/error/fault/throttle come from the root segment's derived status;
//   a trace without a root has none of them (all four false), so `ok = false` always equals `!ok`.
// * A plain node name matches every service node with that name (e.g. both Lambda nodes) but
//   never the synthetic client node; id(...) matches a client node only when it names type
//   "client".
// * rootcause.<kind>.<level> without a block: the trace has a root cause of that kind. With a
//   block, the elements of each root cause at that level are tested; `index` (0-based), `first`
//   and `last` are positions in that root cause's list flattened across its services (entity) or
//   across its entities (exception).

#include <functional>

#include "query/filter_ast.h"
#include "query/trace_model.h"

namespace xrayd::query {

// Group membership of the trace being tested, for group.name / group.arn terms
// (docs/groups.md#membership). Null function: a trace is a member of "Default" (by name, or an ARN
// ending in ":group/Default") and of nothing else. The function must not throw; it is called from
// the evaluating thread.
struct EvalContext {
  std::function<bool(const GroupRef&)> is_member;
};

// True iff `trace` satisfies `filter` (an empty filter matches everything). Pure, thread-safe,
// never throws, never allocates per comparison beyond what strings require.
[[nodiscard]] bool MatchesFilter(const FilterExpr& filter, const TraceModel& trace,
                                 const EvalContext& context = {}) noexcept;

// True iff the trace is in `ref`'s group by the null-function rule above (the Default group).
[[nodiscard]] bool IsDefaultGroupRef(const GroupRef& ref) noexcept;

}  // namespace xrayd::query
