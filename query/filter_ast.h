#pragma once
// Syntax tree of a parsed X-Ray filter expression (docs/filter-language.md#grammar). Plain values:
// a tree owns its children through unique_ptr, is movable, not copyable, and is safe to read from
// many threads. Walk it with std::visit over Node::kind; see CollectGroupRefs for an example.
//
// Invariants the parser guarantees (an evaluator or SQL compiler may rely on them):
// * And/Or have at least two children; no child pointer is null.
// * A Comparison with an op has a literal of the type its keyword takes (bool/number/string);
//   for annotation.* the literal fits the op (ordering ops: number; CONTAINS family: string;
//   bool: = or != only). A Comparison without an op has value == std::monostate.
// * Keywords appear only in the scopes of query/filter_keywords.h: a Comparison directly or
//   indirectly under ServiceFn::block binds to a service segment, under EdgeFn::block to a call,
//   under RootCauseRef::block to a root-cause element of that level; elsewhere to the trace.
// * ServiceFn, EdgeFn, IdFn, GroupRef, RootCauseRef and RootCauseJson occur only outside blocks.
// * Tree depth is bounded by kMaxFilterDepth (query/filter_lexer.h), so recursive walks are safe.

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "query/filter_keywords.h"
#include "query/filter_lexer.h"

namespace xrayd::query {

struct Node;
using NodePtr = std::unique_ptr<Node>;

// A comparable thing: a fixed keyword, or annotation.<key> (key case-sensitive, [A-Za-z0-9_]+).
struct Field {
  Keyword keyword = Keyword::kOk;
  std::string annotation_key;  // Only for Keyword::kAnnotation, else empty.
};

// monostate = no literal (bare field). Numbers are finite doubles (seconds for time keywords).
using Literal = std::variant<std::monostate, bool, double, std::string>;

// `field [op literal]`. Without op it is a truth/presence test
// (docs/filter-language.md#trace-level-keywords "Bare use").
struct Comparison {
  Field field;
  std::optional<CompareOp> op;
  Literal value;
};

struct And {
  std::vector<NodePtr> children;  // >= 2, evaluated left to right.
};
struct Or {
  std::vector<NodePtr> children;  // >= 2.
};
struct Not {
  NodePtr child;
};

// id(name: "...", type: "...", account.id: "..."): node selector; an absent part matches anything.
// At least one part is present. As a term of its own it means service(id(...)) [local].
struct IdFn {
  std::optional<std::string> name;
  std::optional<std::string> type;
  std::optional<std::string> account_id;
};

// A node reference: a service name (matches every node with that name) or an id() selector.
using NodeRef = std::variant<std::string, IdFn>;

// service([node]) [{ block }]. No node = any node. Null block = presence test only.
struct ServiceFn {
  std::optional<NodeRef> node;
  NodePtr block;
};

// edge(from, to) [{ block }]. Null block = presence test only.
struct EdgeFn {
  NodeRef from;
  NodeRef to;
  NodePtr block;
};

// group.name = "G" or group.arn = "A". The parser does not check that the group exists.
struct GroupRef {
  enum class By { kName, kArn };
  By by = By::kName;
  std::string value;
};

enum class RootCauseKind { kFault, kError, kResponseTime };
enum class RootCauseLevel { kService, kEntity, kException };  // No kException for kResponseTime.

// rootcause.<kind>.<level> [{ block }]. Null block = "that root-cause list is non-empty".
struct RootCauseRef {
  RootCauseKind kind = RootCauseKind::kFault;
  RootCauseLevel level = RootCauseLevel::kService;
  NodePtr block;
};

// rootcause.json = #[ ... ]. `value` is a JSON array whose elements are all objects.
struct RootCauseJson {
  nlohmann::json value;
};

struct Node {
  int column = 1;  // 1-based column of the node's first token in the parsed text.
  std::variant<And, Or, Not, Comparison, ServiceFn, EdgeFn, IdFn, GroupRef, RootCauseRef,
               RootCauseJson>
      kind;
};

// A whole filter. Null root = empty filter, which matches every trace
// (docs/filter-language.md#examples #52).
struct FilterExpr {
  NodePtr root;
};

// Helper for std::visit with lambdas: std::visit(Overloaded{[](const And&) {...}, ...}, n.kind).
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// Structural equality; columns are ignored (a reprinted filter has other columns).
[[nodiscard]] bool Equal(const Node& a, const Node& b);
[[nodiscard]] bool operator==(const FilterExpr& a, const FilterExpr& b);

// Every group.name / group.arn term, in text order, so a later pass can check that the groups
// exist and report `column`. Pointers are valid while `expr` is alive and unmodified.
[[nodiscard]] std::vector<const Node*> CollectGroupRefs(const FilterExpr& expr);

// Canonical spellings: "fault", "service", "exception", ...
[[nodiscard]] const char* RootCauseKindName(RootCauseKind kind);
[[nodiscard]] const char* RootCauseLevelName(RootCauseLevel level);

}  // namespace xrayd::query
