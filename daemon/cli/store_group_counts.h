#pragma once
// Per-minute ApproximateTraceCount for `xrayd groups list`: a search of the store for
// `group.name = "G"` over the last minutes, bucketed by the minute each member trace was first
// received. Reads DATA_DIR/traces.db and DATA_DIR/state.db read-only.

#include "daemon/cli/cli_groups.h"
#include "proto/clock.h"

namespace xrayd::daemon {

// Counts per minute of the last `minutes` minutes (oldest first, minutes without traces left out),
// counted back from `clock`'s wall time, which must outlive the returned function.
[[nodiscard]] GroupCountsFn MakeStoreGroupCounts(
    int minutes = 60, const proto::Clock& clock = proto::SystemClock::Instance());

}  // namespace xrayd::daemon
