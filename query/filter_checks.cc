#include "query/filter_checks.h"

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

namespace xrayd::query {
namespace {

std::string Col(int column) {
  return std::to_string(column);
}

bool IsOrdering(CompareOp op) {
  return op == CompareOp::kLt || op == CompareOp::kLe || op == CompareOp::kGt ||
         op == CompareOp::kGe;
}
bool IsStringMatch(CompareOp op) {
  return op == CompareOp::kContains || op == CompareOp::kBeginsWith || op == CompareOp::kEndsWith;
}

// "at the top level or inside service() or edge() blocks": where a keyword may be used.
std::string AllowedScopes(std::uint8_t scopes) {
  static constexpr struct {
    Scope scope;
    const char* name;
  } kNames[] = {{Scope::kService, "service()"},
                {Scope::kEdge, "edge()"},
                {Scope::kRootCauseService, "rootcause.*.service"},
                {Scope::kRootCauseEntity, "rootcause.*.entity"},
                {Scope::kRootCauseException, "rootcause.*.exception"}};
  std::vector<std::string> blocks;
  for (const auto& entry : kNames) {
    if ((scopes & static_cast<std::uint8_t>(entry.scope)) != 0) {
      blocks.emplace_back(entry.name);
    }
  }
  std::string out;
  if ((scopes & static_cast<std::uint8_t>(Scope::kTrace)) != 0) {
    out = "at the top level";
    if (blocks.empty()) {
      return out;
    }
    out += " or ";
  }
  out += "inside ";
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (i > 0) {
      out += i + 1 == blocks.size() ? " or " : ", ";
    }
    out += blocks[i];
  }
  return out + " blocks";
}

}  // namespace

std::string DescribeToken(const Token& token) {
  if (token.kind == TokenKind::kEnd) {
    return "the end of the expression";
  }
  constexpr std::size_t kMaxShown = 40;
  if (token.text.size() > kMaxShown) {
    return "'" + token.text.substr(0, kMaxShown) + "...'";
  }
  return "'" + token.text + "'";
}

std::string ExpectedError(const std::string& what, const Token* prev, const Token& found) {
  std::string message = "expected " + what;
  if (prev != nullptr) {
    message += " after " + DescribeToken(*prev) + " at column " + Col(prev->column);
  }
  message += ", found " + DescribeToken(found);
  if (found.kind != TokenKind::kEnd) {
    message += " at column " + Col(found.column);
  }
  return message;
}

std::string ScopeError(const Token& token, Scope scope, std::uint8_t allowed) {
  return DescribeToken(token) + " cannot be used " + std::string(DescribeScope(scope)) +
         " (column " + Col(token.column) + "); it is only valid " + AllowedScopes(allowed);
}

std::optional<std::string> CheckOperator(const Token& field, ValueType type, const Token& op) {
  const char* kind_words = nullptr;
  const char* allowed = nullptr;
  if (type == ValueType::kBool && op.op != CompareOp::kEq && op.op != CompareOp::kNe) {
    kind_words = "true or false";
    allowed = "= or !=";
  } else if (type == ValueType::kNumber && IsStringMatch(op.op)) {
    kind_words = "a number";
    allowed = "=, !=, <, <=, > or >=";
  } else if (type == ValueType::kString && IsOrdering(op.op)) {
    kind_words = "a string";
    allowed = "=, !=, CONTAINS, BEGINSWITH or ENDSWITH";
  }
  if (kind_words == nullptr) {
    return std::nullopt;
  }
  return DescribeToken(op) + " cannot be used with " + DescribeToken(field) + ", which is " +
         kind_words + " (column " + Col(op.column) + "); use " + allowed;
}

std::optional<std::string> CheckLiteral(ValueType type, const Token& op, const Token& literal) {
  TokenKind want = TokenKind::kString;
  const char* what = "a quoted string";
  if (type == ValueType::kBool) {
    want = TokenKind::kBool;
    what = "true or false";
  } else if (type == ValueType::kNumber) {
    want = TokenKind::kNumber;
    what = "a number";
  } else if (type == ValueType::kDynamic) {
    // annotation.*: the operator decides what the literal must be.
    if (IsOrdering(op.op)) {
      want = TokenKind::kNumber;
      what = "a number";
    } else if (!IsStringMatch(op.op) &&
               (literal.kind == TokenKind::kNumber || literal.kind == TokenKind::kBool)) {
      want = literal.kind;
    } else if (!IsStringMatch(op.op)) {
      what = "a quoted string, a number, true or false";
    }
  }
  if (literal.kind == want) {
    return std::nullopt;
  }
  return ExpectedError(what, &op, literal);
}

Result<RootCauseName> DecodeRootCauseName(const Token& word) {
  constexpr std::string_view kPrefix = "rootcause.";
  const std::string_view w = word.value;
  const std::string_view rest = w.substr(std::min(w.size(), kPrefix.size()));
  const std::size_t dot = rest.find('.');
  const std::string_view kind = rest.substr(0, dot);
  const std::string_view level = dot == std::string_view::npos ? "" : rest.substr(dot + 1);
  RootCauseName name{RootCauseKind::kFault, RootCauseLevel::kService, Scope::kRootCauseService};
  bool known = w.substr(0, kPrefix.size()) == kPrefix;
  if (kind == "error") {
    name.kind = RootCauseKind::kError;
  } else if (kind == "responsetime") {
    name.kind = RootCauseKind::kResponseTime;
  } else if (kind != "fault") {
    known = false;
  }
  if (level == "entity") {
    name.level = RootCauseLevel::kEntity;
    name.scope = Scope::kRootCauseEntity;
  } else if (level == "exception") {
    name.level = RootCauseLevel::kException;
    name.scope = Scope::kRootCauseException;
  } else if (level != "service") {
    known = false;
  }
  if (!known) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown keyword " + DescribeToken(word) + " at column " + Col(word.column) +
                         "; expected rootcause.<fault|error|responsetime>.<service|entity|"
                         "exception> or rootcause.json");
  }
  if (name.kind == RootCauseKind::kResponseTime && name.level == RootCauseLevel::kException) {
    return MakeError(ErrorCode::kInvalidArgument,
                     DescribeToken(word) + " (column " + Col(word.column) +
                         ") is not valid: response-time root causes have no exception level; "
                         "use rootcause.responsetime.service or rootcause.responsetime.entity");
  }
  return name;
}

Result<nlohmann::json> DecodeRootCauseJson(const Token& literal) {
  nlohmann::json json = nlohmann::json::parse(literal.value, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_array()) {
    return MakeError(ErrorCode::kInvalidArgument, "the rootcause.json literal at column " +
                                                      Col(literal.column) +
                                                      " is not a valid JSON array");
  }
  for (std::size_t i = 0; i < json.size(); ++i) {
    if (!json[i].is_object()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "element " + std::to_string(i + 1) +
                           " of the rootcause.json literal at column " + Col(literal.column) +
                           " is not a JSON object");
    }
  }
  return json;
}

}  // namespace xrayd::query
