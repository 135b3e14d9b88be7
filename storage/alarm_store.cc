#include "storage/alarm_store.h"

#include <array>
#include <string_view>
#include <utility>

namespace xrayd::storage {
namespace {

// Error propagation inside this file: ALARM_TRY(status_expr) returns a failed Status or Result's
// Error; ALARM_TRY_ASSIGN(decl, result_expr) also declares `decl` from the value.
#define ALARM_TRY(...)                                                    \
  do {                                                                    \
    auto alarm_try_status_ = (__VA_ARGS__);                               \
    if (!alarm_try_status_) {                                             \
      return ::tl::unexpected<::xrayd::Error>(alarm_try_status_.error()); \
    }                                                                     \
  } while (false)
#define ALARM_TRY_CONCAT_INNER_(a, b) a##b
#define ALARM_TRY_CONCAT_(a, b) ALARM_TRY_CONCAT_INNER_(a, b)
#define ALARM_TRY_ASSIGN(lhs, ...) \
  ALARM_TRY_ASSIGN_IMPL_(ALARM_TRY_CONCAT_(alarm_try_value_, __LINE__), lhs, __VA_ARGS__)
#define ALARM_TRY_ASSIGN_IMPL_(tmp, lhs, ...)                        \
  auto tmp = (__VA_ARGS__);                                          \
  if (!tmp) {                                                        \
    return ::tl::unexpected<::xrayd::Error>(std::move(tmp).error()); \
  }                                                                  \
  lhs = std::move(*tmp)

// kAlarmMigrations[i] takes the alarm schema from version i to i + 1. Never edit a shipped entry:
// append a new one.
constexpr std::array<std::string_view, kAlarmSchemaVersion> kAlarmMigrations = {
    R"sql(
CREATE TABLE IF NOT EXISTS alarm_meta(key TEXT PRIMARY KEY, value NOT NULL);
CREATE TABLE group_minute_counts(
  group_name TEXT NOT NULL,
  minute INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY(group_name, minute)
) WITHOUT ROWID;
CREATE TABLE alarms(
  name TEXT PRIMARY KEY,
  definition TEXT NOT NULL,
  state TEXT NOT NULL,
  state_reason TEXT NOT NULL,
  state_reason_data TEXT NOT NULL,
  state_updated REAL NOT NULL,
  configuration_updated REAL NOT NULL
);
CREATE TABLE alarm_history(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  alarm_name TEXT NOT NULL,
  timestamp REAL NOT NULL,
  type TEXT NOT NULL,
  summary TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX alarm_history_by_alarm ON alarm_history(alarm_name, timestamp);
)sql",
};

Result<bool> TableExists(Database& db, std::string_view table) {
  ALARM_TRY_ASSIGN(Statement stmt,
                   db.Prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?1"));
  ALARM_TRY(stmt.BindText(1, table));
  return stmt.Step();
}

Result<std::int64_t> AlarmSchemaVersion(Database& db) {
  ALARM_TRY_ASSIGN(bool exists, TableExists(db, "alarm_meta"));
  if (!exists) {
    return 0;
  }
  ALARM_TRY_ASSIGN(Statement stmt,
                   db.Prepare("SELECT value FROM alarm_meta WHERE key='schema_version'"));
  ALARM_TRY_ASSIGN(bool row, stmt.Step());
  return row ? stmt.ColumnInt64(0) : 0;
}

Status MigrateAlarms(Database& db) {
  ALARM_TRY_ASSIGN(std::int64_t version, AlarmSchemaVersion(db));
  if (version > kAlarmSchemaVersion) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "alarm schema version " + std::to_string(version) +
                         " is newer than this build's " + std::to_string(kAlarmSchemaVersion));
  }
  for (std::int64_t v = version; v < kAlarmSchemaVersion; ++v) {
    std::string sql = "BEGIN IMMEDIATE;";
    sql += kAlarmMigrations[static_cast<std::size_t>(v)];
    sql += "INSERT OR REPLACE INTO alarm_meta(key, value) VALUES('schema_version', " +
           std::to_string(v + 1) + ");COMMIT;";
    if (Status status = db.Exec(sql); !status) {
      if (!db.InAutocommit()) {
        (void)db.Exec("ROLLBACK");
      }
      return status;
    }
  }
  return {};
}

AlarmRecord ReadAlarm(const Statement& stmt) {
  AlarmRecord record;
  record.name = std::string(stmt.ColumnText(0));
  record.definition = std::string(stmt.ColumnText(1));
  record.state = std::string(stmt.ColumnText(2));
  record.state_reason = std::string(stmt.ColumnText(3));
  record.state_reason_data = std::string(stmt.ColumnText(4));
  record.state_updated = stmt.ColumnDouble(5);
  record.configuration_updated = stmt.ColumnDouble(6);
  return record;
}

constexpr std::string_view kSelectAlarm =
    "SELECT name, definition, state, state_reason, state_reason_data, state_updated, "
    "configuration_updated FROM alarms";

}  // namespace

Result<std::unique_ptr<AlarmStore>> AlarmStore::Open(const std::string& path, bool read_only) {
  DatabaseOptions options;
  options.read_only = read_only;
  options.page_size = 4096;
  options.cache_kib = 512;
  options.wal_autocheckpoint_kib = 1024;
  ALARM_TRY_ASSIGN(auto db, Database::Open(path, options));
  bool has_tables = true;
  if (read_only) {
    ALARM_TRY_ASSIGN(std::int64_t version, AlarmSchemaVersion(*db));
    has_tables = version == kAlarmSchemaVersion;
    if (version > kAlarmSchemaVersion) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "alarm schema version " + std::to_string(version) + " is newer than this build's");
    }
  } else {
    ALARM_TRY(MigrateAlarms(*db));
  }
  return std::unique_ptr<AlarmStore>(new AlarmStore(std::move(db), has_tables));
}

AlarmStore::~AlarmStore() = default;

Status AlarmStore::AddGroupTraces(const std::string& group, std::int64_t minute, std::int64_t n) {
  std::lock_guard lock(mu_);
  if (!add_group_traces_.valid()) {
    ALARM_TRY_ASSIGN(add_group_traces_,
                     db_->Prepare("INSERT INTO group_minute_counts(group_name, minute, count) "
                                  "VALUES(?1, ?2, ?3) ON CONFLICT(group_name, minute) "
                                  "DO UPDATE SET count = count + excluded.count"));
  }
  Statement& stmt = add_group_traces_;
  ResetOnExit reset(stmt);
  ALARM_TRY(stmt.BindText(1, group));
  ALARM_TRY(stmt.BindInt64(2, minute - (((minute % 60) + 60) % 60)));
  ALARM_TRY(stmt.BindInt64(3, n));
  return stmt.Run();
}

Result<std::vector<MinuteCount>> AlarmStore::GroupCounts(const std::string& group,
                                                         std::int64_t from, std::int64_t to) const {
  std::lock_guard lock(mu_);
  std::vector<MinuteCount> counts;
  if (!has_tables_) {
    return counts;
  }
  ALARM_TRY_ASSIGN(
      Statement stmt,
      db_->Prepare("SELECT minute, count FROM group_minute_counts WHERE "
                   "group_name = ?1 AND minute >= ?2 AND minute < ?3 ORDER BY minute"));
  ALARM_TRY(stmt.BindText(1, group));
  ALARM_TRY(stmt.BindInt64(2, from));
  ALARM_TRY(stmt.BindInt64(3, to));
  for (;;) {
    ALARM_TRY_ASSIGN(bool row, stmt.Step());
    if (!row) {
      break;
    }
    counts.push_back({stmt.ColumnInt64(0), stmt.ColumnInt64(1)});
  }
  return counts;
}

Result<std::vector<std::string>> AlarmStore::GroupsWithCounts(std::int64_t since) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> groups;
  if (!has_tables_) {
    return groups;
  }
  ALARM_TRY_ASSIGN(Statement stmt,
                   db_->Prepare("SELECT DISTINCT group_name FROM group_minute_counts "
                                "WHERE minute >= ?1 ORDER BY group_name"));
  ALARM_TRY(stmt.BindInt64(1, since));
  for (;;) {
    ALARM_TRY_ASSIGN(bool row, stmt.Step());
    if (!row) {
      break;
    }
    groups.emplace_back(stmt.ColumnText(0));
  }
  return groups;
}

Result<std::int64_t> AlarmStore::DeleteCountsBefore(std::int64_t before) {
  std::lock_guard lock(mu_);
  ALARM_TRY_ASSIGN(Statement stmt,
                   db_->Prepare("DELETE FROM group_minute_counts WHERE minute < ?1"));
  ALARM_TRY(stmt.BindInt64(1, before));
  ALARM_TRY(stmt.Run());
  return db_->Changes();
}

Status AlarmStore::PutAlarm(const AlarmRecord& record) {
  std::lock_guard lock(mu_);
  ALARM_TRY_ASSIGN(
      Statement stmt,
      db_->Prepare("INSERT OR REPLACE INTO alarms(name, definition, state, state_reason, "
                   "state_reason_data, state_updated, configuration_updated) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  ALARM_TRY(stmt.BindText(1, record.name));
  ALARM_TRY(stmt.BindText(2, record.definition));
  ALARM_TRY(stmt.BindText(3, record.state));
  ALARM_TRY(stmt.BindText(4, record.state_reason));
  ALARM_TRY(stmt.BindText(5, record.state_reason_data));
  ALARM_TRY(stmt.BindDouble(6, record.state_updated));
  ALARM_TRY(stmt.BindDouble(7, record.configuration_updated));
  return stmt.Run();
}

Result<std::vector<AlarmRecord>> AlarmStore::ListAlarms() const {
  std::lock_guard lock(mu_);
  std::vector<AlarmRecord> alarms;
  if (!has_tables_) {
    return alarms;
  }
  ALARM_TRY_ASSIGN(Statement stmt, db_->Prepare(std::string(kSelectAlarm) + " ORDER BY name"));
  for (;;) {
    ALARM_TRY_ASSIGN(bool row, stmt.Step());
    if (!row) {
      break;
    }
    alarms.push_back(ReadAlarm(stmt));
  }
  return alarms;
}

Result<AlarmRecord> AlarmStore::FindAlarm(const std::string& name) const {
  std::lock_guard lock(mu_);
  if (has_tables_) {
    ALARM_TRY_ASSIGN(Statement stmt, db_->Prepare(std::string(kSelectAlarm) + " WHERE name = ?1"));
    ALARM_TRY(stmt.BindText(1, name));
    ALARM_TRY_ASSIGN(bool row, stmt.Step());
    if (row) {
      return ReadAlarm(stmt);
    }
  }
  return MakeError(ErrorCode::kNotFound, "no alarm named " + name);
}

Result<bool> AlarmStore::DeleteAlarm(const std::string& name) {
  std::lock_guard lock(mu_);
  ALARM_TRY_ASSIGN(Statement stmt, db_->Prepare("DELETE FROM alarms WHERE name = ?1"));
  ALARM_TRY(stmt.BindText(1, name));
  ALARM_TRY(stmt.Run());
  bool deleted = db_->Changes() > 0;
  ALARM_TRY_ASSIGN(Statement history,
                   db_->Prepare("DELETE FROM alarm_history WHERE alarm_name = ?1"));
  ALARM_TRY(history.BindText(1, name));
  ALARM_TRY(history.Run());
  return deleted;
}

Status AlarmStore::SetState(const std::string& name, const std::string& state,
                            const std::string& reason, const std::string& reason_data,
                            double when) {
  std::lock_guard lock(mu_);
  ALARM_TRY_ASSIGN(Statement stmt,
                   db_->Prepare("UPDATE alarms SET state = ?2, state_reason = ?3, "
                                "state_reason_data = ?4, state_updated = ?5 WHERE name = ?1"));
  ALARM_TRY(stmt.BindText(1, name));
  ALARM_TRY(stmt.BindText(2, state));
  ALARM_TRY(stmt.BindText(3, reason));
  ALARM_TRY(stmt.BindText(4, reason_data));
  ALARM_TRY(stmt.BindDouble(5, when));
  ALARM_TRY(stmt.Run());
  if (db_->Changes() == 0) {
    return MakeError(ErrorCode::kNotFound, "no alarm named " + name);
  }
  return {};
}

Status AlarmStore::AddHistory(const AlarmHistoryRecord& item) {
  std::lock_guard lock(mu_);
  ALARM_TRY_ASSIGN(Statement stmt,
                   db_->Prepare("INSERT INTO alarm_history(alarm_name, timestamp, type, summary, "
                                "data) VALUES(?1, ?2, ?3, ?4, ?5)"));
  ALARM_TRY(stmt.BindText(1, item.alarm_name));
  ALARM_TRY(stmt.BindDouble(2, item.timestamp));
  ALARM_TRY(stmt.BindText(3, item.type));
  ALARM_TRY(stmt.BindText(4, item.summary));
  ALARM_TRY(stmt.BindText(5, item.data));
  return stmt.Run();
}

Result<std::vector<AlarmHistoryRecord>> AlarmStore::History(const HistoryQuery& query) const {
  std::lock_guard lock(mu_);
  std::vector<AlarmHistoryRecord> items;
  if (!has_tables_) {
    return items;
  }
  const char* order = query.ascending ? "ASC" : "DESC";
  const char* beyond = query.ascending ? ">" : "<";
  std::string sql =
      "SELECT alarm_name, timestamp, type, summary, data, id FROM alarm_history "
      "WHERE (?1 IS NULL OR alarm_name = ?1) AND (?2 IS NULL OR type = ?2) AND "
      "timestamp >= ?3 AND timestamp <= ?4";
  if (query.after) {
    sql += std::string(" AND (timestamp ") + beyond + " ?6 OR (timestamp = ?6 AND id " + beyond +
           " ?7))";
  }
  sql += std::string(" ORDER BY timestamp ") + order + ", id " + order + " LIMIT ?5";
  ALARM_TRY_ASSIGN(Statement stmt, db_->Prepare(sql));
  if (query.alarm_name) {
    ALARM_TRY(stmt.BindText(1, *query.alarm_name));
  } else {
    ALARM_TRY(stmt.BindNull(1));
  }
  if (query.type) {
    ALARM_TRY(stmt.BindText(2, *query.type));
  } else {
    ALARM_TRY(stmt.BindNull(2));
  }
  ALARM_TRY(stmt.BindDouble(3, query.start));
  ALARM_TRY(stmt.BindDouble(4, query.end));
  ALARM_TRY(stmt.BindInt64(5, static_cast<std::int64_t>(query.limit)));
  if (query.after) {
    ALARM_TRY(stmt.BindDouble(6, query.after->first));
    ALARM_TRY(stmt.BindInt64(7, query.after->second));
  }
  for (;;) {
    ALARM_TRY_ASSIGN(bool row, stmt.Step());
    if (!row) {
      break;
    }
    items.push_back({std::string(stmt.ColumnText(0)), stmt.ColumnDouble(1),
                     std::string(stmt.ColumnText(2)), std::string(stmt.ColumnText(3)),
                     std::string(stmt.ColumnText(4)), stmt.ColumnInt64(5)});
  }
  return items;
}

}  // namespace xrayd::storage
