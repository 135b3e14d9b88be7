#include "daemon/api/group_counts.h"

#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "daemon/api/group_lookup.h"
#include "query/trace_search.h"

namespace xrayd::daemon {

GroupTraceCounter::GroupTraceCounter(const storage::StateStore& state, query::GroupLookup groups,
                                     Metrics& metrics, GroupMembersCallback on_members)
    : state_(state),
      groups_(std::move(groups)),
      metrics_(metrics),
      on_members_(std::move(on_members)) {}

std::shared_ptr<const GroupTraceCounter::Definitions> GroupTraceCounter::CurrentDefinitions() {
  std::shared_ptr<const std::vector<storage::Group>> groups = state_.SharedGroups();
  std::lock_guard lock(definitions_mu_);
  if (definitions_ == nullptr || definitions_->groups != groups) {
    auto fresh = std::make_shared<Definitions>();
    fresh->groups = groups;
    if (groups != nullptr) {
      for (const storage::Group& group : *groups) {
        fresh->of_groups.push_back(groups_(GroupRefByName(group.name)));
      }
    }
    definitions_ = std::move(fresh);
  }
  return definitions_;
}

void GroupTraceCounter::Count(const query::ModelSource& model, double first_received) {
  const std::shared_ptr<const Definitions> definitions = CurrentDefinitions();
  boost::container::small_vector<const std::shared_ptr<const query::GroupDefinition>*,
                                 storage::kMaxGroups + 1>
      members;
  for (const std::shared_ptr<const query::GroupDefinition>& definition : definitions->of_groups) {
    if (definition == nullptr) {
      continue;
    }
    // Only a filter needs the trace's model: the Default group holds every trace, and a group
    // (re)defined after the trace arrived holds none of it (docs/groups.md#membership).
    const bool member = definition->is_default ||
                        (first_received >= definition->updated_at &&
                         query::IsGroupMember(*definition, model(), first_received, groups_));
    if (member) {
      members.push_back(&definition);
    }
  }
  if (members.empty()) {
    return;
  }
  const double minute = std::floor(first_received / 60) * 60;
  std::lock_guard lock(mu_);
  for (const std::shared_ptr<const query::GroupDefinition>* definition : members) {
    Pending& pending = pending_[{definition->get(), minute}];
    if (pending.group == nullptr) {
      pending.group = *definition;
    }
    ++pending.traces;
  }
}

void GroupTraceCounter::Flush() {
  std::map<std::pair<const query::GroupDefinition*, double>, Pending> counts;
  {
    std::lock_guard lock(mu_);
    counts.swap(pending_);
  }
  for (const auto& [key, pending] : counts) {
    metrics_.group_traces.Add(pending.group->name, pending.traces);
    if (on_members_) {
      on_members_(pending.group->name, key.second, pending.traces);
    }
  }
}

}  // namespace xrayd::daemon
