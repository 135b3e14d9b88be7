// Alarm evaluation against CloudWatch's rules (docs/alarms.md#evaluation). Expected values are
// worked out by hand from the rules, not taken from the code.
#include "daemon/alarms/alarm_eval.h"

#include <gtest/gtest.h>

namespace xrayd::daemon::alarms {
namespace {

// 2023-11-14 22:13:20 UTC is 1'700'000'000; the minute starts at 1'699'999'980.
constexpr double kMinute = 1'699'999'980;

AlarmDefinition Alarm(std::int64_t n, std::int64_t m, double threshold,
                      Comparison op = Comparison::kGreaterThanOrEqual,
                      MissingData missing = MissingData::kMissing,
                      Statistic statistic = Statistic::kSum, std::int64_t period = 60) {
  AlarmDefinition d;
  d.name = "a";
  d.namespace_name = kXrayNamespace;
  d.metric_name = kTraceCountMetric;
  d.dimensions = {{"GroupName", "SlowRegisteredUsers"}};
  d.evaluation_periods = n;
  d.datapoints_to_alarm = m;
  d.threshold = threshold;
  d.comparison = op;
  d.missing_data = missing;
  d.statistic = statistic;
  d.period = period;
  return d;
}

// Clock 30 s into the minute kMinute (so the current period is [kMinute, kMinute + 60)).
proto::FakeClock ClockInMinute() {
  return proto::FakeClock(kMinute + 30);
}

// Samples for the last periods, oldest first; nullopt = no sample in that minute. The last entry
// is the current minute.
std::vector<Sample> Minutes(const std::vector<std::optional<double>>& values) {
  std::vector<Sample> samples;
  const double first = kMinute - 60.0 * static_cast<double>(values.size() - 1);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i]) {
      samples.push_back({first + 60.0 * static_cast<double>(i), *values[i]});
    }
  }
  return samples;
}

TEST(AlarmEvalTest, OneOfOneBreachesAtThreshold) {
  auto clock = ClockInMinute();
  Evaluation e = Evaluate(Alarm(1, 1, 1), AlarmState::kInsufficientData, Minutes({1.0}), clock);
  EXPECT_EQ(e.state, AlarmState::kAlarm);
  EXPECT_EQ(e.reason,
            "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (14/11/23 22:13:00)] was "
            "greater than or equal to the threshold (1.0) (minimum 1 datapoint for "
            "INSUFFICIENT_DATA -> ALARM transition).");
  EXPECT_EQ(e.reason_data["recentDatapoints"], nlohmann::json::array({1.0}));
  EXPECT_EQ(e.reason_data["period"], 60);
}

TEST(AlarmEvalTest, OneOfOneBelowThresholdIsOk) {
  auto clock = ClockInMinute();
  Evaluation e = Evaluate(Alarm(1, 1, 2), AlarmState::kAlarm, Minutes({1.0}), clock);
  EXPECT_EQ(e.state, AlarmState::kOk);
}

TEST(AlarmEvalTest, EveryComparisonOperatorAtBelowAndAboveThreshold) {
  struct Case {
    Comparison op;
    bool below, at, above;
  };
  const Case cases[] = {
      {Comparison::kGreaterThanOrEqual, false, true, true},
      {Comparison::kGreaterThan, false, false, true},
      {Comparison::kLessThan, true, false, false},
      {Comparison::kLessThanOrEqual, true, true, false},
  };
  auto clock = ClockInMinute();
  for (const Case& c : cases) {
    SCOPED_TRACE(ComparisonName(c.op));
    auto state = [&](double v) {
      return Evaluate(Alarm(1, 1, 5, c.op), AlarmState::kOk, Minutes({v}), clock).state;
    };
    EXPECT_EQ(state(4) == AlarmState::kAlarm, c.below);
    EXPECT_EQ(state(5) == AlarmState::kAlarm, c.at);
    EXPECT_EQ(state(6) == AlarmState::kAlarm, c.above);
  }
}

TEST(AlarmEvalTest, StatisticsOverSamplesOfOnePeriod) {
  // A 5-minute period holding the minutes 2, 7 and 3 (two minutes without traces).
  // The 5-minute period [1'700'000'100, 1'700'000'400) is the current one.
  auto clock = proto::FakeClock(1'700'000'100);
  std::vector<Sample> samples = {{1'700'000'100, 2}, {1'700'000'160, 7}, {1'700'000'280, 3}};
  auto value = [&](Statistic s) {
    auto range =
        EvaluationRange(Alarm(1, 1, 0, Comparison::kGreaterThan, MissingData::kMissing, s, 300),
                        samples, clock.NowSeconds());
    return range.back().value;
  };
  EXPECT_EQ(value(Statistic::kSum), 12);
  EXPECT_EQ(value(Statistic::kAverage), 4);
  EXPECT_EQ(value(Statistic::kMinimum), 2);
  EXPECT_EQ(value(Statistic::kMaximum), 7);
  EXPECT_EQ(value(Statistic::kSampleCount), 3);
}

TEST(AlarmEvalTest, RangeIsAlignedToThePeriodAndEndsWithTheCurrentOne) {
  auto range = EvaluationRange(Alarm(3, 3, 0), {}, kMinute + 59.9);
  ASSERT_EQ(range.size(), 3u);
  EXPECT_EQ(range[0].start, kMinute - 120);
  EXPECT_EQ(range[1].start, kMinute - 60);
  EXPECT_EQ(range[2].start, kMinute);
}

TEST(AlarmEvalTest, HighResolutionPeriodSeesTheMinuteDatapointOnlyInItsFirstTenSeconds) {
  // A per-minute datapoint is stamped with the minute's start: a 10 s period holds it only in
  // [minute, minute + 10).
  AlarmDefinition d =
      Alarm(1, 1, 1, Comparison::kGreaterThanOrEqual, MissingData::kMissing, Statistic::kSum, 10);
  std::vector<Sample> samples = {{kMinute, 4}};
  proto::FakeClock early(kMinute + 5);
  proto::FakeClock late(kMinute + 15);
  EXPECT_EQ(Evaluate(d, AlarmState::kOk, samples, early).state, AlarmState::kAlarm);
  EXPECT_EQ(Evaluate(d, AlarmState::kOk, samples, late).state, AlarmState::kInsufficientData);
}

TEST(AlarmEvalTest, MOutOfNCountsBreachingPeriods) {
  auto clock = ClockInMinute();
  // 2 of 3: two breaching minutes anywhere in the range alarm.
  EXPECT_EQ(Evaluate(Alarm(3, 2, 5), AlarmState::kOk, Minutes({6, 1, 9}), clock).state,
            AlarmState::kAlarm);
  EXPECT_EQ(Evaluate(Alarm(3, 2, 5), AlarmState::kOk, Minutes({1, 1, 9}), clock).state,
            AlarmState::kOk);
  // 3 of 3 needs all three.
  EXPECT_EQ(Evaluate(Alarm(3, 3, 5), AlarmState::kOk, Minutes({6, 7, 8}), clock).state,
            AlarmState::kAlarm);
  EXPECT_EQ(Evaluate(Alarm(3, 3, 5), AlarmState::kAlarm, Minutes({6, 4, 8}), clock).state,
            AlarmState::kOk);
  // A breach older than the range does not count.
  EXPECT_EQ(Evaluate(Alarm(2, 1, 5), AlarmState::kOk, Minutes({9, 1, 1}), clock).state,
            AlarmState::kOk);
}

// TreatMissingData over a 2-of-3 alarm (X = breaching, 0 = not breaching, - = missing).
struct MissingCase {
  const char* pattern;
  AlarmState missing, not_breaching, breaching, ignore;
};

std::vector<std::optional<double>> Pattern(const char* pattern) {
  std::vector<std::optional<double>> values;
  for (const char* c = pattern; *c != '\0'; ++c) {
    if (*c == 'X') {
      values.emplace_back(10);
    } else if (*c == '0') {
      values.emplace_back(0);
    } else {
      values.emplace_back(std::nullopt);
    }
  }
  return values;
}

TEST(AlarmEvalTest, TreatMissingDataModesOverTwoOfThree) {
  // The current state before evaluation is OK, so "ignore" with nothing present stays OK.
  const AlarmState kOk = AlarmState::kOk, kAlarm = AlarmState::kAlarm,
                   kInsufficient = AlarmState::kInsufficientData;
  const MissingCase cases[] = {
      // present: X X 0 -> 2 breaching >= 2.
      {"XX0", kAlarm, kAlarm, kAlarm, kAlarm},
      // X - 0: one breaching; breaching mode adds the missing one -> 2.
      {"X-0", kOk, kOk, kAlarm, kOk},
      // - - X: one breaching present; breaching mode: 3.
      {"--X", kOk, kOk, kAlarm, kOk},
      // - - 0: nothing breaching present; breaching mode: 2 missing -> 2 -> ALARM.
      {"--0", kOk, kOk, kAlarm, kOk},
      // - - -: nothing present at all.
      {"---", kInsufficient, kOk, kAlarm, kOk},
      // 0 0 0.
      {"000", kOk, kOk, kOk, kOk},
  };
  auto clock = ClockInMinute();
  for (const MissingCase& c : cases) {
    SCOPED_TRACE(c.pattern);
    auto state = [&](MissingData mode) {
      return Evaluate(Alarm(3, 2, 5, Comparison::kGreaterThanOrEqual, mode), AlarmState::kOk,
                      Minutes(Pattern(c.pattern)), clock)
          .state;
    };
    EXPECT_EQ(state(MissingData::kMissing), c.missing);
    EXPECT_EQ(state(MissingData::kNotBreaching), c.not_breaching);
    EXPECT_EQ(state(MissingData::kBreaching), c.breaching);
    EXPECT_EQ(state(MissingData::kIgnore), c.ignore);
  }
}

TEST(AlarmEvalTest, IgnoreKeepsTheCurrentStateWhenEverythingIsMissing) {
  auto clock = ClockInMinute();
  AlarmDefinition d = Alarm(1, 1, 1, Comparison::kGreaterThanOrEqual, MissingData::kIgnore);
  EXPECT_EQ(Evaluate(d, AlarmState::kAlarm, {}, clock).state, AlarmState::kAlarm);
  EXPECT_EQ(Evaluate(d, AlarmState::kInsufficientData, {}, clock).state,
            AlarmState::kInsufficientData);
}

TEST(AlarmEvalTest, MissingGivesInsufficientDataWithItsReason) {
  auto clock = ClockInMinute();
  Evaluation e = Evaluate(Alarm(1, 1, 1), AlarmState::kAlarm, {}, clock);
  EXPECT_EQ(e.state, AlarmState::kInsufficientData);
  EXPECT_EQ(e.reason, "Insufficient Data: 1 datapoint was unknown.");
}

TEST(AlarmEvalTest, DataAfterNowIsOutsideTheRange) {
  auto clock = ClockInMinute();
  std::vector<Sample> future = {{kMinute + 60, 100}};
  EXPECT_EQ(Evaluate(Alarm(1, 1, 1), AlarmState::kOk, future, clock).state,
            AlarmState::kInsufficientData);
}

TEST(AlarmEvalTest, OkReasonCountsNonBreachingDatapoints) {
  auto clock = ClockInMinute();
  Evaluation e = Evaluate(Alarm(1, 1, 5), AlarmState::kAlarm, Minutes({2.0}), clock);
  EXPECT_EQ(e.reason,
            "Threshold Crossed: 1 out of the last 1 datapoints [2.0 (14/11/23 22:13:00)] was not "
            "greater than or equal to the threshold (5.0) (minimum 1 datapoint for ALARM -> OK "
            "transition).");
}

}  // namespace
}  // namespace xrayd::daemon::alarms
