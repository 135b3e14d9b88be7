#pragma once
// AlarmStore: CloudWatch-style alarms, their history and the per-minute group trace counts they
// are evaluated on, in state.db beside the groups (docs/alarms.md#storage). Its tables carry their
// own schema version (alarm_meta), so opening an older state.db adds them without touching the
// groups' PRAGMA user_version.
// Thread-safe: one connection behind a mutex; every write commits before it returns.
// The store keeps alarm definitions as opaque JSON text: their meaning is daemon/alarms/'s.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "proto/result.h"
#include "storage/database.h"

namespace xrayd::storage {

inline constexpr std::int64_t kAlarmSchemaVersion = 1;

struct AlarmRecord {
  std::string name{};
  std::string definition{};  // JSON object, written and read by daemon/alarms/.
  std::string state = "INSUFFICIENT_DATA";
  std::string state_reason{};
  std::string state_reason_data{};  // JSON text or "".
  double state_updated = 0;         // Epoch seconds of the last state change.
  double configuration_updated = 0;
};

struct AlarmHistoryRecord {
  std::string alarm_name;
  double timestamp = 0;
  std::string type;     // ConfigurationUpdate, StateUpdate, Action.
  std::string summary;  // HistorySummary.
  std::string data;     // HistoryData (JSON text).
  std::int64_t id = 0;  // Set by History: the item's row, the tiebreak of equal timestamps.
};

// One minute of a group's ApproximateTraceCount.
struct MinuteCount {
  std::int64_t minute = 0;  // Epoch seconds of the minute's start (a multiple of 60).
  std::int64_t count = 0;
};

struct HistoryQuery {
  std::optional<std::string> alarm_name{};
  std::optional<std::string> type{};
  double start = 0;    // Inclusive.
  double end = 1e300;  // Inclusive.
  std::size_t limit = 100;
  bool ascending = false;  // Oldest first instead of newest first.
  // Set: only items after this one (timestamp, id) in the order asked for (a page's cursor).
  std::optional<std::pair<double, std::int64_t>> after{};
};

class AlarmStore {
 public:
  // Opens `path` (":memory:" for tests), creating or upgrading the alarm tables unless
  // `read_only`. Read-only opens of a file without the tables read as empty. kNotFound if
  // read_only and the file does not exist; kInvalidArgument if the tables are from a newer build;
  // kIOError on SQLite errors.
  [[nodiscard]] static Result<std::unique_ptr<AlarmStore>> Open(const std::string& path,
                                                                bool read_only = false);
  ~AlarmStore();
  AlarmStore(const AlarmStore&) = delete;
  AlarmStore& operator=(const AlarmStore&) = delete;

  // Adds `n` traces to `group`'s count for the minute starting at `minute` (floored to 60 s).
  [[nodiscard]] Status AddGroupTraces(const std::string& group, std::int64_t minute,
                                      std::int64_t n = 1);
  // The minutes of `group` with a count, from <= minute < to, oldest first.
  [[nodiscard]] Result<std::vector<MinuteCount>> GroupCounts(const std::string& group,
                                                             std::int64_t from,
                                                             std::int64_t to) const;
  // Groups that have at least one minute at or after `since`, by name.
  [[nodiscard]] Result<std::vector<std::string>> GroupsWithCounts(std::int64_t since) const;
  // Deletes minutes older than `before` (metric retention). Returns how many were deleted.
  [[nodiscard]] Result<std::int64_t> DeleteCountsBefore(std::int64_t before);

  // Inserts or replaces the alarm named record.name, state fields included.
  [[nodiscard]] Status PutAlarm(const AlarmRecord& record);
  // Every alarm, by name.
  [[nodiscard]] Result<std::vector<AlarmRecord>> ListAlarms() const;
  // kNotFound if there is no such alarm.
  [[nodiscard]] Result<AlarmRecord> FindAlarm(const std::string& name) const;
  // Deletes the alarm and its history. False if there was no such alarm.
  [[nodiscard]] Result<bool> DeleteAlarm(const std::string& name);
  // Sets the state fields of an existing alarm. kNotFound if there is no such alarm.
  [[nodiscard]] Status SetState(const std::string& name, const std::string& state,
                                const std::string& reason, const std::string& reason_data,
                                double when);

  [[nodiscard]] Status AddHistory(const AlarmHistoryRecord& item);
  // Items matching `query`, newest first (oldest first if query.ascending), ties by insertion,
  // at most query.limit.
  [[nodiscard]] Result<std::vector<AlarmHistoryRecord>> History(const HistoryQuery& query) const;

 private:
  AlarmStore(std::unique_ptr<Database> db, bool has_tables)
      : db_(std::move(db)), has_tables_(has_tables) {}

  mutable std::mutex mu_;
  std::unique_ptr<Database> db_;  // GUARDED_BY(mu_)
  bool has_tables_;               // False only for read-only opens of a store without alarms.
  // AddGroupTraces' statement, prepared on its first call (the writer calls it every batch).
  Statement add_group_traces_;  // GUARDED_BY(mu_)
};

}  // namespace xrayd::storage
