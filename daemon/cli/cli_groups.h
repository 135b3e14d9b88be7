#pragma once
// `xrayd groups list`: the groups of a data dir's state.db (docs/groups.md), read-only and safe
// while the daemon runs. Output is JSON on `out` ({"Groups":[{GroupName, GroupARN,
// FilterExpression?, ApproximateTraceCounts?}]}), errors on `err`.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "daemon/config.h"
#include "proto/result.h"
#include "storage/state_types.h"

namespace xrayd::daemon {

// One minute of a group's ApproximateTraceCount (docs/groups.md#approximatetracecount).
struct MinuteCount {
  std::int64_t minute_start = 0;  // Epoch seconds, a multiple of 60.
  std::int64_t count = 0;
};

// Supplies the per-minute approximate trace counts of `group` recorded under `data_dir`, oldest
// first. Provided by the code that records group membership at ingest; when the caller passes no
// function, `groups list` prints no counts (it never invents them).
using GroupCountsFn = std::function<Result<std::vector<MinuteCount>>(const std::string& data_dir,
                                                                     const storage::Group& group)>;

// Runs `xrayd groups list [--data-dir DIR]`. A data dir without state.db lists only Default.
// Returns 0 on success, 2 on usage or store errors. A failing `counts` call is reported on `err`
// and that group is printed without counts.
int RunGroupsCommand(const std::vector<std::string>& args, const Environment& env,
                     std::ostream& out, std::ostream& err, const GroupCountsFn& counts = nullptr);

}  // namespace xrayd::daemon
