#include "daemon/api/group_lookup.h"

#include <map>
#include <mutex>
#include <unordered_set>
#include <utility>

#include "query/filter_parser.h"
#include "query/trace_search.h"

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

query::GroupRef GroupRefByName(const std::string& name) {
  query::GroupRef ref;
  ref.by = query::GroupRef::By::kName;
  ref.value = name;
  return ref;
}

query::GroupLookup MakeGroupLookup(const storage::StateStore& state) {
  auto cache = std::make_shared<Cache>();
  return
      [&state, cache](const query::GroupRef& ref) -> std::shared_ptr<const query::GroupDefinition> {
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

GraphGroupResolver MakeGraphGroupResolver(ReaderPool& readers, query::GroupLookup groups) {
  return [&readers, groups](const std::optional<std::string>& name,
                            const std::optional<std::string>& arn, double start,
                            double end) -> Result<GraphGroupScope> {
    query::GroupRef ref;
    ref.by = name ? query::GroupRef::By::kName : query::GroupRef::By::kArn;
    ref.value = name ? *name : arn.value_or("");
    std::shared_ptr<const query::GroupDefinition> group = groups ? groups(ref) : nullptr;
    if (group == nullptr || (name && arn && group->arn != *arn)) {
      return MakeError(ErrorCode::kNotFound, "group not found: " + ref.value);
    }
    GraphGroupScope scope;
    scope.contains_old_group_versions = group->updated_at > start && group->updated_at < end;
    if (group->is_default) {
      return scope;
    }
    query::FilterExpr filter;
    auto node = std::make_unique<query::Node>();
    node->kind = query::GroupRef{query::GroupRef::By::kName, group->name};
    filter.root = std::move(node);
    XRAYD_TRY_ASSIGN(auto reader, readers.Acquire());
    query::SearchRequest request;
    request.filter = &filter;
    request.time_range_type = query::TimeRangeType::kEvent;
    request.start = start;
    request.end = end;
    request.page_size = static_cast<std::size_t>(-1);
    request.max_examined = static_cast<std::size_t>(-1);
    request.with_models = false;
    request.groups = groups;
    XRAYD_TRY_ASSIGN(auto page, query::SearchTraces(*reader, request));
    auto members = std::make_shared<std::unordered_set<std::string>>();
    for (const query::SearchMatch& match : page.matches) {
      members->insert(match.info.trace_id);
    }
    scope.contains = [members](std::string_view trace_id) {
      return members->contains(std::string(trace_id));
    };
    return scope;
  };
}

}  // namespace xrayd::daemon
