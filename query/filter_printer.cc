#include "query/filter_printer.h"

#include <charconv>
#include <string_view>

namespace xrayd::query {
namespace {

std::string QuoteString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string FormatNumber(double number) {
  char buf[64];
  // Shortest text that reads back as the same double; the lexer accepts every form it produces.
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), number);
  if (ec != std::errc()) {
    return "0";  // Unreachable: 64 bytes hold any double.
  }
  return std::string(buf, end);
}

std::string FormatLiteral(const Literal& literal) {
  return std::visit(Overloaded{
                        [](std::monostate) { return std::string(); },
                        [](bool b) { return std::string(b ? "true" : "false"); },
                        [](double d) { return FormatNumber(d); },
                        [](const std::string& s) { return QuoteString(s); },
                    },
                    literal);
}

std::string FormatComparison(const Comparison& cmp) {
  std::string out = cmp.field.keyword == Keyword::kAnnotation
                        ? "annotation." + cmp.field.annotation_key
                        : std::string(GetKeywordInfo(cmp.field.keyword).name);
  if (cmp.op) {
    out += " ";
    out += CompareOpName(*cmp.op);
    out += " " + FormatLiteral(cmp.value);
  }
  return out;
}

std::string FormatId(const IdFn& id) {
  std::string out = "id(";
  const char* sep = "";
  auto arg = [&](const char* name, const std::optional<std::string>& value) {
    if (value) {
      out += sep;
      out += name;
      out += ": " + QuoteString(*value);
      sep = ", ";
    }
  };
  arg("name", id.name);
  arg("type", id.type);
  arg("account.id", id.account_id);
  return out + ")";
}

std::string FormatRef(const NodeRef& ref) {
  if (const auto* name = std::get_if<std::string>(&ref)) {
    return QuoteString(*name);
  }
  return FormatId(std::get<IdFn>(ref));
}

std::string FormatJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string RootCauseName(const RootCauseRef& ref) {
  return std::string("rootcause.") + RootCauseKindName(ref.kind) + "." +
         RootCauseLevelName(ref.level);
}

// Precedence levels: a child needs parentheses when it binds no tighter than its parent
// (same-kind children too, so that (a AND b) AND c keeps its shape).
enum class Level { kOr, kAnd, kUnary };

Level LevelOf(const Node& node) {
  if (std::holds_alternative<Or>(node.kind)) {
    return Level::kOr;
  }
  if (std::holds_alternative<And>(node.kind)) {
    return Level::kAnd;
  }
  return Level::kUnary;
}

std::string Print(const Node& node);

std::string PrintChild(const Node& child, Level parent) {
  const Level level = LevelOf(child);
  if (level != Level::kUnary && level <= parent) {
    return "(" + Print(child) + ")";
  }
  return Print(child);
}

std::string PrintBlock(const NodePtr& block) {
  return block == nullptr ? "" : " { " + Print(*block) + " }";
}

std::string Print(const Node& node) {
  auto join = [](const std::vector<NodePtr>& children, const char* sep, Level level) {
    std::string out;
    for (const NodePtr& child : children) {
      if (!out.empty()) {
        out += sep;
      }
      out += PrintChild(*child, level);
    }
    return out;
  };
  return std::visit(
      Overloaded{
          [&](const And& n) { return join(n.children, " AND ", Level::kAnd); },
          [&](const Or& n) { return join(n.children, " OR ", Level::kOr); },
          [](const Not& n) { return "!" + PrintChild(*n.child, Level::kUnary); },
          [](const Comparison& n) { return FormatComparison(n); },
          [](const ServiceFn& n) {
            return "service(" + (n.node ? FormatRef(*n.node) : std::string()) + ")" +
                   PrintBlock(n.block);
          },
          [](const EdgeFn& n) {
            return "edge(" + FormatRef(n.from) + ", " + FormatRef(n.to) + ")" + PrintBlock(n.block);
          },
          [](const IdFn& n) { return FormatId(n); },
          [](const GroupRef& n) {
            return std::string(n.by == GroupRef::By::kName ? "group.name" : "group.arn") + " = " +
                   QuoteString(n.value);
          },
          [](const RootCauseRef& n) { return RootCauseName(n) + PrintBlock(n.block); },
          [](const RootCauseJson& n) { return "rootcause.json = #" + FormatJson(n.value); },
      },
      node.kind);
}

std::string Dump(const Node& node);

std::string DumpBlock(const NodePtr& block) {
  return block == nullptr ? "" : " " + Dump(*block);
}

std::string Dump(const Node& node) {
  auto list = [](const char* head, const std::vector<NodePtr>& children) {
    std::string out = std::string("(") + head;
    for (const NodePtr& child : children) {
      out += " " + Dump(*child);
    }
    return out + ")";
  };
  return std::visit(
      Overloaded{
          [&](const And& n) { return list("and", n.children); },
          [&](const Or& n) { return list("or", n.children); },
          [](const Not& n) { return "(not " + Dump(*n.child) + ")"; },
          [](const Comparison& n) { return "[" + FormatComparison(n) + "]"; },
          [](const ServiceFn& n) {
            return "(service" + (n.node ? " " + FormatRef(*n.node) : std::string()) +
                   DumpBlock(n.block) + ")";
          },
          [](const EdgeFn& n) {
            return "(edge " + FormatRef(n.from) + " " + FormatRef(n.to) + DumpBlock(n.block) + ")";
          },
          [](const IdFn& n) { return "(" + FormatId(n) + ")"; },
          [](const GroupRef& n) {
            return std::string(n.by == GroupRef::By::kName ? "(group.name " : "(group.arn ") +
                   QuoteString(n.value) + ")";
          },
          [](const RootCauseRef& n) { return "(" + RootCauseName(n) + DumpBlock(n.block) + ")"; },
          [](const RootCauseJson& n) { return "(rootcause.json " + FormatJson(n.value) + ")"; },
      },
      node.kind);
}

}  // namespace

std::string PrintFilter(const FilterExpr& expr) {
  return expr.root == nullptr ? std::string() : Print(*expr.root);
}

std::string DumpFilter(const FilterExpr& expr) {
  return expr.root == nullptr ? std::string("(all)") : Dump(*expr.root);
}

}  // namespace xrayd::query
