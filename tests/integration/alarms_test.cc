// The real xrayd process with CloudWatch alarms (docs/alarms.md): alarms made through AWS JSON 1.0,
// RPC v2 CBOR and the query protocol on the TCP port, traces over UDP counted into a group's
// ApproximateTraceCount, the alarm's state following them, its webhook and command actions,
// persistence in state.db, and CloudWatch's error shapes for bad input.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "storage/database.h"
#include "tests/integration/alarms_support.h"
#include "tests/integration/daemon_process_support.h"
#include "tests/support/wait_until.h"

namespace xrayd::testing_support {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kTopicPrefix[] = "arn:aws:sns:us-east-1:000000000000:";

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A trace must be counted in the minute it is sent for a 60 s alarm to see it: when the minute is
// about to end, wait (polling the clock) for the next one.
void WaitForRoomInMinute() {
  ASSERT_TRUE(WaitUntil([] { return static_cast<long>(Now()) % 60 < 50; }, seconds(15)));
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void CreateGroup(const DaemonProcess& daemon, const std::string& name, const std::string& filter) {
  HttpResult created = HttpPost(daemon.TcpPort(), "/CreateGroup",
                                json{{"GroupName", name}, {"FilterExpression", filter}}.dump());
  ASSERT_EQ(created.status, 200) << created.body;
}

json TraceCountAlarm(const std::string& name, const std::string& group, int period,
                     const std::string& missing, const std::vector<std::string>& alarm_topics,
                     const std::vector<std::string>& ok_topics = {}) {
  json alarm = {{"AlarmName", name},
                {"Namespace", "AWS/X-Ray"},
                {"MetricName", "ApproximateTraceCount"},
                {"Dimensions", {{{"Name", "GroupName"}, {"Value", group}}}},
                {"Statistic", "Sum"},
                {"Period", period},
                {"EvaluationPeriods", 1},
                {"Threshold", 1},
                {"ComparisonOperator", "GreaterThanOrEqualToThreshold"},
                {"TreatMissingData", missing},
                {"AlarmActions", json::array()},
                {"OKActions", json::array()}};
  for (const std::string& topic : alarm_topics) {
    alarm["AlarmActions"].push_back(kTopicPrefix + topic);
  }
  for (const std::string& topic : ok_topics) {
    alarm["OKActions"].push_back(kTopicPrefix + topic);
  }
  return alarm;
}

// The alarm as DescribeAlarms (AWS JSON 1.0) returns it; null if absent.
json DescribeAlarm(const DaemonProcess& daemon, const std::string& name) {
  HttpResult result = CloudWatchJson(daemon.TcpPort(), "DescribeAlarms", {{"AlarmNames", {name}}});
  EXPECT_EQ(result.status, 200) << result.body;
  json body = json::parse(result.body, nullptr, false);
  if (!body.is_object() || !body.contains("MetricAlarms") || body["MetricAlarms"].empty()) {
    return nullptr;
  }
  return body["MetricAlarms"][0];
}

// GetMetricStatistics parameters: group Gold's ApproximateTraceCount per minute, from ten minutes
// before `minute` to ten minutes after.
json GoldTraceCounts(double minute, const json& statistics) {
  return {{"Namespace", "AWS/X-Ray"},
          {"MetricName", "ApproximateTraceCount"},
          {"Dimensions", {{{"Name", "GroupName"}, {"Value", "Gold"}}}},
          {"StartTime", minute - 600},
          {"EndTime", minute + 600},
          {"Period", 60},
          {"Statistics", statistics}};
}

std::string StateOf(const DaemonProcess& daemon, const std::string& name) {
  json alarm = DescribeAlarm(daemon, name);
  return alarm.is_object() ? alarm.value("StateValue", "") : "";
}

TEST(AlarmsTest, TracesOfAGroupFireTheAlarmItsWebhookAndCommandRunAndItReturnsToOk) {
  const std::string dir = MakeTempDir("alarms_fire");
  FakeWebhook webhook;
  ASSERT_NE(webhook.Port(), 0);
  const std::string command_out = dir + "/command.json";
  DaemonProcess daemon(dir + "/data",
                       {"--alarm-webhook", "ops=" + webhook.Url(), "--alarm-command",
                        "pager=cat > " + command_out, "--alarm-eval-interval", "200ms"});
  ASSERT_TRUE(daemon.Started()) << daemon.Log();
  CreateGroup(daemon, "Gold", "annotation.tier = \"gold\"");

  HttpResult put = CloudWatchJson(
      daemon.TcpPort(), "PutMetricAlarm",
      TraceCountAlarm("GoldTraffic", "Gold", 60, "notBreaching", {"ops", "pager"}, {"ops"}));
  ASSERT_EQ(put.status, 200) << put.body;
  // No data, notBreaching: the first evaluation makes it OK (and notifies the OK action).
  ASSERT_TRUE(WaitUntil([&] { return StateOf(daemon, "GoldTraffic") == "OK"; }, seconds(10)));
  ASSERT_TRUE(WaitUntil([&] { return webhook.Delivered().size() == 1; }, seconds(10)));

  WaitForRoomInMinute();
  const double sent_at = Now();
  SendTierSegment(daemon.UdpPort(), "silver");  // Not a member of Gold.
  SendTierSegment(daemon.UdpPort(), "gold");
  ASSERT_TRUE(WaitUntil([&] { return StateOf(daemon, "GoldTraffic") == "ALARM"; }, seconds(20)))
      << daemon.Log();
  json alarm = DescribeAlarm(daemon, "GoldTraffic");
  EXPECT_NE(alarm["StateReason"].get<std::string>().find("Threshold Crossed: 1 out of the last 1 "
                                                         "datapoints [1.0"),
            std::string::npos)
      << alarm.dump();

  // The webhook got CloudWatch's SNS alarm message, as JSON.
  ASSERT_TRUE(WaitUntil([&] { return webhook.Delivered().size() >= 2; }, seconds(10)));
  EXPECT_EQ(webhook.LastContentType().rfind("application/json", 0), 0u);
  json message = json::parse(webhook.Delivered()[1], nullptr, false);
  ASSERT_TRUE(message.is_object()) << webhook.Delivered()[1];
  EXPECT_EQ(message["AlarmName"], "GoldTraffic");
  EXPECT_EQ(message["NewStateValue"], "ALARM");
  EXPECT_EQ(message["OldStateValue"], "OK");
  EXPECT_EQ(message["Trigger"]["MetricName"], "ApproximateTraceCount");
  EXPECT_EQ(message["Trigger"]["Namespace"], "AWS/X-Ray");
  EXPECT_EQ(message["Trigger"]["Dimensions"][0]["value"], "Gold");
  EXPECT_EQ(message["Trigger"]["Period"], 60);
  EXPECT_EQ(message["Trigger"]["ComparisonOperator"], "GreaterThanOrEqualToThreshold");

  // The command got the same message on its stdin.
  ASSERT_TRUE(WaitUntil(
      [&] { return json::parse(ReadText(command_out), nullptr, false).is_object(); }, seconds(10)));
  json from_command = json::parse(ReadText(command_out));
  EXPECT_EQ(from_command["AlarmName"], "GoldTraffic");
  EXPECT_EQ(from_command["NewStateValue"], "ALARM");

  // The metric holds the gold trace only, in the minute it was received (GetMetricStatistics,
  // answered in CBOR).
  const double minute = std::floor(sent_at / 60) * 60;
  HttpResult stats = CloudWatchCbor(daemon.TcpPort(), "GetMetricStatistics",
                                    GoldTraceCounts(minute, {"Sum", "SampleCount"}));
  ASSERT_EQ(stats.status, 200) << stats.body;
  json points = FromCbor(stats.body)["Datapoints"];
  ASSERT_EQ(points.size(), 1u) << FromCbor(stats.body).dump();
  EXPECT_EQ(points[0]["Sum"], 1.0);
  EXPECT_EQ(points[0]["Timestamp"], minute);

  EXPECT_GE(daemon.WaitForMetric("xrayd_alarm_actions_total{result=\"delivered\"}", 3), 3);
  EXPECT_NE(daemon.Log().find("alarm GoldTraffic OK -> ALARM"), std::string::npos) << daemon.Log();

  // Data stops: when the trace's minute leaves the range, the missing period is notBreaching and
  // the alarm returns to OK, notifying its OK action. With the 60 s period that takes up to a
  // minute; the same alarm updated to a 10 s (high-resolution) period sees the minute's datapoint
  // only in the minute's first 10 s, so the evaluator returns it to OK within about 10 s. (The
  // 60 s case runs on a FakeClock in AlarmServiceTest.)
  json high_resolution =
      TraceCountAlarm("GoldTraffic", "Gold", 10, "notBreaching", {"ops", "pager"}, {"ops"});
  ASSERT_EQ(CloudWatchJson(daemon.TcpPort(), "PutMetricAlarm", high_resolution).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return StateOf(daemon, "GoldTraffic") == "OK"; }, seconds(15)))
      << daemon.Log();
  EXPECT_GE(Now(), minute + 10);
  ASSERT_TRUE(WaitUntil([&] { return webhook.Delivered().size() >= 3; }, seconds(10)));
  json ok = json::parse(webhook.Delivered()[2], nullptr, false);
  EXPECT_EQ(ok["NewStateValue"], "OK");
  EXPECT_EQ(ok["OldStateValue"], "ALARM");

  // History: configuration, the three state updates, the actions.
  HttpResult history =
      CloudWatchJson(daemon.TcpPort(), "DescribeAlarmHistory",
                     {{"AlarmName", "GoldTraffic"}, {"HistoryItemType", "StateUpdate"}});
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_EQ(json::parse(history.body)["AlarmHistoryItems"].size(), 3u) << history.body;
  EXPECT_EQ(daemon.Stop(), 0);
}

// Once the store has trained its compression dictionary (from its first 1,000 documents), the
// receiver queues documents compressed, without their text; the group counter still sees every
// trace's annotations.
TEST(AlarmsTest, TracesReceivedAfterTheStoresDictionaryAreCounted) {
  const std::string dir = MakeTempDir("alarms_dictionary");
  DaemonProcess daemon(dir);
  ASSERT_TRUE(daemon.Started()) << daemon.Log();
  CreateGroup(daemon, "Gold", "annotation.tier = \"gold\"");
  std::int64_t sent = 0;
  for (int round = 0; round < 11; ++round) {  // In rounds: the socket buffer never overflows.
    for (int i = 0; i < 100; ++i, ++sent) {
      SendTierSegment(daemon.UdpPort(), "silver");
    }
    ASSERT_EQ(daemon.WaitForMetric("xrayd_segments_stored_total", sent), sent);
  }
  // The writer trains before the transaction after the 1,000th document.
  SendTierSegment(daemon.UdpPort(), "silver");
  ASSERT_EQ(daemon.WaitForMetric("xrayd_segments_stored_total", ++sent), sent);
  {
    auto db =
        storage::Database::Open(dir + "/traces.db", storage::DatabaseOptions{.read_only = true});
    ASSERT_TRUE(db);
    EXPECT_EQ((*db)->QueryInt("SELECT count(*) FROM zstd_dictionaries").value_or(-1), 1);
  }

  WaitForRoomInMinute();
  const double sent_at = Now();
  for (int i = 0; i < 3; ++i, ++sent) {
    SendTierSegment(daemon.UdpPort(), "gold");
  }
  ASSERT_EQ(daemon.WaitForMetric("xrayd_segments_stored_total", sent), sent);
  const double minute = std::floor(sent_at / 60) * 60;
  double counted = -1;
  ASSERT_TRUE(WaitUntil(
      [&] {
        HttpResult stats = CloudWatchJson(daemon.TcpPort(), "GetMetricStatistics",
                                          GoldTraceCounts(minute, {"Sum"}));
        json points = json::parse(stats.body, nullptr, false)["Datapoints"];
        counted = points.size() == 1 ? points[0]["Sum"].get<double>() : 0;
        return counted >= 3;
      },
      seconds(10)))
      << "gold traces counted: " << counted;
  EXPECT_EQ(counted, 3);
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(AlarmsTest, SetAlarmStateNotifiesAndEvaluationReturnsTheAlarmToOk) {
  const std::string dir = MakeTempDir("alarms_set_state");
  FakeWebhook webhook(/*failures=*/1);  // The first delivery fails and is retried.
  DaemonProcess daemon(
      dir, {"--alarm-webhook", "ops=" + webhook.Url(), "--alarm-eval-interval", "200ms"});
  ASSERT_TRUE(daemon.Started()) << daemon.Log();
  CreateGroup(daemon, "Quiet", "annotation.tier = \"none\"");
  ASSERT_EQ(CloudWatchCbor(daemon.TcpPort(), "PutMetricAlarm",
                           TraceCountAlarm("QuietAlarm", "Quiet", 60, "notBreaching", {"ops"}))
                .status,
            200);
  ASSERT_TRUE(WaitUntil([&] { return StateOf(daemon, "QuietAlarm") == "OK"; }, seconds(10)));

  HttpResult set = CloudWatchJson(
      daemon.TcpPort(), "SetAlarmState",
      {{"AlarmName", "QuietAlarm"}, {"StateValue", "ALARM"}, {"StateReason", "testing the pager"}});
  ASSERT_EQ(set.status, 200) << set.body;
  // Delivered on the second attempt; the failed one is counted as a retry.
  ASSERT_TRUE(WaitUntil([&] { return webhook.Delivered().size() == 1; }, seconds(15)));
  EXPECT_EQ(webhook.Requests(), 2);
  json message = json::parse(webhook.Delivered()[0]);
  EXPECT_EQ(message["NewStateValue"], "ALARM");
  EXPECT_EQ(message["NewStateReason"], "testing the pager");
  EXPECT_GE(daemon.WaitForMetric("xrayd_alarm_actions_total{result=\"retried\"}", 1), 1);
  EXPECT_GE(daemon.WaitForMetric("xrayd_alarm_actions_total{result=\"delivered\"}", 1), 1);
  // The next evaluation finds no breaching data: back to OK.
  ASSERT_TRUE(WaitUntil([&] { return StateOf(daemon, "QuietAlarm") == "OK"; }, seconds(10)));
  EXPECT_NE(daemon.Log().find("alarm QuietAlarm ALARM -> OK"), std::string::npos) << daemon.Log();

  // A topic with no local action is logged and counted, never delivered.
  ASSERT_EQ(CloudWatchJson(daemon.TcpPort(), "PutMetricAlarm",
                           TraceCountAlarm("Unmapped", "Quiet", 60, "notBreaching", {"nobody"}))
                .status,
            200);
  ASSERT_EQ(
      CloudWatchJson(
          daemon.TcpPort(), "SetAlarmState",
          {{"AlarmName", "Unmapped"}, {"StateValue", "ALARM"}, {"StateReason", "no one listens"}})
          .status,
      200);
  EXPECT_GE(daemon.WaitForMetric("xrayd_alarm_actions_total{result=\"unmapped\"}", 1), 1);

  // `xrayd alarms list` shows both, with their states and conditions.
  CommandResult listed =
      RunXrayd({"alarms", "list", "-t", "127.0.0.1:" + std::to_string(daemon.TcpPort())});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("NAME"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("QuietAlarm  OK"), std::string::npos) << listed.out;
  // (Unmapped is ALARM or already back to OK.)
  EXPECT_NE(listed.out.find("Quiet  Sum >= 1, 1 of 1 x 60s"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("\nUnmapped    "), std::string::npos) << listed.out;
  CommandResult as_json =
      RunXrayd({"alarms", "list", "--json", "-t", "127.0.0.1:" + std::to_string(daemon.TcpPort())});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  EXPECT_EQ(json::parse(as_json.out, nullptr, false).size(), 2u) << as_json.out;
  EXPECT_EQ(daemon.Stop(), 0);

  CommandResult unreachable =
      RunXrayd({"alarms", "list", "-t", "127.0.0.1:" + std::to_string(daemon.TcpPort())});
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_NE(unreachable.err.find("xrayd alarms list:"), std::string::npos) << unreachable.err;
}

// `xrayd capture --alarm-fired NAME / --no-alarm NAME` on a store that already holds the group and
// the alarm: the command sends (or does not send) a trace of the group over UDP.
TEST(AlarmsTest, CaptureAssertsWhetherAnAlarmFiredDuringTheRun) {
  const std::string dir = MakeTempDir("alarms_capture");
  {
    DaemonProcess daemon(dir + "/data");
    ASSERT_TRUE(daemon.Started()) << daemon.Log();
    CreateGroup(daemon, "Gold", "annotation.tier = \"gold\"");
    ASSERT_EQ(CloudWatchJson(daemon.TcpPort(), "PutMetricAlarm",
                             TraceCountAlarm("GoldTraffic", "Gold", 60, "notBreaching", {}))
                  .status,
              200);
    EXPECT_EQ(daemon.Stop(), 0);
  }
  // Sends the file given as $1 to the UDP port of the capture's private daemon.
  const std::string send =
      "p=${AWS_XRAY_DAEMON_ADDRESS#udp:127.0.0.1:}; p=${p%% *}; cat \"$1\" > /dev/udp/127.0.0.1/$p";
  const std::string gold = dir + "/gold.datagram";

  CommandResult quiet =
      RunXrayd({"capture", "--data-dir", dir + "/data", "--no-alarm", "GoldTraffic", "--", "true"});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;

  WaitForRoomInMinute();
  std::ofstream(gold) << TierSegmentDatagram("gold");
  CommandResult fired = RunXrayd({"capture", "--data-dir", dir + "/data", "--no-alarm",
                                  "GoldTraffic", "--", "bash", "-c", send, "send", gold});
  EXPECT_EQ(fired.exit_code, 1) << fired.err;
  EXPECT_NE(fired.err.find("FAILED alarm not fired: GoldTraffic"), std::string::npos) << fired.err;

  // GoldTraffic may still be in ALARM from that run; a new alarm shows --alarm-fired passing.
  {
    DaemonProcess daemon(dir + "/data");
    ASSERT_TRUE(daemon.Started()) << daemon.Log();
    ASSERT_EQ(CloudWatchJson(daemon.TcpPort(), "PutMetricAlarm",
                             TraceCountAlarm("GoldAgain", "Gold", 60, "missing", {}))
                  .status,
              200);
    EXPECT_EQ(daemon.Stop(), 0);
  }
  WaitForRoomInMinute();
  std::ofstream(gold) << TierSegmentDatagram("gold");
  CommandResult expected = RunXrayd({"capture", "--data-dir", dir + "/data", "--alarm-fired",
                                     "GoldAgain", "--", "bash", "-c", send, "send", gold});
  EXPECT_EQ(expected.exit_code, 0) << expected.err;

  CommandResult missing =
      RunXrayd({"capture", "--data-dir", dir + "/data", "--alarm-fired", "Nope", "--", "true"});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_NE(missing.err.find("no alarm named Nope"), std::string::npos) << missing.err;
}

TEST(AlarmsTest, AlarmsAndTheirHistorySurviveARestart) {
  const std::string dir = MakeTempDir("alarms_restart");
  {
    DaemonProcess daemon(dir);
    ASSERT_TRUE(daemon.Started()) << daemon.Log();
    CreateGroup(daemon, "Slow", "responsetime > 5");
    json alarm = TraceCountAlarm("SlowTraces", "Slow", 30, "missing", {"ops"});
    alarm["AlarmDescription"] = "slow requests";
    HttpResult put = CloudWatchCbor(daemon.TcpPort(), "PutMetricAlarm", alarm);
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(Header(put, "smithy-protocol"), "rpc-v2-cbor");
    EXPECT_EQ(daemon.Stop(), 0);
  }
  DaemonProcess daemon(dir);
  ASSERT_TRUE(daemon.Started()) << daemon.Log();
  HttpResult described =
      CloudWatchCbor(daemon.TcpPort(), "DescribeAlarms", {{"AlarmNamePrefix", "Slow"}});
  ASSERT_EQ(described.status, 200) << described.body;
  json alarms = FromCbor(described.body)["MetricAlarms"];
  ASSERT_EQ(alarms.size(), 1u) << FromCbor(described.body).dump();
  EXPECT_EQ(alarms[0]["AlarmName"], "SlowTraces");
  EXPECT_EQ(alarms[0]["AlarmDescription"], "slow requests");
  EXPECT_EQ(alarms[0]["Period"], 30);
  EXPECT_EQ(alarms[0]["StateValue"], "INSUFFICIENT_DATA");
  EXPECT_EQ(alarms[0]["AlarmActions"][0], std::string(kTopicPrefix) + "ops");

  HttpResult history =
      CloudWatchJson(daemon.TcpPort(), "DescribeAlarmHistory",
                     {{"AlarmName", "SlowTraces"}, {"HistoryItemType", "ConfigurationUpdate"}});
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_EQ(json::parse(history.body)["AlarmHistoryItems"].size(), 1u) << history.body;

  HttpResult deleted =
      CloudWatchJson(daemon.TcpPort(), "DeleteAlarms", {{"AlarmNames", {"SlowTraces"}}});
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_TRUE(DescribeAlarm(daemon, "SlowTraces").is_null());
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(AlarmsTest, BadInputIsAnsweredWithCloudWatchErrors) {
  const std::string dir = MakeTempDir("alarms_errors");
  DaemonProcess daemon(dir);
  ASSERT_TRUE(daemon.Started()) << daemon.Log();

  json wrong_namespace = TraceCountAlarm("A", "Default", 60, "missing", {});
  wrong_namespace["Namespace"] = "AWS/EC2";
  HttpResult result = CloudWatchJson(daemon.TcpPort(), "PutMetricAlarm", wrong_namespace);
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(json::parse(result.body, nullptr, false)["__type"],
            "com.amazonaws.cloudwatch#ValidationException")
      << result.body;
  EXPECT_EQ(Header(result, "x-amzn-query-error"), "ValidationError;Sender");

  json period_7 = TraceCountAlarm("A", "Default", 7, "missing", {});
  result = CloudWatchCbor(daemon.TcpPort(), "PutMetricAlarm", period_7);
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(FromCbor(result.body)["__type"], "com.amazonaws.cloudwatch#ValidationException")
      << FromCbor(result.body).dump();

  json no_threshold = TraceCountAlarm("A", "Default", 60, "missing", {});
  no_threshold.erase("Threshold");
  result = CloudWatchJson(daemon.TcpPort(), "PutMetricAlarm", no_threshold);
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(json::parse(result.body, nullptr, false)["__type"],
            "com.amazonaws.cloudwatch#MissingRequiredParameterException")
      << result.body;

  result = CloudWatchJson(daemon.TcpPort(), "DeleteAlarms", {{"AlarmNames", {"nope"}}});
  EXPECT_EQ(result.status, 404) << result.body;
  EXPECT_EQ(Header(result, "x-amzn-query-error"), "ResourceNotFound;Sender");

  // The query protocol: a SigV4-signed form POST is served and answered in XML, errors included;
  // an unsigned one is refused by the browser guard before it reaches CloudWatch.
  const std::string period_7_form =
      "Action=PutMetricAlarm&Version=2010-08-01&AlarmName=A&Namespace=AWS%2FX-Ray"
      "&MetricName=ApproximateTraceCount&Dimensions.member.1.Name=GroupName"
      "&Dimensions.member.1.Value=Default&Statistic=Sum&Period=7&EvaluationPeriods=1"
      "&Threshold=1&ComparisonOperator=GreaterThanThreshold";
  result = CloudWatchQuery(daemon.TcpPort(), period_7_form);
  EXPECT_EQ(result.status, 400) << result.body;
  EXPECT_EQ(Header(result, "Content-Type"), "text/xml");
  EXPECT_NE(result.body.find("<Error><Type>Sender</Type><Code>ValidationError</Code><Message>"
                             "Period must be 10, 30 or a multiple of 60</Message></Error>"),
            std::string::npos)
      << result.body;
  result = CloudWatchQuery(daemon.TcpPort(), "Action=DescribeAlarms&Version=2010-08-01");
  EXPECT_EQ(result.status, 200) << result.body;
  EXPECT_NE(result.body.find("<MetricAlarms></MetricAlarms></DescribeAlarmsResult>"),
            std::string::npos)
      << result.body;
  result = CloudWatchQueryUnsigned(daemon.TcpPort(), "Action=DescribeAlarms&Version=2010-08-01");
  EXPECT_EQ(result.status, 415) << result.body;
  EXPECT_NE(result.body.find("UnsupportedMediaTypeException"), std::string::npos) << result.body;

  // Nothing was stored by the refused calls.
  HttpResult all = CloudWatchJson(daemon.TcpPort(), "DescribeAlarms", json::object());
  ASSERT_EQ(all.status, 200);
  EXPECT_TRUE(json::parse(all.body)["MetricAlarms"].empty()) << all.body;
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(AlarmsTest, ActionsComeFromFlagsAndTheConfigFile) {
  const std::string dir = MakeTempDir("alarms_config");
  const std::string cfg = dir + "/cfg.yaml";
  std::ofstream(cfg) << "Version: 2\nXrayd:\n  AlarmWebhooks:\n    ops: "
                        "https://hooks.example/services/T0/SECRET\n  AlarmCommands:\n"
                        "    pager: logger -t xrayd\n  AlarmEvalInterval: 500ms\n";
  CommandResult printed =
      RunXrayd({"--print-config", "-c", cfg, "--alarm-webhook", "dev=http://127.0.0.1:9/hook"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_NE(printed.out.find("dev=http://127.0.0.1:9/...,ops=https://hooks.example/..."),
            std::string::npos)
      << printed.out;
  EXPECT_EQ(printed.out.find("SECRET"), std::string::npos) << printed.out;
  EXPECT_NE(printed.out.find("pager=logger -t xrayd"), std::string::npos) << printed.out;
  EXPECT_NE(printed.out.find("alarm_eval_interval     500ms"), std::string::npos) << printed.out;

  CommandResult bad = RunXrayd({"--print-config", "--alarm-webhook", "ops"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("NAME=URL"), std::string::npos) << bad.err;
  bad = RunXrayd({"--print-config", "--alarm-webhook", "ops=ftp://x"});
  EXPECT_NE(bad.exit_code, 0);
}

}  // namespace
}  // namespace xrayd::testing_support
