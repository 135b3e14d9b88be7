#include "daemon/group_lookup.h"

#include <map>
#include <mutex>
#include <utility>

#include "query/filter_parser.h"

namespace xrayd::daemon {
namespace {

struct Cache {
  std::mutex mu;
  // (group id, filter version) -> definition. Entries of deleted groups stay (a few bytes each).
  std::map<std::pair<std::int64_t, std::int64_t>, std::shared_ptr<const query::GroupDefinition>>
      definitions;  // GUARDED_BY(mu)
};

std::shared_ptr<const query::GroupDefinition> Define(const storage::Group& group) {
  auto definition = std::make_shared<query::GroupDefinition>();
  definition->name = group.name;
  definition->arn = group.arn;
  definition->updated_at = group.updated_at;
  definition->is_default = group.is_default;
  auto filter = std::make_shared<query::FilterExpr>();
  if (group.filter_expression && !group.is_default) {
    // Stored filters were validated when the group was written; one that no longer parses (a
    // stricter build) matches nothing rather than everything.
    auto parsed = query::ParseFilter(*group.filter_expression, {.max_length = 0});
    if (parsed) {
      *filter = std::move(*parsed);
    } else {
      auto never = query::ParseFilter("ok AND !ok");
      *filter = std::move(*never);
    }
  }
  definition->filter = std::move(filter);
  return definition;
}

}  // namespace

query::GroupLookup MakeGroupLookup(const storage::StateStore& state) {
  auto cache = std::make_shared<Cache>();
  return [&state, cache](const query::GroupRef& ref) -> std::shared_ptr<const query::GroupDefinition> {
    for (const storage::Group& group : state.ListGroups()) {
      const bool match = ref.by == query::GroupRef::By::kName ? group.name == ref.value
                                                              : group.arn == ref.value;
      if (!match) {
        continue;
      }
      std::lock_guard lock(cache->mu);
      auto& slot = cache->definitions[{group.id, group.filter_version}];
      if (slot == nullptr) {
        slot = Define(group);
      }
      return slot;
    }
    return nullptr;
  };
}

}  // namespace xrayd::daemon
