#pragma once
// Internal to the filter evaluator (query/filter_eval.h): one comparison `field [op literal]`
// applied to one value of a given type, with the missing-value and typing rules of
// docs/filter-language.md#trace-level-keywords. Pure functions, no allocation, safe from any
// thread.

#include <optional>
#include <string>
#include <vector>

#include "query/filter_ast.h"
#include "query/trace_model.h"

namespace xrayd::query::internal {

// Bare: the value itself. `= b` / `!= b`: equality with the boolean literal. Absent: false.
[[nodiscard]] bool TestBool(const Comparison& c, std::optional<bool> value);

// Bare: the value is present. With an operator: the literal must be a number (else false).
// IEEE double comparison. Absent: false.
[[nodiscard]] bool TestNumber(const Comparison& c, std::optional<double> value);

// Bare: the value is present. With an operator: the literal must be a string (else false);
// byte-wise = != CONTAINS BEGINSWITH ENDSWITH, so `CONTAINS ""` is true iff present.
// `value` may be null (absent): false.
[[nodiscard]] bool TestString(const Comparison& c, const std::string* value);
[[nodiscard]] bool TestString(const Comparison& c, const std::optional<std::string>& value);

// Existential over a list of strings: true iff some element passes TestString.
[[nodiscard]] bool TestAnyString(const Comparison& c, const std::vector<std::string>& values);

// annotation.KEY over the trace's values of that key (null: the key is absent): true iff some
// value of the literal's type satisfies the comparison; bare: some value is a string, a number or
// the boolean true.
[[nodiscard]] bool TestAnnotation(const Comparison& c, const TraceAnnotation* annotation);

}  // namespace xrayd::query::internal
