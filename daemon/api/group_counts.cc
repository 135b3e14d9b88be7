#include "daemon/api/group_counts.h"

#include <memory>
#include <utility>

#include "daemon/api/group_lookup.h"
#include "query/trace_search.h"

namespace xrayd::daemon {

query::SummarizedHook MakeGroupCountingHook(const storage::StateStore& state,
                                            query::GroupLookup groups, Metrics& metrics) {
  return [&state, groups = std::move(groups), &metrics](const query::TraceModel& model,
                                                        double first_received, bool first_summary) {
    if (!first_summary) {
      return;  // Counted once per trace, like X-Ray's count of traces recorded into a group.
    }
    for (const storage::Group& group : state.ListGroups()) {
      std::shared_ptr<const query::GroupDefinition> definition = groups(GroupRefByName(group.name));
      if (definition != nullptr &&
          query::IsGroupMember(*definition, model, first_received, groups)) {
        metrics.group_traces.Add(group.name);
      }
    }
  };
}

}  // namespace xrayd::daemon
