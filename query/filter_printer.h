#pragma once
// Text forms of a parsed filter: the canonical filter text, and a tree dump for tests and logs.
// Pure functions, safe from any thread.

#include <string>

#include "query/filter_ast.h"

namespace xrayd::query {

// Canonical filter text: lower-case keywords, upper-case AND/OR/CONTAINS/..., explicit AND,
// id() arguments in the order name, type, account.id, shortest round-trip numbers, and only the
// parentheses the tree needs. ParseFilter(PrintFilter(e), {.max_length = 0}) == e for every e
// ParseFilter returns; the printed text nests no deeper than the parsed one, but it may be longer
// (hence max_length = 0). An empty filter prints as "".
[[nodiscard]] std::string PrintFilter(const FilterExpr& expr);

// One-line S-expression showing the tree shape, e.g.
//   (or [fault] (and [error] [throttle]))
//   (service "api" (and [root = true] [fault = true]))
// Comparisons are [field] or [field op literal]. An empty filter dumps as "(all)".
[[nodiscard]] std::string DumpFilter(const FilterExpr& expr);

}  // namespace xrayd::query
