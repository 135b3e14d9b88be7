#include "daemon/api/group_counts.h"

#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "daemon/api/group_lookup.h"
#include "query/trace_search.h"

namespace xrayd::daemon {

GroupTraceCounter::GroupTraceCounter(const storage::StateStore& state, query::GroupLookup groups,
                                     Metrics& metrics, GroupMembersCallback on_members)
    : state_(state),
      groups_(std::move(groups)),
      metrics_(metrics),
      on_members_(std::move(on_members)) {}

void GroupTraceCounter::Count(const query::ModelSource& model, double first_received) {
  std::vector<std::string> members;
  for (const storage::Group& group : state_.ListGroups()) {
    std::shared_ptr<const query::GroupDefinition> definition = groups_(GroupRefByName(group.name));
    if (definition == nullptr) {
      continue;
    }
    // Only a filter needs the trace's model: the Default group holds every trace, and a group
    // (re)defined after the trace arrived holds none of it (docs/groups.md#membership).
    const bool member = definition->is_default ||
                        (first_received >= definition->updated_at &&
                         query::IsGroupMember(*definition, model(), first_received, groups_));
    if (member) {
      members.push_back(group.name);
    }
  }
  if (members.empty()) {
    return;
  }
  const double minute = std::floor(first_received / 60) * 60;
  std::lock_guard lock(mu_);
  for (std::string& name : members) {
    ++pending_[{std::move(name), minute}];
  }
}

void GroupTraceCounter::Flush() {
  std::map<std::pair<std::string, double>, std::uint64_t> counts;
  {
    std::lock_guard lock(mu_);
    counts.swap(pending_);
  }
  for (const auto& [key, traces] : counts) {
    metrics_.group_traces.Add(key.first, traces);
    if (on_members_) {
      on_members_(key.first, key.second, traces);
    }
  }
}

}  // namespace xrayd::daemon
