#pragma once
// Static rules of the filter language that need no parser state (docs/filter-language.md): operator
// and literal types per keyword, keyword scopes, root-cause names; and the wording of their
// messages. Internal to the parser, exposed for its tests. Pure functions, safe from any thread.

#include <cstdint>
#include <optional>
#include <string>

#include "proto/result.h"
#include "query/filter_ast.h"
#include "query/filter_keywords.h"
#include "query/filter_lexer.h"

namespace xrayd::query {

// How a token is named in messages: "'text'" as written (long text cut short), or
// "the end of the expression".
[[nodiscard]] std::string DescribeToken(const Token& token);

// "expected <what> after '<prev>' at column C, found '<found>' at column D". `prev` may be null.
[[nodiscard]] std::string ExpectedError(const std::string& what, const Token* prev,
                                        const Token& found);

// Message for `token` (a keyword or function) used in `scope` although only `allowed` (a Scope
// bit set) permits it.
[[nodiscard]] std::string ScopeError(const Token& token, Scope scope, std::uint8_t allowed);

// Returns a message if operator `op` does not suit a keyword of `type` (e.g. CONTAINS on a
// number), else nullopt. Any operator suits ValueType::kDynamic (annotation.*).
[[nodiscard]] std::optional<std::string> CheckOperator(const Token& field, ValueType type,
                                                       const Token& op);

// Returns a message if `literal` (the token after `op`) is not a literal of the type required by
// the keyword type and, for annotation.*, by the operator; else nullopt.
[[nodiscard]] std::optional<std::string> CheckLiteral(ValueType type, const Token& op,
                                                      const Token& literal);

struct RootCauseName {
  RootCauseKind kind;
  RootCauseLevel level;
  Scope scope;  // The scope of the block that may follow.
};

// Decodes a kWord token "rootcause.<kind>.<level>". Fails with kInvalidArgument for other words
// and for rootcause.responsetime.exception, which does not exist.
[[nodiscard]] Result<RootCauseName> DecodeRootCauseName(const Token& word);

// Parses the raw "[...]" text of a kJsonArray token. Fails with kInvalidArgument unless it is a
// JSON array whose elements are all objects (root causes in the API shape).
[[nodiscard]] Result<nlohmann::json> DecodeRootCauseJson(const Token& literal);

}  // namespace xrayd::query
