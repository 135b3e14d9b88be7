#include "query/filter_eval_values.h"

#include <string_view>
#include <variant>

namespace xrayd::query::internal {
namespace {

bool CompareNumbers(CompareOp op, double value, double literal) {
  switch (op) {
    case CompareOp::kEq:
      return value == literal;
    case CompareOp::kNe:
      return value != literal;
    case CompareOp::kLt:
      return value < literal;
    case CompareOp::kLe:
      return value <= literal;
    case CompareOp::kGt:
      return value > literal;
    case CompareOp::kGe:
      return value >= literal;
    case CompareOp::kContains:
    case CompareOp::kBeginsWith:
    case CompareOp::kEndsWith:
      break;  // The parser never pairs these with a number.
  }
  return false;
}

bool CompareStrings(CompareOp op, std::string_view value, std::string_view literal) {
  switch (op) {
    case CompareOp::kEq:
      return value == literal;
    case CompareOp::kNe:
      return value != literal;
    case CompareOp::kContains:
      return value.find(literal) != std::string_view::npos;
    case CompareOp::kBeginsWith:
      return value.starts_with(literal);
    case CompareOp::kEndsWith:
      return value.ends_with(literal);
    case CompareOp::kLt:
    case CompareOp::kLe:
    case CompareOp::kGt:
    case CompareOp::kGe:
      break;  // The parser never pairs ordering operators with a string.
  }
  return false;
}

bool CompareBools(CompareOp op, bool value, bool literal) {
  switch (op) {
    case CompareOp::kEq:
      return value == literal;
    case CompareOp::kNe:
      return value != literal;
    default:
      return false;  // The parser allows only = and != with booleans.
  }
}

bool TestAnnotationValue(const Comparison& c, const proto::AnnotationValue& value) {
  using Type = proto::AnnotationValue::Type;
  if (!c.op) {
    return value.type != Type::kBool || value.bool_value;
  }
  if (const auto* text = std::get_if<std::string>(&c.value)) {
    return value.type == Type::kString && CompareStrings(*c.op, value.string_value, *text);
  }
  if (const auto* number = std::get_if<double>(&c.value)) {
    return value.type == Type::kNumber && CompareNumbers(*c.op, value.number_value, *number);
  }
  if (const auto* boolean = std::get_if<bool>(&c.value)) {
    return value.type == Type::kBool && CompareBools(*c.op, value.bool_value, *boolean);
  }
  return false;
}

}  // namespace

bool TestBool(const Comparison& c, std::optional<bool> value) {
  if (!value) {
    return false;
  }
  if (!c.op) {
    return *value;
  }
  const auto* literal = std::get_if<bool>(&c.value);
  return literal != nullptr && CompareBools(*c.op, *value, *literal);
}

bool TestNumber(const Comparison& c, std::optional<double> value) {
  if (!value) {
    return false;
  }
  if (!c.op) {
    return true;
  }
  const auto* literal = std::get_if<double>(&c.value);
  return literal != nullptr && CompareNumbers(*c.op, *value, *literal);
}

bool TestString(const Comparison& c, const std::string* value) {
  if (value == nullptr) {
    return false;
  }
  if (!c.op) {
    return true;
  }
  const auto* literal = std::get_if<std::string>(&c.value);
  return literal != nullptr && CompareStrings(*c.op, *value, *literal);
}

bool TestString(const Comparison& c, const std::optional<std::string>& value) {
  return TestString(c, value ? &*value : nullptr);
}

bool TestAnyString(const Comparison& c, const std::vector<std::string>& values) {
  for (const std::string& value : values) {
    if (TestString(c, &value)) {
      return true;
    }
  }
  return false;
}

bool TestAnnotation(const Comparison& c, const TraceAnnotation* annotation) {
  if (annotation == nullptr) {
    return false;
  }
  for (const AnnotationValueWithNodes& value : annotation->values) {
    if (TestAnnotationValue(c, value.value)) {
      return true;
    }
  }
  return false;
}

}  // namespace xrayd::query::internal
