#pragma once
// Parser for X-Ray filter expressions (docs/filter-language.md#grammar): text -> FilterExpr with
// every static check of docs/filter-language.md#grammar and #functions-and-blocks applied. Pure
// function, safe from any thread; the result owns all its data.

#include <cstddef>
#include <string_view>

#include "proto/result.h"
#include "query/filter_ast.h"

namespace xrayd::query {

// [local] docs/filter-language.md#grammar: at most 2000 characters (UTF-8 code points) per
// expression.
inline constexpr std::size_t kMaxFilterLength = 2000;

struct ParseOptions {
  // Limit in characters; 0 = no limit (used to reparse printed filters, which can be longer).
  std::size_t max_length = kMaxFilterLength;
  bool allow_not = false;  // [local] accept NOT as a synonym of '!'
                           // (docs/filter-language.md#lexical-rules); default reject.
};

// Parses `text`. Empty or all-whitespace text gives a FilterExpr with a null root (match all).
// Precedence, highest first: '!' > comparison > AND (explicit or by juxtaposition) > OR.
// Fails with kInvalidArgument and a message that names the offending token and its column when:
// the text is too long; lexing fails (see LexFilter); the grammar is violated (dangling operator,
// unbalanced brackets, bare word as a value, ...); an operator or literal does not suit the
// keyword (`responsetime CONTAINS "5"`, `http.url > 3`, `ok = 1`); a scoped keyword is used
// outside its block, or annotation.* / a function inside a block; rootcause.responsetime.exception
// or coverage outside rootcause.responsetime.entity; id() repeats or omits every argument; the
// rootcause.json literal is not a JSON array of objects; nesting exceeds kMaxFilterDepth.
// Does NOT check that groups named by group.name/group.arn exist: see CollectGroupRefs.
[[nodiscard]] Result<FilterExpr> ParseFilter(std::string_view text,
                                             const ParseOptions& options = {}) noexcept;

}  // namespace xrayd::query
