#pragma once
// Schema migrations keyed by SQLite's PRAGMA user_version, shared by the trace store and state.db.

#include <span>
#include <string_view>

#include "proto/result.h"
#include "storage/database.h"

namespace xrayd::storage {

// Takes `db` from its user_version to migrations.size(): migrations[i] (SQL) takes version i to
// i + 1, in one transaction with the version bump, so a failed step leaves the previous version
// intact. kInvalidArgument, naming `schema` ("store schema"), when the file's version is newer
// than migrations.size(), i.e. written by a later build.
[[nodiscard]] Status MigrateUserVersion(Database& db, std::span<const std::string_view> migrations,
                                        std::string_view schema);

}  // namespace xrayd::storage
