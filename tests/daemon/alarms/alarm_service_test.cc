// AlarmService on a FakeClock: alarms leave ALARM as time passes (each TreatMissingData mode, M of
// N, high-resolution periods) and the evaluator thread follows the fake clock, so the return to OK
// is tested without waiting for a real minute.
#include "daemon/alarms/alarm_service.h"

#include <chrono>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/wait_until.h"

namespace xrayd::daemon::alarms {
namespace {

using Json = nlohmann::json;
using testing_support::WaitUntil;

class RecordingNotifier : public AlarmNotifier {
 public:
  void Notify(const std::string& topic_arn, const Json& message) override {
    std::lock_guard lock(mu_);
    sent_.emplace_back(topic_arn, message);
  }
  std::vector<std::pair<std::string, Json>> Sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, Json>> sent_;
};

constexpr double kMinute = 1'699'999'980;  // 2023-11-14 22:13:00 UTC.
constexpr char kTopic[] = "arn:aws:sns:us-east-1:000000000000:oncall";

AlarmDefinition TraceCountAlarm(std::string name, std::int64_t period, MissingData missing,
                                std::int64_t n = 1, std::int64_t m = 1) {
  AlarmDefinition d;
  d.name = std::move(name);
  d.namespace_name = kXrayNamespace;
  d.metric_name = kTraceCountMetric;
  d.dimensions = {{kGroupDimension, "Slow"}};
  d.statistic = Statistic::kSum;
  d.period = period;
  d.evaluation_periods = n;
  d.datapoints_to_alarm = m;
  d.threshold = 1;
  d.comparison = Comparison::kGreaterThanOrEqual;
  d.missing_data = missing;
  d.alarm_actions = {kTopic};
  d.ok_actions = {kTopic};
  return d;
}

class AlarmServiceTest : public testing::Test {
 protected:
  explicit AlarmServiceTest(AlarmServiceOptions options = {})
      : store_(std::move(*storage::AlarmStore::Open(":memory:"))),
        clock_(kMinute + 5),
        service_(*store_, clock_, &notifier_, options) {}

  std::string State(const std::string& name) {
    auto record = store_->FindAlarm(name);
    return record ? record->state : "absent";
  }

  std::unique_ptr<storage::AlarmStore> store_;
  proto::FakeClock clock_;
  RecordingNotifier notifier_;
  AlarmService service_;
};

TEST_F(AlarmServiceTest, EachMissingDataModeWhenTheMinuteLeavesTheRange) {
  const std::pair<MissingData, const char*> cases[] = {
      {MissingData::kNotBreaching, "OK"},
      {MissingData::kMissing, "INSUFFICIENT_DATA"},
      {MissingData::kBreaching, "ALARM"},
      {MissingData::kIgnore, "ALARM"},
  };
  for (const auto& [mode, after] : cases) {
    ASSERT_TRUE(service_.Put(TraceCountAlarm(MissingDataName(mode), 60, mode)));
  }
  service_.CountGroupTrace("Slow", kMinute + 2);
  service_.EvaluateAll();
  for (const auto& [mode, after] : cases) {
    EXPECT_EQ(State(MissingDataName(mode)), "ALARM") << MissingDataName(mode);
  }
  clock_.AdvanceSeconds(60);  // The next minute: no datapoint in the 1-period range.
  service_.EvaluateAll();
  for (const auto& [mode, after] : cases) {
    EXPECT_EQ(State(MissingDataName(mode)), after) << MissingDataName(mode);
  }
  auto record = store_->FindAlarm("notBreaching");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->state_reason,
            "No datapoints in the last 1 periods; missing data treated as notBreaching.");
}

TEST_F(AlarmServiceTest, OneOfThreeStaysInAlarmUntilTheMinuteLeavesAllThreePeriods) {
  ASSERT_TRUE(service_.Put(TraceCountAlarm("Slow3", 60, MissingData::kNotBreaching, 3, 1)));
  service_.CountGroupTrace("Slow", kMinute + 2);
  service_.EvaluateAll();
  EXPECT_EQ(State("Slow3"), "ALARM");
  for (int minute = 1; minute <= 2; ++minute) {
    clock_.AdvanceSeconds(60);
    service_.EvaluateAll();
    EXPECT_EQ(State("Slow3"), "ALARM") << "minute " << minute;
  }
  clock_.AdvanceSeconds(60);
  service_.EvaluateAll();
  EXPECT_EQ(State("Slow3"), "OK");
}

TEST_F(AlarmServiceTest, TenSecondPeriodReturnsToOkTenSecondsAfterTheMinutesStart) {
  ASSERT_TRUE(service_.Put(TraceCountAlarm("Fast", 10, MissingData::kNotBreaching)));
  service_.CountGroupTrace("Slow", kMinute + 3);  // The minute's datapoint is stamped kMinute.
  service_.EvaluateAll();
  EXPECT_EQ(State("Fast"), "ALARM");
  clock_.AdvanceSeconds(4.9);  // kMinute + 9.9: still the period [kMinute, kMinute + 10).
  service_.EvaluateAll();
  EXPECT_EQ(State("Fast"), "ALARM");
  clock_.AdvanceSeconds(0.1);
  service_.EvaluateAll();
  EXPECT_EQ(State("Fast"), "OK");
  const auto sent = notifier_.Sent();
  ASSERT_GE(sent.size(), 2u);
  EXPECT_EQ(sent.back().second["OldStateValue"], "ALARM");
  EXPECT_EQ(sent.back().second["NewStateValue"], "OK");
  EXPECT_EQ(sent.back().second["Trigger"]["Period"], 10);
}

class AlarmServiceThreadTest : public AlarmServiceTest {
 protected:
  // Rounds every hour of (fake) steady time: only new data or the fake clock start one.
  AlarmServiceThreadTest() : AlarmServiceTest(Options()) {}
  static AlarmServiceOptions Options() {
    AlarmServiceOptions options;
    options.interval = std::chrono::hours(1);
    return options;
  }
};

TEST_F(AlarmServiceThreadTest, EvaluatorThreadFollowsTheFakeClockBackToOk) {
  ASSERT_TRUE(service_.Put(TraceCountAlarm("Slow", 60, MissingData::kNotBreaching)));
  ASSERT_EQ(State("Slow"), "OK");
  service_.Start();
  service_.CountGroupTrace("Slow", kMinute + 6);  // New data: a round within 100 ms.
  ASSERT_TRUE(WaitUntil([&] { return State("Slow") == "ALARM"; }, std::chrono::seconds(5)));
  // No real time passes for the alarm: the fake hour makes a round due and the minute old.
  clock_.AdvanceSeconds(3600);
  ASSERT_TRUE(WaitUntil([&] { return State("Slow") == "OK"; }, std::chrono::seconds(5)));
  service_.Stop();
  const auto sent = notifier_.Sent();
  ASSERT_EQ(sent.size(), 3u);  // OK on creation, ALARM, OK.
  EXPECT_EQ(sent[1].second["NewStateValue"], "ALARM");
  EXPECT_EQ(sent[2].second["OldStateValue"], "ALARM");
  EXPECT_EQ(sent[2].second["NewStateValue"], "OK");
  storage::HistoryQuery query;
  query.alarm_name = "Slow";
  query.type = "StateUpdate";
  auto history = store_->History(query);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].summary, "Alarm updated from ALARM to OK");
}

}  // namespace
}  // namespace xrayd::daemon::alarms
