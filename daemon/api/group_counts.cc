#include "daemon/api/group_counts.h"

#include <memory>
#include <utility>

#include "daemon/api/group_lookup.h"
#include "query/trace_search.h"

namespace xrayd::daemon {

query::SummarizedHook MakeGroupCountingHook(const storage::StateStore& state,
                                            query::GroupLookup groups, Metrics& metrics,
                                            GroupMemberCallback on_member) {
  return [&state, groups = std::move(groups), &metrics, on_member = std::move(on_member)](
             const query::TraceModel& model, double first_received, bool first_summary) {
    if (!first_summary) {
      return;  // Counted once per trace, like X-Ray's count of traces recorded into a group.
    }
    for (const storage::Group& group : state.ListGroups()) {
      std::shared_ptr<const query::GroupDefinition> definition = groups(GroupRefByName(group.name));
      if (definition != nullptr &&
          query::IsGroupMember(*definition, model, first_received, groups)) {
        metrics.group_traces.Add(group.name);
        if (on_member) {
          on_member(group.name, first_received);
        }
      }
    }
  };
}

}  // namespace xrayd::daemon
