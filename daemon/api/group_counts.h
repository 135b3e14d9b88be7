#pragma once
// ApproximateTraceCount (docs/groups.md#approximatetracecount), live in /metrics: the summary
// worker counts each trace once, when it is first summarized, towards every group it is a member of
// (xrayd_group_traces_total{group=...}). The per-minute view of `xrayd groups list` is
// daemon/cli/store_group_counts.h.

#include "daemon/core/metrics.h"
#include "query/filter_groups.h"
#include "query/summarizer.h"
#include "storage/state_store.h"

namespace xrayd::daemon {

// `state` and `metrics` must outlive the hook; it runs on the summary worker's thread.
[[nodiscard]] query::SummarizedHook MakeGroupCountingHook(const storage::StateStore& state,
                                                          query::GroupLookup groups,
                                                          Metrics& metrics);

}  // namespace xrayd::daemon
