#pragma once
// ApproximateTraceCount (docs/groups.md#approximatetracecount), live in /metrics: each trace counts
// once, when it is first summarized, towards every group it is a member of
// (xrayd_group_traces_total{group=...}). The per-minute view of `xrayd groups list` is
// daemon/cli/store_group_counts.h.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core/metrics.h"
#include "query/filter_groups.h"
#include "query/summarizer.h"
#include "storage/state_store.h"

namespace xrayd::daemon {

// Told, per group and minute, how many new traces became members: the group's name, the minute's
// start (epoch seconds) and the count; e.g. the alarms' per-minute counts.
using GroupMembersCallback =
    std::function<void(const std::string& group, double minute, std::uint64_t traces)>;

// Counts new traces per group. Count decides membership at once (building the trace's model only
// for a group with a filter); the counts wait in memory until Flush passes them on, so a flood of
// traces costs one write per group and minute per round, not one per trace. The groups' definitions
// are looked up once per change of the groups (StateStore::SharedGroups), not per trace.
// Thread-safe: the storage writer and the summary worker both count.
class GroupTraceCounter {
 public:
  // `state` and `metrics` must outlive the counter; `on_members` may be empty.
  GroupTraceCounter(const storage::StateStore& state, query::GroupLookup groups, Metrics& metrics,
                    GroupMembersCallback on_members = {});

  // One trace summarized for the first time, first received at `first_received`.
  void Count(const query::ModelSource& model, double first_received);
  // Passes the counts gathered since the last call to the metrics and `on_members`.
  void Flush();

 private:
  // The definitions of one version of the groups, in its order (null: a group the lookup did not
  // find).
  struct Definitions {
    std::shared_ptr<const std::vector<storage::Group>> groups;
    std::vector<std::shared_ptr<const query::GroupDefinition>> of_groups;
  };
  // New traces of one group in one minute.
  struct Pending {
    std::shared_ptr<const query::GroupDefinition> group;
    std::uint64_t traces = 0;
  };

  std::shared_ptr<const Definitions> CurrentDefinitions();

  const storage::StateStore& state_;
  const query::GroupLookup groups_;
  Metrics& metrics_;
  const GroupMembersCallback on_members_;
  std::mutex definitions_mu_;
  std::shared_ptr<const Definitions> definitions_;  // GUARDED_BY(definitions_mu_)
  std::mutex mu_;
  // By (definition, minute start).
  std::map<std::pair<const query::GroupDefinition*, double>, Pending> pending_;  // GUARDED_BY(mu_)
};

}  // namespace xrayd::daemon
