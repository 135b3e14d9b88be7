// AlarmStore: alarms, history and per-minute group counts in state.db.
#include "storage/alarm_store.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "storage/state_store.h"

namespace xrayd::storage {
namespace {

std::string TempPath(const std::string& name) {
  std::string path = testing::TempDir() + "/alarm_store_" + name + ".db";
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return path;
}

TEST(AlarmStoreTest, CountsAddUpPerGroupAndMinute) {
  auto store = AlarmStore::Open(":memory:");
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->AddGroupTraces("A", 120));
  ASSERT_TRUE((*store)->AddGroupTraces("A", 179));  // Same minute as 120.
  ASSERT_TRUE((*store)->AddGroupTraces("A", 180, 3));
  ASSERT_TRUE((*store)->AddGroupTraces("B", 120));
  auto counts = (*store)->GroupCounts("A", 0, 1000);
  ASSERT_TRUE(counts);
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].minute, 120);
  EXPECT_EQ((*counts)[0].count, 2);
  EXPECT_EQ((*counts)[1].minute, 180);
  EXPECT_EQ((*counts)[1].count, 3);
  auto window = (*store)->GroupCounts("A", 121, 180);  // [121, 180) holds neither minute.
  ASSERT_TRUE(window);
  EXPECT_TRUE(window->empty());
  auto groups = (*store)->GroupsWithCounts(0);
  ASSERT_TRUE(groups);
  EXPECT_EQ(*groups, (std::vector<std::string>{"A", "B"}));
  auto deleted = (*store)->DeleteCountsBefore(180);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 2);
}

TEST(AlarmStoreTest, AlarmsAndHistorySurviveReopening) {
  std::string path = TempPath("reopen");
  {
    auto store = AlarmStore::Open(path);
    ASSERT_TRUE(store) << store.error().message;
    AlarmRecord record{.name = "Slow", .definition = R"({"AlarmName":"Slow"})"};
    ASSERT_TRUE((*store)->PutAlarm(record));
    ASSERT_TRUE((*store)->SetState("Slow", "ALARM", "Threshold Crossed", "{}", 100));
    ASSERT_TRUE((*store)->AddHistory({"Slow", 100, "StateUpdate", "Alarm updated", "{}"}));
    ASSERT_TRUE((*store)->AddGroupTraces("SlowRegisteredUsers", 60));
  }
  auto store = AlarmStore::Open(path);
  ASSERT_TRUE(store);
  auto alarm = (*store)->FindAlarm("Slow");
  ASSERT_TRUE(alarm);
  EXPECT_EQ(alarm->state, "ALARM");
  EXPECT_EQ(alarm->state_reason, "Threshold Crossed");
  EXPECT_EQ(alarm->state_updated, 100);
  auto history = (*store)->History({.alarm_name = "Slow"});
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].type, "StateUpdate");
  auto counts = (*store)->GroupCounts("SlowRegisteredUsers", 0, 120);
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->size(), 1u);
}

TEST(AlarmStoreTest, AddsItsTablesToAnExistingStateDbAndKeepsTheGroups) {
  std::string path = TempPath("migrate");
  {
    auto state = StateStore::Open(path);
    ASSERT_TRUE(state) << state.error().message;
    NewGroup group;
    group.name = "RegisteredUsers";
    ASSERT_TRUE((*state)->CreateGroup(group, 1));
  }
  {
    auto readonly = AlarmStore::Open(path, /*read_only=*/true);
    ASSERT_TRUE(readonly) << readonly.error().message;
    auto alarms = (*readonly)->ListAlarms();
    ASSERT_TRUE(alarms);
    EXPECT_TRUE(alarms->empty());  // Not migrated yet: reads as empty.
  }
  auto store = AlarmStore::Open(path);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->PutAlarm({.name = "x", .definition = "{}"}));
  auto state = StateStore::Open(path);
  ASSERT_TRUE(state) << state.error().message;
  ResourceRef ref;
  ref.name = "RegisteredUsers";
  EXPECT_TRUE((*state)->FindGroup(ref));
  auto again = AlarmStore::Open(path);  // Already migrated: opening again changes nothing.
  ASSERT_TRUE(again);
  auto alarms = (*again)->ListAlarms();
  ASSERT_TRUE(alarms);
  EXPECT_EQ(alarms->size(), 1u);
}

TEST(AlarmStoreTest, DeleteAndMissingAlarms) {
  auto store = AlarmStore::Open(":memory:");
  ASSERT_TRUE(store);
  EXPECT_EQ((*store)->FindAlarm("nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ((*store)->SetState("nope", "OK", "", "", 1).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE((*store)->PutAlarm({.name = "x", .definition = "{}"}));
  ASSERT_TRUE((*store)->AddHistory({"x", 1, "ConfigurationUpdate", "Alarm created", "{}"}));
  auto deleted = (*store)->DeleteAlarm("x");
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE(*(*store)->DeleteAlarm("x"));
  EXPECT_TRUE((*store)->History({})->empty());
}

TEST(AlarmStoreTest, HistoryIsNewestFirstAndFiltered) {
  auto store = AlarmStore::Open(":memory:");
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->AddHistory({"a", 1, "ConfigurationUpdate", "created", "{}"}));
  ASSERT_TRUE((*store)->AddHistory({"a", 2, "StateUpdate", "to ALARM", "{}"}));
  ASSERT_TRUE((*store)->AddHistory({"b", 3, "StateUpdate", "to OK", "{}"}));
  auto all = (*store)->History({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].alarm_name, "b");
  auto state_updates = (*store)->History({.type = "StateUpdate", .limit = 1});
  ASSERT_TRUE(state_updates);
  ASSERT_EQ(state_updates->size(), 1u);
  EXPECT_EQ((*state_updates)[0].timestamp, 3);
  auto window = (*store)->History({.alarm_name = "a", .start = 1.5, .end = 2.5});
  ASSERT_TRUE(window);
  ASSERT_EQ(window->size(), 1u);
  EXPECT_EQ((*window)[0].summary, "to ALARM");
}

}  // namespace
}  // namespace xrayd::storage
