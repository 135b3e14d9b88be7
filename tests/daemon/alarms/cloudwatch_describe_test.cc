// DescribeAlarms and DescribeAlarmHistory paging (MaxRecords, NextToken) over a real in-memory
// AlarmStore and a FakeClock.
#include "daemon/alarms/cloudwatch_describe.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/alarms/cloudwatch_api.h"

namespace xrayd::daemon::alarms {
namespace {

using Json = nlohmann::json;

class CloudWatchDescribeTest : public testing::Test {
 protected:
  CloudWatchDescribeTest()
      : store_(std::move(*storage::AlarmStore::Open(":memory:"))),
        clock_(1'700'000'000),
        service_(*store_, clock_, nullptr, {}) {}

  void PutAlarm(const std::string& name) {
    Json params = {{"AlarmName", name},
                   {"Namespace", "AWS/X-Ray"},
                   {"MetricName", "ApproximateTraceCount"},
                   {"Dimensions", {{{"Name", "GroupName"}, {"Value", "G"}}}},
                   {"Statistic", "Sum"},
                   {"Period", 60},
                   {"EvaluationPeriods", 1},
                   {"Threshold", 1},
                   {"ComparisonOperator", "GreaterThanOrEqualToThreshold"},
                   {"TreatMissingData", "notBreaching"}};
    ASSERT_FALSE(HandleCloudWatch(service_, "PutMetricAlarm", params).second);
  }

  // Every page of `op` with `params` (MaxRecords included); the names of each page's items.
  std::vector<std::vector<std::string>> Pages(const std::string& op, Json params, const char* list,
                                              const char* name_key) {
    std::vector<std::vector<std::string>> pages;
    for (int guard = 0; guard < 100; ++guard) {
      auto [result, error] = HandleCloudWatch(service_, op, params);
      EXPECT_FALSE(error) << (error ? error->message : "");
      if (error) {
        break;
      }
      std::vector<std::string> page;
      for (const Json& item : result[list]) {
        page.push_back(item[name_key].get<std::string>());
      }
      pages.push_back(page);
      if (!result.contains("NextToken")) {
        break;
      }
      params["NextToken"] = result["NextToken"];
    }
    return pages;
  }

  std::unique_ptr<storage::AlarmStore> store_;
  proto::FakeClock clock_;
  AlarmService service_;
};

using PageNames = std::vector<std::vector<std::string>>;

TEST_F(CloudWatchDescribeTest, DescribeAlarmsPagesByNameWithMaxRecords) {
  for (const char* name : {"e", "a", "d", "b", "c"}) {
    PutAlarm(name);
  }
  EXPECT_EQ(Pages("DescribeAlarms", {{"MaxRecords", 2}}, "MetricAlarms", "AlarmName"),
            (PageNames{{"a", "b"}, {"c", "d"}, {"e"}}));
  // Query clients send numbers as text.
  EXPECT_EQ(Pages("DescribeAlarms", {{"MaxRecords", "1"}}, "MetricAlarms", "AlarmName").size(), 5u);
  // Exactly one page: no NextToken.
  EXPECT_EQ(Pages("DescribeAlarms", {{"MaxRecords", 5}}, "MetricAlarms", "AlarmName"),
            (PageNames{{"a", "b", "c", "d", "e"}}));
  // Filters apply before paging.
  EXPECT_EQ(Pages("DescribeAlarms", {{"MaxRecords", 1}, {"AlarmNames", {"b", "e"}}}, "MetricAlarms",
                  "AlarmName"),
            (PageNames{{"b"}, {"e"}}));
}

TEST_F(CloudWatchDescribeTest, DescribeAlarmsDefaultsToFiftyAndAllowsAHundred) {
  for (int i = 0; i < 120; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "alarm-%03d", i);
    PutAlarm(name);
  }
  auto [first, error] = HandleCloudWatch(service_, "DescribeAlarms", Json::object());
  ASSERT_FALSE(error);
  EXPECT_EQ(first["MetricAlarms"].size(), 50u);
  EXPECT_TRUE(first.contains("NextToken"));
  auto pages = Pages("DescribeAlarms", {{"MaxRecords", 100}}, "MetricAlarms", "AlarmName");
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].size(), 100u);
  EXPECT_EQ(pages[1].size(), 20u);
  EXPECT_EQ(pages[1].front(), "alarm-100");
}

TEST_F(CloudWatchDescribeTest, APageResumesAfterItsLastAlarmWhateverChangedMeanwhile) {
  for (const char* name : {"a", "b", "c", "d"}) {
    PutAlarm(name);
  }
  auto [first, error] = HandleCloudWatch(service_, "DescribeAlarms", {{"MaxRecords", 2}});
  ASSERT_FALSE(error);
  ASSERT_TRUE(first.contains("NextToken"));
  // "a" deleted and "bb" added before the next page: nothing repeats, nothing after "b" is lost.
  ASSERT_FALSE(HandleCloudWatch(service_, "DeleteAlarms", {{"AlarmNames", {"a"}}}).second);
  PutAlarm("bb");
  auto [second, error2] = HandleCloudWatch(service_, "DescribeAlarms",
                                           {{"MaxRecords", 2}, {"NextToken", first["NextToken"]}});
  ASSERT_FALSE(error2);
  ASSERT_EQ(second["MetricAlarms"].size(), 2u);
  EXPECT_EQ(second["MetricAlarms"][0]["AlarmName"], "bb");
  EXPECT_EQ(second["MetricAlarms"][1]["AlarmName"], "c");
}

TEST_F(CloudWatchDescribeTest, MaxRecordsOutsideOneToAHundredIsAValidationError) {
  for (const char* op : {"DescribeAlarms", "DescribeAlarmHistory"}) {
    for (const Json& bad : {Json(0), Json(101), Json(-1), Json(2.5), Json("x"), Json(1e300)}) {
      auto error = HandleCloudWatch(service_, op, {{"MaxRecords", bad}}).second;
      ASSERT_TRUE(error) << op << " " << bad.dump();
      EXPECT_EQ(error->code, "ValidationError") << op << " " << bad.dump();
      EXPECT_NE(error->message.find("'maxRecords'"), std::string::npos) << error->message;
    }
  }
  auto low = HandleCloudWatch(service_, "DescribeAlarms", {{"MaxRecords", 0}}).second;
  EXPECT_EQ(low->message,
            "1 validation error detected: Value '0' at 'maxRecords' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1");
  auto high = HandleCloudWatch(service_, "DescribeAlarms", {{"MaxRecords", "101"}}).second;
  EXPECT_EQ(high->message,
            "1 validation error detected: Value '101' at 'maxRecords' failed to satisfy "
            "constraint: Member must have value less than or equal to 100");
}

TEST_F(CloudWatchDescribeTest, TokensThatAreNotOursAreInvalidNextToken) {
  PutAlarm("a");
  PutAlarm("b");
  auto [alarms, error] = HandleCloudWatch(service_, "DescribeAlarms", {{"MaxRecords", 1}});
  ASSERT_FALSE(error);
  auto [history, herror] = HandleCloudWatch(service_, "DescribeAlarmHistory", {{"MaxRecords", 1}});
  ASSERT_FALSE(herror);
  ASSERT_TRUE(history.contains("NextToken"));
  for (const Json& token : {Json("not a token"), Json(""), Json("YWJj"), history["NextToken"]}) {
    auto bad = HandleCloudWatch(service_, "DescribeAlarms", {{"NextToken", token}}).second;
    ASSERT_TRUE(bad) << token.dump();
    EXPECT_EQ(bad->code, "InvalidNextToken");
  }
  auto crossed =
      HandleCloudWatch(service_, "DescribeAlarmHistory", {{"NextToken", alarms["NextToken"]}})
          .second;
  ASSERT_TRUE(crossed);
  EXPECT_EQ(crossed->code, "InvalidNextToken");
}

TEST_F(CloudWatchDescribeTest, HistoryPagesNewestFirstOrOldestFirst) {
  PutAlarm("a");  // ConfigurationUpdate at t0, then OK (notBreaching, no data).
  for (int i = 0; i < 3; ++i) {
    clock_.AdvanceSeconds(1);
    ASSERT_FALSE(HandleCloudWatch(service_, "SetAlarmState",
                                  {{"AlarmName", "a"},
                                   {"StateValue", i % 2 == 0 ? "ALARM" : "OK"},
                                   {"StateReason", "step " + std::to_string(i)}})
                     .second);
  }
  // Four StateUpdates: INSUFFICIENT_DATA->OK (t0), OK->ALARM, ALARM->OK, OK->ALARM.
  Json params = {{"AlarmName", "a"}, {"HistoryItemType", "StateUpdate"}, {"MaxRecords", 3}};
  auto pages = Pages("DescribeAlarmHistory", params, "AlarmHistoryItems", "HistorySummary");
  EXPECT_EQ(pages, (PageNames{{"Alarm updated from OK to ALARM", "Alarm updated from ALARM to OK",
                               "Alarm updated from OK to ALARM"},
                              {"Alarm updated from INSUFFICIENT_DATA to OK"}}));
  params["ScanBy"] = "TimestampAscending";
  params["MaxRecords"] = 2;
  pages = Pages("DescribeAlarmHistory", params, "AlarmHistoryItems", "HistorySummary");
  EXPECT_EQ(
      pages,
      (PageNames{{"Alarm updated from INSUFFICIENT_DATA to OK", "Alarm updated from OK to ALARM"},
                 {"Alarm updated from ALARM to OK", "Alarm updated from OK to ALARM"}}));
  // Items of one timestamp (the creation's ConfigurationUpdate and first StateUpdate) page apart.
  pages = Pages("DescribeAlarmHistory", {{"AlarmName", "a"}, {"MaxRecords", 1}},
                "AlarmHistoryItems", "HistoryItemType");
  EXPECT_EQ(pages, (PageNames{{"StateUpdate"},
                              {"StateUpdate"},
                              {"StateUpdate"},
                              {"StateUpdate"},
                              {"ConfigurationUpdate"}}));
  auto bad_scan = HandleCloudWatch(service_, "DescribeAlarmHistory", {{"ScanBy", "Sideways"}});
  ASSERT_TRUE(bad_scan.second);
  EXPECT_EQ(bad_scan.second->code, "ValidationError");
}

}  // namespace
}  // namespace xrayd::daemon::alarms
