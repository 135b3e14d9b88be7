#include "query/filter_parser.h"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "query/filter_checks.h"
#include "query/filter_lexer.h"

namespace xrayd::query {
namespace {

std::string Col(int column) {
  return std::to_string(column);
}

// Where a term is parsed; kind matters only for rootcause blocks (coverage is responsetime-only).
struct Context {
  Scope scope = Scope::kTrace;
  RootCauseKind kind = RootCauseKind::kFault;
};

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<FilterExpr> Run() {
    FilterExpr expr;
    if (Peek().kind == TokenKind::kEnd) {
      return expr;
    }
    expr.root = ParseOr(Context{});
    if (expr.root != nullptr && Peek().kind != TokenKind::kEnd) {
      FailUnexpectedAfterTerm();
      expr.root = nullptr;
    }
    if (expr.root == nullptr) {
      return MakeError(ErrorCode::kInvalidArgument, std::move(error_));
    }
    return expr;
  }

 private:
  // Counts nesting through ParseUnary, which every '(', '!' and block passes through.
  class DepthGuard {
   public:
    explicit DepthGuard(int& depth) : depth_(depth) { ++depth_; }
    ~DepthGuard() { --depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    int& depth_;
  };

  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Take() {
    const Token& token = tokens_[pos_];
    if (token.kind != TokenKind::kEnd) {
      ++pos_;
    }
    return token;
  }

  NodePtr Fail(std::string message) {
    error_ = std::move(message);
    return nullptr;
  }

  template <class T>
  static NodePtr MakeNode(int column, T kind) {
    auto node = std::make_unique<Node>();
    node->column = column;
    node->kind = std::move(kind);
    return node;
  }

  // Consumes a token of `kind` or fails with "expected <what> after <previous token>".
  bool Expect(TokenKind kind, const char* what) {
    if (Peek().kind == kind) {
      Take();
      return true;
    }
    FailExpected(what);
    return false;
  }

  NodePtr FailExpected(const std::string& what) {
    return Fail(ExpectedError(what, pos_ > 0 ? &tokens_[pos_ - 1] : nullptr, Peek()));
  }

  NodePtr FailExpectedTerm() {
    if (Peek().kind == TokenKind::kEnd && pos_ > 0) {
      const Token& prev = tokens_[pos_ - 1];
      return Fail("unexpected end of expression after " + DescribeToken(prev) + " at column " +
                  Col(prev.column));
    }
    return FailExpected("a keyword, function, '!' or '('");
  }

  NodePtr FailUnexpectedAfterTerm() {
    const Token& t = Peek();
    if (t.kind == TokenKind::kRParen) {
      return Fail("unmatched ')' at column " + Col(t.column));
    }
    return Fail("unexpected " + DescribeToken(t) + " at column " + Col(t.column) +
                "; expected AND, OR or the end of the expression");
  }

  NodePtr FailScope(const Token& token, const Context& ctx, std::uint8_t allowed) {
    return Fail(ScopeError(token, ctx.scope, allowed));
  }

  static bool StartsTerm(const Token& token) {
    return token.kind == TokenKind::kBang || token.kind == TokenKind::kLParen ||
           token.kind == TokenKind::kWord || token.kind == TokenKind::kAnnotation;
  }

  NodePtr ParseOr(const Context& ctx) {
    const int column = Peek().column;
    NodePtr first = ParseAnd(ctx);
    if (first == nullptr || Peek().kind != TokenKind::kOr) {
      return first;
    }
    Or node;
    node.children.push_back(std::move(first));
    while (Peek().kind == TokenKind::kOr) {
      Take();
      NodePtr next = ParseAnd(ctx);
      if (next == nullptr) {
        return nullptr;
      }
      node.children.push_back(std::move(next));
    }
    return MakeNode(column, std::move(node));
  }

  // and_expr = unary { [ "AND" ] unary }: a term directly after a term is an implicit AND.
  NodePtr ParseAnd(const Context& ctx) {
    const int column = Peek().column;
    NodePtr first = ParseUnary(ctx);
    if (first == nullptr) {
      return nullptr;
    }
    And node;
    node.children.push_back(std::move(first));
    while (Peek().kind == TokenKind::kAnd || StartsTerm(Peek())) {
      if (Peek().kind == TokenKind::kAnd) {
        Take();
      }
      NodePtr next = ParseUnary(ctx);
      if (next == nullptr) {
        return nullptr;
      }
      node.children.push_back(std::move(next));
    }
    if (node.children.size() == 1) {
      return std::move(node.children.front());
    }
    return MakeNode(column, std::move(node));
  }

  NodePtr ParseUnary(const Context& ctx) {
    DepthGuard guard(depth_);
    if (depth_ > kMaxFilterDepth) {
      return Fail("expression nests deeper than " + std::to_string(kMaxFilterDepth) +
                  " levels at column " + Col(Peek().column));
    }
    if (Peek().kind == TokenKind::kBang) {
      const int column = Take().column;
      NodePtr child = ParseUnary(ctx);
      if (child == nullptr) {
        return nullptr;
      }
      return MakeNode(column, Not{std::move(child)});
    }
    return ParsePrimary(ctx);
  }

  NodePtr ParsePrimary(const Context& ctx) {
    switch (Peek().kind) {
      case TokenKind::kLParen: {
        const int column = Take().column;
        NodePtr inner = ParseOr(ctx);
        if (inner == nullptr) {
          return nullptr;
        }
        if (Peek().kind != TokenKind::kRParen) {
          return FailExpected("')' to close '(' at column " + Col(column));
        }
        Take();
        return inner;
      }
      case TokenKind::kAnnotation:
        return ParseComparison(ctx);
      case TokenKind::kWord:
        return ParseWord(ctx);
      default:
        return FailExpectedTerm();
    }
  }

  NodePtr ParseWord(const Context& ctx) {
    const Token& word = Peek();
    const std::string& w = word.value;
    const bool is_function = w == "service" || w == "edge" || w == "id" || w == "group.name" ||
                             w == "group.arn" || w == "rootcause" || w.rfind("rootcause.", 0) == 0;
    if (is_function && ctx.scope != Scope::kTrace) {
      return FailScope(word, ctx, static_cast<std::uint8_t>(Scope::kTrace));
    }
    if (w == "service") {
      return ParseService();
    }
    if (w == "edge") {
      return ParseEdge();
    }
    if (w == "id") {
      Take();
      std::optional<IdFn> id = ParseIdArgs();
      return id ? MakeNode(word.column, std::move(*id)) : nullptr;
    }
    if (w == "group.name" || w == "group.arn") {
      return ParseGroup();
    }
    if (w == "rootcause.json") {
      return ParseRootCauseJson();
    }
    if (is_function) {
      return ParseRootCause();
    }
    if (FindKeyword(w)) {
      return ParseComparison(ctx);
    }
    return Fail("unknown keyword " + DescribeToken(word) + " at column " + Col(word.column));
  }

  // comparison = field [ comp_op literal ], with the type rules of
  // docs/filter-language.md#trace-level-keywords.
  NodePtr ParseComparison(const Context& ctx) {
    const Token& field = Take();
    Comparison cmp;
    if (field.kind == TokenKind::kAnnotation) {
      cmp.field.keyword = Keyword::kAnnotation;
      cmp.field.annotation_key = field.value;
    } else {
      cmp.field.keyword = FindKeyword(field.value)->keyword;
    }
    const KeywordInfo& info = GetKeywordInfo(cmp.field.keyword);
    if ((info.scopes & static_cast<std::uint8_t>(ctx.scope)) == 0) {
      return FailScope(field, ctx, info.scopes);
    }
    if (info.keyword == Keyword::kCoverage && ctx.kind != RootCauseKind::kResponseTime) {
      return Fail("'coverage' (column " + Col(field.column) +
                  ") is only valid inside rootcause.responsetime.entity blocks");
    }
    if (Peek().kind != TokenKind::kCompareOp) {
      return MakeNode(field.column, std::move(cmp));  // Bare field: truth/presence test.
    }
    const Token& op = Take();
    if (std::optional<std::string> error = CheckOperator(field, info.type, op)) {
      return Fail(std::move(*error));
    }
    const Token& literal = Peek();
    if (std::optional<std::string> error = CheckLiteral(info.type, op, literal)) {
      return Fail(std::move(*error));
    }
    Take();
    cmp.op = op.op;
    switch (literal.kind) {
      case TokenKind::kBool:
        cmp.value = literal.boolean;
        break;
      case TokenKind::kNumber:
        cmp.value = literal.number;
        break;
      default:
        cmp.value = literal.value;
        break;
    }
    return MakeNode(field.column, std::move(cmp));
  }

  // node_ref = string | id_fn
  std::optional<NodeRef> ParseNodeRef() {
    if (Peek().kind == TokenKind::kString) {
      return NodeRef(Take().value);
    }
    if (Peek().kind == TokenKind::kWord && Peek().value == "id") {
      Take();
      std::optional<IdFn> id = ParseIdArgs();
      if (!id) {
        return std::nullopt;
      }
      return NodeRef(std::move(*id));
    }
    FailExpected("a quoted service name or id(...)");
    return std::nullopt;
  }

  // After `id`: ( arg : "value" {, arg : "value"} ) with each of name/type/account.id at most once.
  std::optional<IdFn> ParseIdArgs() {
    if (!Expect(TokenKind::kLParen, "'('")) {
      return std::nullopt;
    }
    IdFn id;
    while (true) {
      const Token& arg = Peek();
      std::optional<std::string>* slot = nullptr;
      if (arg.kind == TokenKind::kWord) {
        slot = arg.value == "name"         ? &id.name
               : arg.value == "type"       ? &id.type
               : arg.value == "account.id" ? &id.account_id
                                           : nullptr;
      }
      if (slot == nullptr) {
        FailExpected("name:, type: or account.id:");
        return std::nullopt;
      }
      if (slot->has_value()) {
        Fail(DescribeToken(arg) + " is given twice in id(...) (column " + Col(arg.column) + ")");
        return std::nullopt;
      }
      Take();
      if (!Expect(TokenKind::kColon, "':'")) {
        return std::nullopt;
      }
      if (Peek().kind != TokenKind::kString) {
        FailExpected("a quoted string");
        return std::nullopt;
      }
      *slot = Take().value;
      if (Peek().kind == TokenKind::kComma) {
        Take();
        continue;
      }
      if (!Expect(TokenKind::kRParen, "',' or ')'")) {
        return std::nullopt;
      }
      return id;
    }
  }

  // block = "{" expr "}", parsed in the scope of the function it belongs to.
  NodePtr ParseBlock(const Context& ctx) {
    const int column = Take().column;
    NodePtr body = ParseOr(ctx);
    if (body == nullptr) {
      return nullptr;
    }
    if (Peek().kind != TokenKind::kRBrace) {
      return FailExpected("'}' to close '{' at column " + Col(column));
    }
    Take();
    return body;
  }

  NodePtr ParseService() {
    const int column = Take().column;
    if (!Expect(TokenKind::kLParen, "'('")) {
      return nullptr;
    }
    ServiceFn fn;
    if (Peek().kind != TokenKind::kRParen) {
      fn.node = ParseNodeRef();
      if (!fn.node) {
        return nullptr;
      }
    }
    if (!Expect(TokenKind::kRParen, "')'")) {
      return nullptr;
    }
    if (Peek().kind == TokenKind::kLBrace) {
      fn.block = ParseBlock(Context{Scope::kService, RootCauseKind::kFault});
      if (fn.block == nullptr) {
        return nullptr;
      }
    }
    return MakeNode(column, std::move(fn));
  }

  NodePtr ParseEdge() {
    const int column = Take().column;
    if (!Expect(TokenKind::kLParen, "'('")) {
      return nullptr;
    }
    std::optional<NodeRef> from = ParseNodeRef();
    if (!from || !Expect(TokenKind::kComma, "','")) {
      return nullptr;
    }
    std::optional<NodeRef> to = ParseNodeRef();
    if (!to || !Expect(TokenKind::kRParen, "')'")) {
      return nullptr;
    }
    EdgeFn fn{std::move(*from), std::move(*to), nullptr};
    if (Peek().kind == TokenKind::kLBrace) {
      fn.block = ParseBlock(Context{Scope::kEdge, RootCauseKind::kFault});
      if (fn.block == nullptr) {
        return nullptr;
      }
    }
    return MakeNode(column, std::move(fn));
  }

  NodePtr ParseGroup() {
    const Token& word = Take();
    GroupRef ref;
    ref.by = word.value == "group.name" ? GroupRef::By::kName : GroupRef::By::kArn;
    if (Peek().kind == TokenKind::kCompareOp && Peek().op != CompareOp::kEq) {
      return Fail("only '=' can be used with " + DescribeToken(word) + ", found " +
                  DescribeToken(Peek()) + " at column " + Col(Peek().column));
    }
    if (!Expect(TokenKind::kCompareOp, "'='")) {
      return nullptr;
    }
    if (Peek().kind != TokenKind::kString) {
      return FailExpected("a quoted group " +
                          std::string(ref.by == GroupRef::By::kName ? "name" : "ARN"));
    }
    ref.value = Take().value;
    return MakeNode(word.column, std::move(ref));
  }

  NodePtr ParseRootCause() {
    const Token& word = Take();
    Result<RootCauseName> name = DecodeRootCauseName(word);
    if (!name) {
      return Fail(std::move(name.error().message));
    }
    RootCauseRef ref;
    ref.kind = name->kind;
    ref.level = name->level;
    const Scope scope = name->scope;
    if (Peek().kind == TokenKind::kLBrace) {
      ref.block = ParseBlock(Context{scope, ref.kind});
      if (ref.block == nullptr) {
        return nullptr;
      }
    }
    return MakeNode(word.column, std::move(ref));
  }

  NodePtr ParseRootCauseJson() {
    const Token& word = Take();
    if (Peek().kind != TokenKind::kCompareOp || Peek().op != CompareOp::kEq) {
      return FailExpected("'= #[...]'");
    }
    Take();
    if (Peek().kind != TokenKind::kJsonArray) {
      return FailExpected("a '#[...]' JSON array");
    }
    const Token& literal = Take();
    Result<nlohmann::json> json = DecodeRootCauseJson(literal);
    if (!json) {
      return Fail(std::move(json.error().message));
    }
    return MakeNode(word.column, RootCauseJson{std::move(*json)});
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::string error_;
};

// Characters, not bytes: UTF-8 continuation bytes (10xxxxxx) do not start a character.
std::size_t CountCharacters(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

Result<FilterExpr> ParseFilterOrThrow(std::string_view text, const ParseOptions& options) {
  if (options.max_length != 0) {
    const std::size_t length = CountCharacters(text);
    if (length > options.max_length) {
      return MakeError(ErrorCode::kInvalidArgument, "filter expression is " +
                                                        std::to_string(length) +
                                                        " characters long; the maximum is " +
                                                        std::to_string(options.max_length));
    }
  }
  XRAYD_TRY_ASSIGN(auto tokens, LexFilter(text, LexOptions{options.allow_not}));
  return Parser(std::move(tokens)).Run();
}

}  // namespace

Result<FilterExpr> ParseFilter(std::string_view text, const ParseOptions& options) noexcept {
  // Exception firewall: nlohmann::json is used without exceptions, but its accessors may throw.
  try {
    return ParseFilterOrThrow(text, options);
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kInternal, e.what());
  }
}

}  // namespace xrayd::query
