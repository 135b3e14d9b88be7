#pragma once
// The schema of state.db (groups, sampling rules), versioned by PRAGMA user_version like the trace
// store (storage/schema.h) but independent of it. Layout:
//   groups(id AUTOINCREMENT: never reused; name UNIQUE, case-sensitive; uid: the ARN's unique part;
//          filter_expression NULL = none; insights/notifications 0/1; tags JSON [{"Key","Value"}];
//          created_at, updated_at REAL epoch seconds; filter_version)
//   sampling_rules(name UNIQUE; the SamplingRule members; attributes JSON object; boost_* NULL when
//          no SamplingRateBoost; tags JSON; created_at, modified_at). Migration 1 seeds Default.
//   meta(key PRIMARY KEY, value): 'last_rule_modification' (epoch seconds).

#include <cstdint>

#include "proto/result.h"
#include "storage/database.h"

namespace xrayd::storage {

inline constexpr std::int64_t kStateSchemaVersion = 1;

// Brings a read-write state database to kStateSchemaVersion, one transaction per migration.
// kInvalidArgument if the file is newer than this build; kIOError on SQLite errors.
[[nodiscard]] Status MigrateState(Database& db);

// For read-only opens: kInvalidArgument unless the file is at kStateSchemaVersion.
[[nodiscard]] Status CheckStateSchema(Database& db);

}  // namespace xrayd::storage
