#pragma once
// Groups as filters see them (docs/filter-language.md#functions-and-blocks group.name/group.arn,
// docs/groups.md#membership): a trace is a member of group G iff it was first received at or after
// G's last create/update and G's filter matches it; every trace is a member of the Default group.
// The daemon supplies the definitions (from its state store) through a GroupLookup; query code
// never reads group state itself.

#include <functional>
#include <memory>
#include <string>

#include "query/filter_ast.h"

namespace xrayd::query {

struct GroupDefinition {
  std::string name;
  std::string arn;
  std::shared_ptr<const FilterExpr> filter;  // Never null; an empty filter matches everything.
  double updated_at = 0;                     // Epoch seconds of the last create/update.
  bool is_default = false;                   // The Default group: every trace is a member.
};

// Finds the group a group.name / group.arn term names; null if there is none. Thread-safe.
using GroupLookup = std::function<std::shared_ptr<const GroupDefinition>(const GroupRef&)>;

// [local] Groups may name other groups in their filters; resolution stops at this depth (deeper
// references are not members), so a cycle cannot recurse forever.
inline constexpr int kMaxGroupNesting = 4;

}  // namespace xrayd::query
