#pragma once
// ApproximateTraceCount (docs/groups.md#approximatetracecount), live in /metrics: the summary
// worker counts each trace once, when it is first summarized, towards every group it is a member of
// (xrayd_group_traces_total{group=...}). The per-minute view of `xrayd groups list` is
// daemon/cli/store_group_counts.h.

#include <functional>
#include <string>

#include "daemon/core/metrics.h"
#include "query/filter_groups.h"
#include "query/summarizer.h"
#include "storage/state_store.h"

namespace xrayd::daemon {

// Called once per (new trace, group it is a member of) with the group's name and the trace's
// first-received time (epoch seconds); e.g. the alarms' per-minute counts.
using GroupMemberCallback = std::function<void(const std::string& group, double first_received)>;

// `state` and `metrics` must outlive the hook; it runs on the summary worker's thread, and so does
// `on_member` (may be empty).
[[nodiscard]] query::SummarizedHook MakeGroupCountingHook(const storage::StateStore& state,
                                                          query::GroupLookup groups,
                                                          Metrics& metrics,
                                                          GroupMemberCallback on_member = {});

}  // namespace xrayd::daemon
