#pragma once
// Group definitions for filters (query/filter_groups.h) read from the state store: resolves a
// group.name / group.arn term to the group's parsed filter and the time it took effect. Parsed
// filters are cached per (group id, filter version). Thread-safe.

#include "query/filter_groups.h"
#include "storage/state_store.h"

namespace xrayd::daemon {

// `state` must outlive the returned function.
[[nodiscard]] query::GroupLookup MakeGroupLookup(const storage::StateStore& state);

}  // namespace xrayd::daemon
