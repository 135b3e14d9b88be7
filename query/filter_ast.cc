#include "query/filter_ast.h"

#include <cstddef>

namespace xrayd::query {
namespace {

bool EqualPtr(const NodePtr& a, const NodePtr& b) {
  if (a == nullptr || b == nullptr) {
    return a == nullptr && b == nullptr;
  }
  return Equal(*a, *b);
}

bool EqualChildren(const std::vector<NodePtr>& a, const std::vector<NodePtr>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!EqualPtr(a[i], b[i])) {
      return false;
    }
  }
  return true;
}

bool EqualId(const IdFn& a, const IdFn& b) {
  return a.name == b.name && a.type == b.type && a.account_id == b.account_id;
}

bool EqualRef(const NodeRef& a, const NodeRef& b) {
  if (a.index() != b.index()) {
    return false;
  }
  if (const auto* name = std::get_if<std::string>(&a)) {
    return *name == std::get<std::string>(b);
  }
  return EqualId(std::get<IdFn>(a), std::get<IdFn>(b));
}

bool EqualComparison(const Comparison& a, const Comparison& b) {
  // Doubles compare with ==: literals are finite, and -0 == 0 is the right answer here.
  return a.field.keyword == b.field.keyword && a.field.annotation_key == b.field.annotation_key &&
         a.op == b.op && a.value == b.value;
}

void CollectGroups(const Node& node, std::vector<const Node*>& out) {
  std::visit(Overloaded{
                 [&](const And& n) {
                   for (const NodePtr& child : n.children) {
                     CollectGroups(*child, out);
                   }
                 },
                 [&](const Or& n) {
                   for (const NodePtr& child : n.children) {
                     CollectGroups(*child, out);
                   }
                 },
                 [&](const Not& n) { CollectGroups(*n.child, out); },
                 [&](const GroupRef&) { out.push_back(&node); },
                 [](const auto&) {},  // Blocks never hold group references.
             },
             node.kind);
}

}  // namespace

bool Equal(const Node& a, const Node& b) {
  if (a.kind.index() != b.kind.index()) {
    return false;
  }
  return std::visit(
      Overloaded{
          [&](const And& x) { return EqualChildren(x.children, std::get<And>(b.kind).children); },
          [&](const Or& x) { return EqualChildren(x.children, std::get<Or>(b.kind).children); },
          [&](const Not& x) { return EqualPtr(x.child, std::get<Not>(b.kind).child); },
          [&](const Comparison& x) { return EqualComparison(x, std::get<Comparison>(b.kind)); },
          [&](const ServiceFn& x) {
            const auto& y = std::get<ServiceFn>(b.kind);
            if (x.node.has_value() != y.node.has_value()) {
              return false;
            }
            return (!x.node || EqualRef(*x.node, *y.node)) && EqualPtr(x.block, y.block);
          },
          [&](const EdgeFn& x) {
            const auto& y = std::get<EdgeFn>(b.kind);
            return EqualRef(x.from, y.from) && EqualRef(x.to, y.to) && EqualPtr(x.block, y.block);
          },
          [&](const IdFn& x) { return EqualId(x, std::get<IdFn>(b.kind)); },
          [&](const GroupRef& x) {
            const auto& y = std::get<GroupRef>(b.kind);
            return x.by == y.by && x.value == y.value;
          },
          [&](const RootCauseRef& x) {
            const auto& y = std::get<RootCauseRef>(b.kind);
            return x.kind == y.kind && x.level == y.level && EqualPtr(x.block, y.block);
          },
          [&](const RootCauseJson& x) { return x.value == std::get<RootCauseJson>(b.kind).value; },
      },
      a.kind);
}

bool operator==(const FilterExpr& a, const FilterExpr& b) {
  return EqualPtr(a.root, b.root);
}

std::vector<const Node*> CollectGroupRefs(const FilterExpr& expr) {
  std::vector<const Node*> out;
  if (expr.root != nullptr) {
    CollectGroups(*expr.root, out);
  }
  return out;
}

const char* RootCauseKindName(RootCauseKind kind) {
  switch (kind) {
    case RootCauseKind::kFault:
      return "fault";
    case RootCauseKind::kError:
      return "error";
    case RootCauseKind::kResponseTime:
      return "responsetime";
  }
  return "?";
}

const char* RootCauseLevelName(RootCauseLevel level) {
  switch (level) {
    case RootCauseLevel::kService:
      return "service";
    case RootCauseLevel::kEntity:
      return "entity";
    case RootCauseLevel::kException:
      return "exception";
  }
  return "?";
}

}  // namespace xrayd::query
