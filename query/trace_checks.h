#pragma once
// Building blocks of `xrayd assert` / `xrayd capture`: count bounds, per-trace checks
// over a trace's segment documents, and "how close is this trace to matching a filter" for
// failure reports. Pure functions over JSON; thread-safe.
//
// Documents are segment documents as BatchGetTraces returns them: independent subsegments already
// attached to their parents (query/trace_assembler.h), inferred segments left out.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "proto/result.h"
#include "query/filter_ast.h"
#include "query/trace_model.h"

namespace xrayd::query {

// How many traces an assertion expects: ">=1", ">2", "<=3", "<4", "=5", "==5" or "5" (exactly).
struct CountBound {
  enum class Op { kEq, kGe, kGt, kLe, kLt };
  Op op = Op::kGe;
  std::size_t count = 1;
  [[nodiscard]] bool Accepts(std::size_t found) const;
  // ">= 1", "= 0", ...
  [[nodiscard]] std::string ToString() const;
};
// kInvalidArgument naming the text for anything else (negative numbers included).
[[nodiscard]] Result<CountBound> ParseCountBound(std::string_view text);
// True iff `text` looks like a count bound (starts with a digit or one of = < >): how the CLI tells
// an optional count after a filter from the next filter.
[[nodiscard]] bool LooksLikeCountBound(std::string_view text);

// True iff a segment or subsegment (at any depth) of `documents` is named `name` (exact match).
[[nodiscard]] bool HasNodeNamed(std::span<const nlohmann::ordered_json> documents,
                                std::string_view name);

// The values of annotation `key` on every segment and subsegment, as JSON prints them: strings
// quoted, numbers ("42", "1.5") and booleans bare.
[[nodiscard]] std::vector<std::string> AnnotationValues(
    std::span<const nlohmann::ordered_json> documents, std::string_view key);

// True iff some value of annotation `key` equals `expected` (absent `expected`: the key is
// present). A number annotation matches a text that parses to the same number ("3" = 3.0).
[[nodiscard]] bool HasAnnotation(std::span<const nlohmann::ordered_json> documents,
                                 std::string_view key, const std::optional<std::string>& expected);

// The TraceModel of a trace given as BatchGetTraces documents, for evaluating filters locally.
[[nodiscard]] TraceModel ModelFromDocuments(std::string_view trace_id,
                                            std::span<const nlohmann::ordered_json> documents);

// The terms a filter is an AND of (the filter itself when it is not an AND), each as its own
// filter with its canonical text. Consumes `filter`.
struct FilterTerm {
  FilterExpr expr;
  std::string text;
};
[[nodiscard]] std::vector<FilterTerm> SplitTopLevelTerms(FilterExpr filter);

}  // namespace xrayd::query
