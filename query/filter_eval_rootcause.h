#pragma once
// Internal to the filter evaluator (query/filter_eval.h): the root-cause terms of
// docs/filter-language.md#functions-and-blocks, rootcause.<kind>.<level> { ... } and rootcause.json
// = #[ ... ]. Pure, no allocation, thread-safe.

#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "query/filter_ast.h"
#include "query/trace_model.h"

namespace xrayd::query::internal {

// One element of a root cause enumerated at a level: a service, an entity of its path or an
// exception of such an entity. `index`/`last` are positions in the root cause's flattened list
// at that level.
struct RootCauseElement {
  RootCauseLevel level = RootCauseLevel::kService;
  const RootCauseService* service = nullptr;  // The service the element belongs to (all levels).
  const RootCauseEntity* entity = nullptr;    // Entity and exception levels.
  const RootCauseException* exception = nullptr;  // Exception level.
  std::size_t index = 0;
  bool last = false;
};

// The root-cause list of `kind` in `trace`.
[[nodiscard]] const std::vector<RootCause>& RootCausesOf(const TraceModel& trace,
                                                         RootCauseKind kind);

// A keyword (name, type, inferred, account.id, index, first, last, remote, coverage, message)
// compared on `element`. Keywords that do not apply to its level are false (the parser rejects
// them anyway).
[[nodiscard]] bool TestRootCauseKeyword(const Comparison& c, const RootCauseElement& element,
                                        const TraceModel& trace);

// Calls `test(element)` for every element of every root cause of `kind` at `level`, in order,
// until one returns true. Returns whether one did.
template <class Test>
[[nodiscard]] bool AnyRootCauseElement(const TraceModel& trace, RootCauseKind kind,
                                       RootCauseLevel level, Test&& test) {
  for (const RootCause& cause : RootCausesOf(trace, kind)) {
    std::size_t count = 0;
    for (const RootCauseService& service : cause.services) {
      if (level == RootCauseLevel::kService) {
        ++count;
        continue;
      }
      for (const RootCauseEntity& entity : service.entity_path) {
        count += level == RootCauseLevel::kEntity ? 1 : entity.exceptions.size();
      }
    }
    RootCauseElement element;
    element.level = level;
    for (const RootCauseService& service : cause.services) {
      element.service = &service;
      if (level == RootCauseLevel::kService) {
        element.last = element.index + 1 == count;
        if (test(static_cast<const RootCauseElement&>(element))) {
          return true;
        }
        ++element.index;
        continue;
      }
      for (const RootCauseEntity& entity : service.entity_path) {
        element.entity = &entity;
        if (level == RootCauseLevel::kEntity) {
          element.last = element.index + 1 == count;
          if (test(static_cast<const RootCauseElement&>(element))) {
            return true;
          }
          ++element.index;
          continue;
        }
        for (const RootCauseException& exception : entity.exceptions) {
          element.exception = &exception;
          element.last = element.index + 1 == count;
          if (test(static_cast<const RootCauseElement&>(element))) {
            return true;
          }
          ++element.index;
        }
      }
    }
  }
  return false;
}

// rootcause.json (docs/filter-language.md#functions-and-blocks, [local]): true iff every object of
// `pattern` (a JSON array) is contained in some root cause of the trace, of any kind, in the API
// shape of TraceSummary (Services[].{Name, Names, AccountId, Type, Inferred, EntityPath[].{Name,
// Coverage, Remote, Exceptions[].{Name, Message}}}, ClientImpacting). Containment: every key given
// in a pattern object exists and matches; a pattern array matches when its elements match elements
// of the value's array in order (a subsequence); scalars are equal (numbers as doubles); a null
// matches an absent member. An empty pattern array is true.
[[nodiscard]] bool MatchesRootCauseJson(const nlohmann::json& pattern, const TraceModel& trace);

}  // namespace xrayd::query::internal
