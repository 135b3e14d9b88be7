#include "query/filter_sql.h"

#include <optional>
#include <string_view>
#include <utility>

#include "query/filter_lexer.h"

namespace xrayd::query {
namespace {

using storage::SqlValue;

// A translated term: `sql` empty means TRUE.
struct Part {
  std::string sql;
  std::vector<SqlValue> params;
  bool exact = true;
};

Part True(bool exact) {
  return Part{{}, {}, exact};
}

// The filter's =, !=, <, <=, >, >= are spelled as in SQL; other operators have no SQL operator
// (nullptr).
const char* SqlOp(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
    case CompareOp::kNe:
    case CompareOp::kLt:
    case CompareOp::kLe:
    case CompareOp::kGt:
    case CompareOp::kGe:
      return CompareOpName(op);
    default:
      return nullptr;
  }
}

// `expr` (a column or a.value) compared with a string literal; `expr` is known non-NULL here.
// String operators are byte-wise on UTF-8; SQLite's length/substr count characters on TEXT, which
// gives the same prefix/suffix answers for valid UTF-8.
void AppendStringTest(std::string_view expr, CompareOp op, const std::string& literal, Part& part) {
  const std::string e(expr);
  switch (op) {
    case CompareOp::kEq:
    case CompareOp::kNe:
      part.sql += e + " " + SqlOp(op) + " ?";
      part.params.emplace_back(literal);
      return;
    case CompareOp::kContains:
      part.sql += "instr(" + e + ", ?) > 0";
      part.params.emplace_back(literal);
      return;
    case CompareOp::kBeginsWith:
    case CompareOp::kEndsWith:
      if (literal.empty()) {
        part.sql += "1";
        return;
      }
      part.sql += op == CompareOp::kBeginsWith ? "substr(" + e + ", 1, length(?)) = ?"
                                               : "substr(" + e + ", -length(?)) = ?";
      part.params.emplace_back(literal);
      part.params.emplace_back(literal);
      return;
    default:
      part.sql += "0";  // The parser never pairs a string with an ordering operator.
      return;
  }
}

// A comparison on a single-valued summary column: exact for fresh summaries.
Part ColumnTest(std::string_view column, const Comparison& c) {
  Part part;
  const std::string col(column);
  if (!c.op) {
    part.sql = col + " IS NOT NULL";
    return part;
  }
  part.sql = "(" + col + " IS NOT NULL AND ";
  if (const auto* number = std::get_if<double>(&c.value)) {
    part.sql += col + " " + SqlOp(*c.op) + " ?";
    part.params.emplace_back(*number);
  } else if (const auto* text = std::get_if<std::string>(&c.value)) {
    AppendStringTest(col, *c.op, *text, part);
  } else {
    part.sql += "0";
  }
  part.sql += ")";
  return part;
}

Part FlagTest(std::int64_t flag, const Comparison& c) {
  bool want = true;
  if (c.op) {
    const bool* literal = std::get_if<bool>(&c.value);
    want = literal != nullptr && *literal;
    if (*c.op == CompareOp::kNe) {
      want = !want;
    }
  }
  Part part;
  part.sql = "(coalesce(t.flags, 0) & " + std::to_string(flag) + ") " + (want ? "!= 0" : "= 0");
  return part;
}

// EXISTS over the annotations table for one key of the trace (values are a superset).
Part ValueExists(std::string_view key, const Comparison& c) {
  Part part;
  part.exact = false;
  part.sql =
      "EXISTS(SELECT 1 FROM annotations a WHERE a.bucket = (t.seq >> 10) AND "
      "a.key_id = (SELECT id FROM annotation_key_names WHERE key = ?)";
  part.params.emplace_back(std::string(key));
  if (c.op) {
    if (const auto* text = std::get_if<std::string>(&c.value)) {
      part.sql += " AND a.vtype = 0 AND ";
      AppendStringTest("a.value", *c.op, *text, part);
    } else if (const auto* number = std::get_if<double>(&c.value)) {
      part.sql += " AND a.vtype = 1 AND a.value " + std::string(SqlOp(*c.op)) + " ?";
      part.params.emplace_back(*number);
    } else if (const auto* boolean = std::get_if<bool>(&c.value)) {
      part.sql += " AND a.vtype = 2 AND a.value " + std::string(SqlOp(*c.op)) + " ?";
      part.params.emplace_back(static_cast<std::int64_t>(*boolean ? 1 : 0));
    }
  }
  part.sql += " AND a.trace_seq = t.seq)";
  return part;
}

Part NodeNameExists(const std::string& name) {
  Comparison c;
  c.op = CompareOp::kEq;
  c.value = name;
  return ValueExists("$service", c);
}

// Superset test for "the graph has a node matching `ref`".
Part NodePresence(const NodeRef& ref) {
  if (const auto* name = std::get_if<std::string>(&ref)) {
    return NodeNameExists(*name);
  }
  const IdFn& id = std::get<IdFn>(ref);
  if (id.name) {
    return NodeNameExists(*id.name);
  }
  return True(false);
}

Part Inexact(Part part) {
  part.exact = false;
  return part;
}

class Compiler {
 public:
  explicit Compiler(const GroupLookup& groups) : groups_(groups) {}

  // Each level of the tree (an inlined group's too) wraps its terms in one more pair of
  // parentheses. SQLite's parser has a fixed stack (YYSTACKDEPTH 100), so a subtree below
  // kMaxSqlNesting levels becomes TRUE (inexact): still a superset, the evaluator decides.
  Part Compile(const Node& node) {
    if (const auto* outer = std::get_if<Not>(&node.kind)) {
      if (const auto* inner = std::get_if<Not>(&outer->child->kind)) {
        return Compile(*inner->child);  // !!x is x, NULL included (three-valued logic).
      }
    }
    if (nesting_ >= kMaxSqlNesting) {
      return True(false);
    }
    ++nesting_;
    Part part = CompileNode(node);
    --nesting_;
    return part;
  }

 private:
  static constexpr int kMaxSqlNesting = 16;

  Part CompileNode(const Node& node) {
    return std::visit(Overloaded{
                          [&](const And& n) { return Join(n.children, " AND ", /*is_or=*/false); },
                          [&](const Or& n) { return Join(n.children, " OR ", /*is_or=*/true); },
                          [&](const Not& n) {
                            Part child = Compile(*n.child);
                            if (!child.exact) {
                              return True(false);
                            }
                            if (child.sql.empty()) {
                              return Part{"0", {}, true};
                            }
                            child.sql = "NOT (" + child.sql + ")";
                            return child;
                          },
                          [&](const Comparison& n) { return CompileComparison(n); },
                          [&](const ServiceFn& n) {
                            Part part = n.node ? NodePresence(*n.node) : True(false);
                            return Inexact(std::move(part));
                          },
                          [&](const EdgeFn& n) {
                            Part from = NodePresence(n.from);
                            Part to = NodePresence(n.to);
                            Part part;
                            part.exact = false;
                            Append(part, std::move(from), " AND ");
                            Append(part, std::move(to), " AND ");
                            return part;
                          },
                          [&](const IdFn& n) { return Inexact(NodePresence(NodeRef(n))); },
                          [&](const GroupRef& n) { return CompileGroup(n); },
                          [&](const RootCauseRef&) { return True(false); },
                          [&](const RootCauseJson&) { return True(false); },
                      },
                      node.kind);
  }

  static void Append(Part& into, Part part, std::string_view glue) {
    into.exact = into.exact && part.exact;
    if (part.sql.empty()) {
      return;
    }
    if (!into.sql.empty()) {
      into.sql += glue;
    }
    into.sql += "(" + part.sql + ")";
    for (SqlValue& v : part.params) {
      into.params.push_back(std::move(v));
    }
  }

  Part Join(const std::vector<NodePtr>& children, std::string_view glue, bool is_or) {
    Part out;
    bool any_true = false;
    for (const NodePtr& child : children) {
      Part part = Compile(*child);
      if (part.sql.empty()) {
        any_true = true;
      }
      Append(out, std::move(part), glue);
    }
    if (is_or && any_true) {
      return True(out.exact);  // TRUE OR anything = TRUE.
    }
    return out;
  }

  Part CompileComparison(const Comparison& c) {
    switch (c.field.keyword) {
      case Keyword::kResponseTime:
        return ColumnTest("t.response_time", c);
      case Keyword::kDuration:
        return ColumnTest("t.duration", c);
      case Keyword::kHttpStatus:
        return ColumnTest("t.http_status", c);
      case Keyword::kHttpUrl:
        return ColumnTest("t.http_url", c);
      case Keyword::kHttpMethod:
        return ColumnTest("t.http_method", c);
      case Keyword::kHttpUserAgent:
        return ColumnTest("t.http_useragent", c);
      case Keyword::kHttpClientIp:
        return ColumnTest("t.http_clientip", c);
      case Keyword::kOk:
        return FlagTest(storage::kSummaryFlagOk, c);
      case Keyword::kError:
        return FlagTest(storage::kSummaryFlagError, c);
      case Keyword::kFault:
        return FlagTest(storage::kSummaryFlagFault, c);
      case Keyword::kThrottle:
        return FlagTest(storage::kSummaryFlagThrottle, c);
      case Keyword::kPartial:
        return FlagTest(storage::kSummaryFlagPartial, c);
      case Keyword::kInferred:
        return FlagTest(storage::kSummaryFlagInferred, c);
      case Keyword::kUser:
        return ValueExists("$user", c);
      case Keyword::kAvailabilityZone:
        return ValueExists("$az", c);
      case Keyword::kInstanceId:
        return ValueExists("$instance", c);
      case Keyword::kResourceArn:
        return ValueExists("$arn", c);
      case Keyword::kAnnotation: {
        // Bare annotation.k: present, or (boolean values) true: any row of the key is a superset.
        Comparison any = c;
        if (!c.op) {
          any.value = std::monostate{};
        }
        return ValueExists(c.field.annotation_key, any);
      }
      default:
        return True(false);  // Scoped keywords never reach the trace level.
    }
  }

  Part CompileGroup(const GroupRef& ref) {
    std::shared_ptr<const GroupDefinition> group = groups_ ? groups_(ref) : nullptr;
    if (group == nullptr || depth_ >= kMaxGroupNesting) {
      return True(false);
    }
    if (group->is_default) {
      return True(true);
    }
    Part part;
    part.sql = std::string(storage::kFirstReceivedSql) + " >= ?";
    part.params.emplace_back(group->updated_at);
    if (group->filter->root != nullptr) {
      ++depth_;
      Part inner = Compile(*group->filter->root);
      --depth_;
      Append(part, std::move(inner), " AND ");
    }
    return part;
  }

  const GroupLookup& groups_;
  int depth_ = 0;    // Groups inlined inside groups.
  int nesting_ = 0;  // Parenthesised levels open in the SQL being built.
};

// `annotation.k = literal` as the annotations row it needs (ValueExists's vtype and value).
std::optional<storage::AnnotationTerm> AnnotationEquality(const Node& node) {
  const auto* c = std::get_if<Comparison>(&node.kind);
  if (c == nullptr || c->field.keyword != Keyword::kAnnotation || c->op != CompareOp::kEq) {
    return std::nullopt;
  }
  storage::AnnotationTerm term;
  term.key = c->field.annotation_key;
  if (const auto* text = std::get_if<std::string>(&c->value)) {
    term.vtype = 0;
    term.value = *text;
  } else if (const auto* number = std::get_if<double>(&c->value)) {
    term.vtype = 1;
    term.value = *number;
  } else if (const auto* boolean = std::get_if<bool>(&c->value)) {
    term.vtype = 2;
    term.value = static_cast<std::int64_t>(*boolean ? 1 : 0);
  } else {
    return std::nullopt;
  }
  return term;
}

std::optional<storage::AnnotationTerm> TopLevelAnnotationEquality(const Node& root) {
  if (const auto* all = std::get_if<And>(&root.kind)) {
    for (const NodePtr& child : all->children) {
      if (auto term = AnnotationEquality(*child)) {
        return term;
      }
    }
    return std::nullopt;
  }
  return AnnotationEquality(root);
}

}  // namespace

SqlFilter CompileFilterSql(const FilterExpr& filter, const GroupLookup& groups) {
  if (filter.root == nullptr) {
    return SqlFilter{};
  }
  Compiler compiler(groups);
  Part part = compiler.Compile(*filter.root);
  return SqlFilter{std::move(part.sql), std::move(part.params), part.exact,
                   TopLevelAnnotationEquality(*filter.root)};
}

}  // namespace xrayd::query
