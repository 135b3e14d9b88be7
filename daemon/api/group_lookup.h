#pragma once
// Group definitions for filters (query/filter_groups.h) read from the state store: resolves a
// group.name / group.arn term to the group's parsed filter and the time it took effect. Parsed
// filters are cached per (group id, filter version). Thread-safe.

#include "daemon/api/xray_api.h"
#include "daemon/core/reader_pool.h"
#include "query/filter_groups.h"
#include "storage/state_store.h"

namespace xrayd::daemon {

// A reference to the group named `name` (as `group.name = "name"` writes it).
query::GroupRef GroupRefByName(const std::string& name);

// `state` must outlive the returned function.
[[nodiscard]] query::GroupLookup MakeGroupLookup(const storage::StateStore& state);

// Group scope for the graph operations: the members of a group among the traces of a window are
// found with one search for `group.name = "G"` (SQL superset + evaluator, as GetTraceSummaries).
// `readers` must outlive the returned function; `groups` comes from MakeGroupLookup.
[[nodiscard]] GraphGroupResolver MakeGraphGroupResolver(ReaderPool& readers,
                                                        query::GroupLookup groups);

}  // namespace xrayd::daemon
