#include "query/filter_lexer.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <optional>
#include <system_error>
#include <utility>

#include "proto/text.h"

namespace xrayd::query {
namespace {

bool IsWordStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}
bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Quotes a piece of input for an error message, keeping messages readable for long tokens.
std::string Quote(std::string_view s) {
  constexpr std::size_t kMaxShown = 40;
  if (s.size() > kMaxShown) {
    return "'" + std::string(s.substr(0, kMaxShown)) + "...'";
  }
  return "'" + std::string(s) + "'";
}

class Lexer {
 public:
  Lexer(std::string_view text, const LexOptions& options) : text_(text), options_(options) {}

  Result<std::vector<Token>> Run() {
    while (true) {
      while (pos_ < text_.size() && IsSpace(text_[pos_])) {
        ++pos_;
      }
      if (pos_ >= text_.size()) {
        break;
      }
      if (!LexOne()) {
        return MakeError(ErrorCode::kInvalidArgument, std::move(error_));
      }
    }
    Token end;
    end.kind = TokenKind::kEnd;
    end.column = Column(text_.size());
    tokens_.push_back(std::move(end));
    return std::move(tokens_);
  }

 private:
  static int Column(std::size_t pos) { return static_cast<int>(pos) + 1; }

  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  char At(std::size_t pos) const { return pos < text_.size() ? text_[pos] : '\0'; }

  void Push(TokenKind kind, std::size_t start, std::size_t end) {
    Token token;
    token.kind = kind;
    token.column = Column(start);
    token.text = std::string(text_.substr(start, end - start));
    tokens_.push_back(std::move(token));
    pos_ = end;
  }

  void PushOp(CompareOp op, std::size_t start, std::size_t end) {
    Push(TokenKind::kCompareOp, start, end);
    tokens_.back().op = op;
  }

  bool LexOne() {
    const std::size_t start = pos_;
    const char c = text_[pos_];
    const char next = At(pos_ + 1);
    switch (c) {
      case '(':
        Push(TokenKind::kLParen, start, start + 1);
        return true;
      case ')':
        Push(TokenKind::kRParen, start, start + 1);
        return true;
      case '{':
        Push(TokenKind::kLBrace, start, start + 1);
        return true;
      case '}':
        Push(TokenKind::kRBrace, start, start + 1);
        return true;
      case ',':
        Push(TokenKind::kComma, start, start + 1);
        return true;
      case ':':
        Push(TokenKind::kColon, start, start + 1);
        return true;
      case '=':
        PushOp(CompareOp::kEq, start, start + 1);
        return true;
      case '!':
        if (next == '=') {
          PushOp(CompareOp::kNe, start, start + 2);
        } else {
          Push(TokenKind::kBang, start, start + 1);
        }
        return true;
      case '<':
        if (next == '=') {
          PushOp(CompareOp::kLe, start, start + 2);
        } else {
          PushOp(CompareOp::kLt, start, start + 1);
        }
        return true;
      case '>':
        if (next == '=') {
          PushOp(CompareOp::kGe, start, start + 2);
        } else {
          PushOp(CompareOp::kGt, start, start + 1);
        }
        return true;
      case '"':
        return LexString();
      case '#':
        return LexJson();
      case '&':
      case '|':
        if (next == c) {
          return Fail(Quote(text_.substr(start, 2)) +
                      " is not part of the X-Ray filter language (column " +
                      std::to_string(Column(start)) + "); use " + (c == '&' ? "AND" : "OR"));
        }
        break;
      case '\'':
        return Fail("single quotes do not delimit strings (column " +
                    std::to_string(Column(start)) + "); put string values in double quotes");
      default:
        break;
    }
    if (IsDigit(c) || ((c == '-' || c == '.') && (IsDigit(next) || (next == '.' && c == '-')))) {
      return LexNumber();
    }
    if (IsWordStart(c)) {
      return LexWord();
    }
    return Fail("unexpected character " + Quote(text_.substr(start, 1)) + " at column " +
                std::to_string(Column(start)));
  }

  // [local] escapes: \" and \\ only; any other backslash is kept literally with what follows.
  bool LexString() {
    const std::size_t start = pos_;
    std::string value;
    std::size_t i = start + 1;
    while (i < text_.size() && text_[i] != '"') {
      if (text_[i] == '\\' && (At(i + 1) == '"' || At(i + 1) == '\\')) {
        value.push_back(text_[i + 1]);
        i += 2;
        continue;
      }
      value.push_back(text_[i]);
      ++i;
    }
    if (i >= text_.size()) {
      return Fail("unterminated string starting at column " + std::to_string(Column(start)) +
                  "; add the closing '\"'");
    }
    Push(TokenKind::kString, start, i + 1);
    tokens_.back().value = std::move(value);
    return true;
  }

  // -?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?  or  -?\.[0-9]+   (docs/filter-language.md#lexical-rules)
  bool LexNumber() {
    const std::size_t start = pos_;
    std::size_t i = start;
    if (At(i) == '-') {
      ++i;
    }
    auto digits = [&] {
      const std::size_t from = i;
      while (IsDigit(At(i))) {
        ++i;
      }
      return i > from;
    };
    const bool has_int = digits();
    if (At(i) == '.' && IsDigit(At(i + 1))) {
      ++i;
      digits();
    } else if (!has_int) {
      return FailNumber(start);
    }
    if (has_int && (At(i) == 'e' || At(i) == 'E')) {
      std::size_t save = i;
      ++i;
      if (At(i) == '+' || At(i) == '-') {
        ++i;
      }
      if (!digits()) {
        i = save;  // Reported below as a malformed number: the 'e' is glued to the digits.
      }
    }
    if (IsWordChar(At(i)) || At(i) == '.') {
      return FailNumber(start);
    }
    double number = 0;
    const char* first = text_.data() + start;
    const char* last = text_.data() + i;
    auto [ptr, ec] = std::from_chars(first, last, number);
    if (ec != std::errc() || ptr != last || !std::isfinite(number)) {
      return Fail("number " + Quote(text_.substr(start, i - start)) + " at column " +
                  std::to_string(Column(start)) + " is out of range");
    }
    Push(TokenKind::kNumber, start, i);
    tokens_.back().number = number;
    return true;
  }

  bool FailNumber(std::size_t start) {
    std::size_t end = start + 1;
    while (end < text_.size() && (IsWordChar(text_[end]) || text_[end] == '.' ||
                                  text_[end] == '-' || text_[end] == '+')) {
      ++end;
    }
    return Fail("malformed number " + Quote(text_.substr(start, end - start)) + " at column " +
                std::to_string(Column(start)));
  }

  // A word is [A-Za-z_][A-Za-z0-9_]* followed by any number of .[A-Za-z0-9_]+ parts, so dotted
  // keywords (http.status, rootcause.fault.service, annotation.KEY) arrive as one token.
  bool LexWord() {
    const std::size_t start = pos_;
    std::size_t i = start + 1;
    while (true) {
      while (IsWordChar(At(i))) {
        ++i;
      }
      if (At(i) == '.' && IsWordChar(At(i + 1))) {
        ++i;
        continue;
      }
      break;
    }
    const std::string_view word = text_.substr(start, i - start);
    const std::string lower = proto::AsciiLower(word);
    const int column = Column(start);
    std::size_t after = i;
    while (IsSpace(At(after))) {
      ++after;
    }
    const bool is_annotation = lower == "annotation" || lower.rfind("annotation.", 0) == 0;
    if (is_annotation && At(after) == '[') {
      return Fail("'annotation[...]' is not part of the X-Ray filter language (column " +
                  std::to_string(column) + "); write annotation.KEY");
    }
    if (lower == "in" || lower == "like" || (lower == "not" && !options_.allow_not)) {
      std::string hint = lower == "in"     ? "use OR of comparisons"
                         : lower == "like" ? "use CONTAINS, BEGINSWITH or ENDSWITH"
                                           : "use '!'";
      return Fail(Quote(word) + " is not part of the X-Ray filter language (column " +
                  std::to_string(column) + "); " + hint);
    }
    if (lower == "not") {
      Push(TokenKind::kBang, start, i);
      return true;
    }
    if (is_annotation) {
      constexpr std::string_view kPrefix = "annotation.";
      const std::string_view key = word.substr(std::min(word.size(), kPrefix.size()));
      if (key.empty() || key.find('.') != std::string_view::npos) {
        return Fail("expected annotation.KEY with a key of letters, digits and '_', found " +
                    Quote(word) + " at column " + std::to_string(column));
      }
      Push(TokenKind::kAnnotation, start, i);
      tokens_.back().value = std::string(key);
      return true;
    }
    if (lower == "and" || lower == "or") {
      Push(lower == "and" ? TokenKind::kAnd : TokenKind::kOr, start, i);
      return true;
    }
    if (lower == "true" || lower == "false") {
      Push(TokenKind::kBool, start, i);
      tokens_.back().boolean = lower == "true";
      return true;
    }
    if (std::optional<CompareOp> op = WordOp(lower)) {
      PushOp(*op, start, i);
      return true;
    }
    Push(TokenKind::kWord, start, i);
    tokens_.back().value = lower;
    return true;
  }

  static std::optional<CompareOp> WordOp(std::string_view lower) {
    if (lower == "contains") {
      return CompareOp::kContains;
    }
    if (lower == "beginswith") {
      return CompareOp::kBeginsWith;
    }
    if (lower == "endswith") {
      return CompareOp::kEndsWith;
    }
    return std::nullopt;
  }

  // `#[` starts a JSON array literal; it is only meaningful after `rootcause.json =`. Its extent is
  // found here (brackets outside strings); the parser validates the JSON itself.
  bool LexJson() {
    const std::size_t start = pos_;
    const int column = Column(start);
    if (At(start + 1) != '[') {
      return Fail("unexpected character '#' at column " + std::to_string(column) +
                  "; a JSON literal starts with '#['");
    }
    const std::size_t n = tokens_.size();
    if (n < 2 || tokens_[n - 1].kind != TokenKind::kCompareOp ||
        tokens_[n - 1].op != CompareOp::kEq || tokens_[n - 2].kind != TokenKind::kWord ||
        tokens_[n - 2].value != "rootcause.json") {
      return Fail("'#[' at column " + std::to_string(column) +
                  " may only follow 'rootcause.json ='");
    }
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = start + 1; i < text_.size(); ++i) {
      const char c = text_[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
        }
        continue;
      }
      if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        if (++depth > kMaxFilterDepth) {
          return Fail("JSON literal starting at column " + std::to_string(column) +
                      " nests deeper than " + std::to_string(kMaxFilterDepth) + " levels");
        }
      } else if (c == ']' || c == '}') {
        if (--depth == 0) {
          Push(TokenKind::kJsonArray, start, i + 1);
          tokens_.back().value = std::string(text_.substr(start + 1, i - start));
          return true;
        }
      }
    }
    return Fail("unterminated JSON literal starting at column " + std::to_string(column) +
                "; close it with ']'");
  }

  std::string_view text_;
  const LexOptions& options_;
  std::size_t pos_ = 0;
  std::vector<Token> tokens_;
  std::string error_;
};

}  // namespace

const char* CompareOpName(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
    case CompareOp::kContains:
      return "CONTAINS";
    case CompareOp::kBeginsWith:
      return "BEGINSWITH";
    case CompareOp::kEndsWith:
      return "ENDSWITH";
  }
  return "?";
}

Result<std::vector<Token>> LexFilter(std::string_view text, const LexOptions& options) {
  return Lexer(text, options).Run();
}

}  // namespace xrayd::query
