#include "storage/state_schema.h"

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "storage/migrations.h"

namespace xrayd::storage {
namespace {

// kMigrations[i] takes user_version i to i + 1. Never edit a shipped entry: append a new one.
constexpr std::array<std::string_view, kStateSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE groups(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  uid TEXT NOT NULL,
  filter_expression TEXT,
  insights_enabled INTEGER NOT NULL,
  notifications_enabled INTEGER NOT NULL,
  tags TEXT NOT NULL,
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL,
  filter_version INTEGER NOT NULL
);
CREATE TABLE sampling_rules(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  resource_arn TEXT NOT NULL,
  priority INTEGER NOT NULL,
  fixed_rate REAL NOT NULL,
  reservoir_size INTEGER NOT NULL,
  service_name TEXT NOT NULL,
  service_type TEXT NOT NULL,
  host TEXT NOT NULL,
  http_method TEXT NOT NULL,
  url_path TEXT NOT NULL,
  version INTEGER NOT NULL,
  attributes TEXT NOT NULL,
  boost_max_rate REAL,
  boost_cooldown_minutes INTEGER,
  tags TEXT NOT NULL,
  created_at REAL NOT NULL,
  modified_at REAL NOT NULL
);
INSERT INTO sampling_rules(name, resource_arn, priority, fixed_rate, reservoir_size, service_name,
  service_type, host, http_method, url_path, version, attributes, tags, created_at, modified_at)
  VALUES('Default', '*', 10000, 0.05, 1, '*', '*', '*', '*', '*', 1, '{}', '[]', 0, 0);
CREATE TABLE meta(key TEXT PRIMARY KEY, value NOT NULL);
INSERT INTO meta(key, value) VALUES('last_rule_modification', 0);
)sql",
};

}  // namespace

Status MigrateState(Database& db) {
  return MigrateUserVersion(db, kMigrations, "state schema");
}

Status CheckStateSchema(Database& db) {
  XRAYD_TRY_ASSIGN(auto version, db.QueryInt("PRAGMA user_version"));
  if (version != kStateSchemaVersion) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "state schema version " + std::to_string(version) +
                         " differs from this build's " + std::to_string(kStateSchemaVersion));
  }
  return {};
}

}  // namespace xrayd::storage
