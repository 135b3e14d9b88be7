#pragma once
// Tokenizer for the X-Ray filter expression language (docs/filter-language.md#lexical-rules). Pure
// function of its input: no state between calls, safe from any thread. Tokens own their text, so
// they outlive the input.

#include <string>
#include <string_view>
#include <vector>

#include "proto/result.h"

namespace xrayd::query {

enum class TokenKind {
  kEnd,         // End of input; always the last token. column = input length + 1.
  kLParen,      // (
  kRParen,      // )
  kLBrace,      // {
  kRBrace,      // }
  kComma,       // ,
  kColon,       // :
  kBang,        // !  (also NOT when LexOptions::allow_not)
  kCompareOp,   // = != < <= > >= CONTAINS BEGINSWITH ENDSWITH; see Token::op
  kAnd,         // AND (any case)
  kOr,          // OR (any case)
  kString,      // "..."; value holds the unescaped bytes
  kNumber,      // see Token::number
  kBool,        // true/false (any case); see Token::boolean
  kWord,        // keyword or function name, possibly dotted; value holds it lower-cased
  kAnnotation,  // annotation.<KEY> (prefix any case); value holds KEY exactly as written
  kJsonArray,   // #[ ... ] after `rootcause.json =`; value holds the raw "[...]" text
};

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe, kContains, kBeginsWith, kEndsWith };

// Canonical spelling of an operator: "=", "<=", "CONTAINS", ...
[[nodiscard]] const char* CompareOpName(CompareOp op);

struct Token {
  TokenKind kind = TokenKind::kEnd;
  int column = 1;     // 1-based byte offset of the token's first character in the input.
  std::string text;   // The token exactly as written (for error messages).
  std::string value;  // kString: unescaped; kWord: lower-cased; kAnnotation: key; kJsonArray: raw.
  double number = 0;  // kNumber only; always finite.
  bool boolean = false;           // kBool only.
  CompareOp op = CompareOp::kEq;  // kCompareOp only.
};

struct LexOptions {
  bool allow_not = false;  // [local] accept the word NOT as a synonym of `!`
                           // (docs/filter-language.md#lexical-rules).
};

// Nesting limit for `#[` JSON literals (and, in the parser, for expressions).
inline constexpr int kMaxFilterDepth = 64;

// Splits `text` into tokens ending with one kEnd token.
// Fails with kInvalidArgument, naming the offending text and its column, on: a character outside
// the language (including single quotes), `&&`, `||`, the words IN / LIKE / NOT, `annotation[`,
// an unterminated string or JSON literal, a malformed or out-of-range number, `#[` anywhere but
// right after `rootcause.json =`, or a JSON literal nested deeper than kMaxFilterDepth.
// Length limits are the parser's job; the lexer takes any size.
[[nodiscard]] Result<std::vector<Token>> LexFilter(std::string_view text,
                                                   const LexOptions& options = {});

}  // namespace xrayd::query
