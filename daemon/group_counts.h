#pragma once
// ApproximateTraceCount (SPEC §6.3): how many new traces each group gets. Two views:
// * live, in /metrics: the summary worker counts each trace once, when it is first summarized,
//   towards every group it is a member of (xrayd_group_traces_total{group=...});
// * per minute, for `xrayd groups list`: a search of the store for `group.name = "G"` over the
//   last hour, bucketed by the minute each member trace was first received.

#include "daemon/cli_groups.h"
#include "daemon/metrics.h"
#include "query/filter_groups.h"
#include "query/summarizer.h"
#include "storage/state_store.h"

namespace xrayd::daemon {

// `state` and `metrics` must outlive the hook; it runs on the summary worker's thread.
[[nodiscard]] query::SummarizedHook MakeGroupCountingHook(const storage::StateStore& state,
                                                          query::GroupLookup groups,
                                                          Metrics& metrics);

// Counts per minute of the last `minutes` minutes (oldest first, minutes without traces left
// out), reading DATA_DIR/traces.db and DATA_DIR/state.db read-only.
[[nodiscard]] GroupCountsFn MakeStoreGroupCounts(int minutes = 60);

}  // namespace xrayd::daemon
