// The CloudWatch API subset: codecs of the three protocols and the operations over a real
// (in-memory) AlarmStore, a FakeClock and a recording notifier.
#include "daemon/alarms/cloudwatch_api.h"

#include <gtest/gtest.h>

#include "daemon/alarms/cloudwatch_protocol.h"

namespace xrayd::daemon::alarms {
namespace {

using Json = nlohmann::json;

class RecordingNotifier : public AlarmNotifier {
 public:
  void Notify(const std::string& topic_arn, const Json& message) override {
    sent.emplace_back(topic_arn, message);
  }
  std::vector<std::pair<std::string, Json>> sent;
};

constexpr double kMinute = 1'699'999'980;  // 2023-11-14 22:13:00 UTC.

class CloudWatchApiTest : public testing::Test {
 protected:
  CloudWatchApiTest()
      : store_(std::move(*storage::AlarmStore::Open(":memory:"))),
        clock_(kMinute + 30),
        service_(*store_, clock_, &notifier_, {}) {}

  std::pair<Json, std::optional<ApiError>> Call(const std::string& op, const Json& params) {
    return HandleCloudWatch(service_, op, params);
  }

  static Json SlowAlarm() {
    return {{"AlarmName", "SlowUsers"},
            {"Namespace", "AWS/X-Ray"},
            {"MetricName", "ApproximateTraceCount"},
            {"Dimensions", {{{"Name", "GroupName"}, {"Value", "SlowRegisteredUsers"}}}},
            {"Statistic", "Sum"},
            {"Period", 60},
            {"EvaluationPeriods", 1},
            {"Threshold", 1},
            {"ComparisonOperator", "GreaterThanOrEqualToThreshold"},
            {"TreatMissingData", "notBreaching"},
            {"AlarmActions", {"arn:aws:sns:us-east-1:000000000000:oncall"}},
            {"OKActions", {"arn:aws:sns:us-east-1:000000000000:oncall"}}};
  }

  std::string State(const std::string& name) {
    auto [result, error] = Call("DescribeAlarms", {{"AlarmNames", {name}}});
    EXPECT_FALSE(error);
    return result["MetricAlarms"].at(0)["StateValue"].get<std::string>();
  }

  std::unique_ptr<storage::AlarmStore> store_;
  proto::FakeClock clock_;
  RecordingNotifier notifier_;
  AlarmService service_;
};

TEST_F(CloudWatchApiTest, AlarmGoesToAlarmWithDataAndBackToOkTheNextMinute) {
  auto [put, error] = Call("PutMetricAlarm", SlowAlarm());
  ASSERT_FALSE(error) << error->message;
  // No data yet and notBreaching: the first evaluation gives OK (from INSUFFICIENT_DATA).
  EXPECT_EQ(State("SlowUsers"), "OK");
  service_.CountGroupTrace("SlowRegisteredUsers", kMinute + 12);
  service_.EvaluateAll();
  EXPECT_EQ(State("SlowUsers"), "ALARM");
  ASSERT_EQ(notifier_.sent.size(), 2u);  // OK (on creation), then ALARM.
  const Json& message = notifier_.sent[1].second;
  EXPECT_EQ(notifier_.sent[1].first, "arn:aws:sns:us-east-1:000000000000:oncall");
  EXPECT_EQ(message["AlarmName"], "SlowUsers");
  EXPECT_EQ(message["NewStateValue"], "ALARM");
  EXPECT_EQ(message["OldStateValue"], "OK");
  EXPECT_EQ(message["Trigger"]["MetricName"], "ApproximateTraceCount");
  EXPECT_EQ(message["Trigger"]["Dimensions"][0]["value"], "SlowRegisteredUsers");
  EXPECT_EQ(message["AlarmArn"], "arn:aws:cloudwatch:us-east-1:000000000000:alarm:SlowUsers");
  clock_.AdvanceSeconds(60);
  service_.EvaluateAll();
  EXPECT_EQ(State("SlowUsers"), "OK");
  auto [history, herror] = Call("DescribeAlarmHistory",
                                {{"AlarmName", "SlowUsers"}, {"HistoryItemType", "StateUpdate"}});
  ASSERT_FALSE(herror);
  ASSERT_EQ(history["AlarmHistoryItems"].size(), 3u);
  EXPECT_EQ(history["AlarmHistoryItems"][0]["HistorySummary"], "Alarm updated from ALARM to OK");
}

TEST_F(CloudWatchApiTest, BadInputGetsCloudWatchErrors) {
  Json namespace_bad = SlowAlarm();
  namespace_bad["Namespace"] = "AWS/EC2";
  EXPECT_EQ(Call("PutMetricAlarm", namespace_bad).second->code, "ValidationError");
  Json period_bad = SlowAlarm();
  period_bad["Period"] = 7;
  auto period_error = Call("PutMetricAlarm", period_bad).second;
  ASSERT_TRUE(period_error);
  EXPECT_EQ(period_error->code, "ValidationError");
  EXPECT_EQ(period_error->message, "Period must be 10, 30 or a multiple of 60");
  Json no_threshold = SlowAlarm();
  no_threshold.erase("Threshold");
  auto missing = Call("PutMetricAlarm", no_threshold).second;
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->code, "MissingParameter");
  EXPECT_EQ(missing->message, "The parameter Threshold is required.");
  Json m_above_n = SlowAlarm();
  m_above_n["DatapointsToAlarm"] = 2;
  EXPECT_EQ(Call("PutMetricAlarm", m_above_n).second->code, "ValidationError");
  EXPECT_EQ(Call("DeleteAlarms", {{"AlarmNames", {"nope"}}}).second->code, "ResourceNotFound");
  EXPECT_EQ(
      Call("SetAlarmState", {{"AlarmName", "nope"}, {"StateValue", "OK"}, {"StateReason", "x"}})
          .second->code,
      "ResourceNotFound");
  EXPECT_EQ(Call("PutDashboard", Json::object()).second->code, "InvalidAction");
}

TEST_F(CloudWatchApiTest, SetAlarmStateRunsActionsAndDeleteRemovesTheAlarm) {
  ASSERT_FALSE(Call("PutMetricAlarm", SlowAlarm()).second);
  notifier_.sent.clear();
  ASSERT_FALSE(
      Call("SetAlarmState",
           {{"AlarmName", "SlowUsers"}, {"StateValue", "ALARM"}, {"StateReason", "testing"}})
          .second);
  EXPECT_EQ(State("SlowUsers"), "ALARM");
  ASSERT_EQ(notifier_.sent.size(), 1u);
  EXPECT_EQ(notifier_.sent[0].second["NewStateReason"], "testing");
  ASSERT_FALSE(Call("DeleteAlarms", {{"AlarmNames", {"SlowUsers"}}}).second);
  auto [result, error] = Call("DescribeAlarms", Json::object());
  EXPECT_TRUE(result["MetricAlarms"].empty());
}

TEST_F(CloudWatchApiTest, MetricsReadThePerMinuteCounts) {
  service_.CountGroupTrace("RegisteredUsers", kMinute - 60 + 1);
  service_.CountGroupTrace("RegisteredUsers", kMinute - 60 + 2);
  service_.CountGroupTrace("RegisteredUsers", kMinute + 5);
  Json metric = {{"Namespace", "AWS/X-Ray"},
                 {"MetricName", "ApproximateTraceCount"},
                 {"Dimensions", {{{"Name", "GroupName"}, {"Value", "RegisteredUsers"}}}}};
  Json stats = metric;
  stats["StartTime"] = kMinute - 120;
  stats["EndTime"] = kMinute + 60;
  stats["Period"] = 60;
  stats["Statistics"] = {"Sum", "SampleCount"};
  auto [statistics, error] = Call("GetMetricStatistics", stats);
  ASSERT_FALSE(error) << error->message;
  ASSERT_EQ(statistics["Datapoints"].size(), 2u);
  EXPECT_EQ(statistics["Datapoints"][0]["Sum"], 2.0);
  EXPECT_EQ(statistics["Datapoints"][0]["SampleCount"], 1.0);
  EXPECT_EQ(statistics["Datapoints"][1]["Sum"], 1.0);
  Json query = {
      {"StartTime", kMinute - 120},
      {"EndTime", kMinute + 60},
      {"MetricDataQueries",
       {{{"Id", "m1"}, {"MetricStat", {{"Metric", metric}, {"Period", 120}, {"Stat", "Sum"}}}}}}};
  auto [data, data_error] = Call("GetMetricData", query);
  ASSERT_FALSE(data_error) << data_error->message;
  // 120 s periods aligned to the epoch: kMinute - 60 and kMinute share one.
  const Json& values = data["MetricDataResults"][0]["Values"];
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0], 3.0);
  auto [list, list_error] = Call("ListMetrics", {{"Namespace", "AWS/X-Ray"}});
  ASSERT_FALSE(list_error);
  ASSERT_EQ(list["Metrics"].size(), 1u);
  EXPECT_EQ(list["Metrics"][0]["Dimensions"][0]["Value"], "RegisteredUsers");
}

TEST(CloudWatchProtocolTest, QueryFormBecomesNestedJson) {
  Json params = DecodeQueryForm(
      "Action=PutMetricAlarm&Version=2010-08-01&AlarmName=a%20b&Dimensions.member.1.Name=GroupName"
      "&Dimensions.member.1.Value=Slow&AlarmActions.member.2=y&AlarmActions.member.1=x");
  EXPECT_EQ(params["AlarmName"], "a b");
  EXPECT_EQ(params["Dimensions"], Json::parse(R"([{"Name":"GroupName","Value":"Slow"}])"));
  EXPECT_EQ(params["AlarmActions"], Json::parse(R"(["x","y"])"));
}

TEST(CloudWatchProtocolTest, DetectsEachProtocol) {
  HttpRequest cbor{"POST",
                   std::string(kCborPathPrefix) + "DescribeAlarms",
                   {{"smithy-protocol", "rpc-v2-cbor"}},
                   "",
                   {}};
  HttpRequest json{
      "POST", "/", {{"x-amz-target", "GraniteServiceVersion20100801.ListMetrics"}}, "{}", {}};
  HttpRequest query{"POST",
                    "/",
                    {{"content-type", "application/x-www-form-urlencoded"}},
                    "Action=ListMetrics&Version=2010-08-01",
                    {}};
  auto [c, ce] = DecodeRequest(cbor);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->protocol, Protocol::kCbor);
  EXPECT_EQ(c->operation, "DescribeAlarms");
  auto [j, je] = DecodeRequest(json);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->protocol, Protocol::kJson);
  EXPECT_EQ(j->operation, "ListMetrics");
  auto [q, qe] = DecodeRequest(query);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->protocol, Protocol::kQuery);
  EXPECT_EQ(q->operation, "ListMetrics");
  EXPECT_FALSE(q->params.contains("Version"));
}

TEST(CloudWatchProtocolTest, CborTimestampsAreTagOneAndRequestsWithTagsDecode) {
  std::string bytes = EncodeCbor({{"t", Timestamp(1.5)}});
  // map(1), text(1) "t", tag(1), float64 1.5 (0x3ff8000000000000).
  const std::string expected("\xa1\x61t\xc1\xfb\x3f\xf8\x00\x00\x00\x00\x00\x00", 13);
  EXPECT_EQ(bytes, expected);
  HttpRequest request{
      "POST",
      std::string(kCborPathPrefix) + "GetMetricData",
      {{"smithy-protocol", "rpc-v2-cbor"}},
      EncodeCbor({{"StartTime", Timestamp(1700000000)}, {"n", -3}, {"s", "x"}, {"a", {1, "two"}}}),
      {}};
  auto [decoded, error] = DecodeRequest(request);
  ASSERT_TRUE(decoded) << error.message;
  EXPECT_EQ(decoded->params["StartTime"], 1700000000.0);
  EXPECT_EQ(decoded->params["n"], -3);
  EXPECT_EQ(decoded->params["s"], "x");
  EXPECT_EQ(decoded->params["a"], Json::parse(R"([1,"two"])"));
  request.body = "\xa1\x61";  // Truncated.
  EXPECT_EQ(DecodeRequest(request).second.code, "SerializationException");
}

TEST(CloudWatchProtocolTest, ErrorsInEachProtocolsShape) {
  ApiError error{400, "ValidationError", "Period must be 10, 30 or a multiple of 60"};
  HttpResponse json = EncodeError(Protocol::kJson, error);
  EXPECT_EQ(json.status, 400);
  EXPECT_EQ(Json::parse(json.body)["message"], error.message);
  bool has_query_error = false;
  for (const auto& [name, value] : json.headers) {
    has_query_error |= name == "x-amzn-query-error" && value == "ValidationError;Sender";
  }
  EXPECT_TRUE(has_query_error);
  HttpResponse xml = EncodeError(Protocol::kQuery, error);
  EXPECT_NE(xml.body.find("<Code>ValidationError</Code>"), std::string::npos);
  EXPECT_NE(xml.body.find("<Type>Sender</Type>"), std::string::npos);
  HttpResponse cbor = EncodeError(Protocol::kCbor, error);
  Json body = Json::from_cbor(cbor.body);
  // The modeled shape (the SDKs map it back to the query code ValidationError).
  EXPECT_EQ(body["__type"], "com.amazonaws.cloudwatch#ValidationException");
}

TEST(CloudWatchProtocolTest, QueryResultsAreXmlWithMembers) {
  HttpResponse r = EncodeResult(Protocol::kQuery, "ListMetrics",
                                {{"Metrics", {{{"MetricName", "ApproximateTraceCount"}}}}});
  EXPECT_EQ(r.body,
            "<ListMetricsResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"
            "<ListMetricsResult><Metrics><member><MetricName>ApproximateTraceCount</MetricName>"
            "</member></Metrics></ListMetricsResult><ResponseMetadata><RequestId>"
            "00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>"
            "</ListMetricsResponse>");
}

TEST(CloudWatchProtocolTest, TimestampsFromEveryProtocol) {
  EXPECT_EQ(ParseTimestamp(Json(1700000000.5)), 1700000000.5);
  EXPECT_EQ(ParseTimestamp(Json("2023-11-14T22:13:20Z")), 1700000000);
  EXPECT_EQ(ParseTimestamp(Json("2023-11-14T22:13:20.250Z")), 1700000000.25);
  EXPECT_EQ(ParseTimestamp(Json("2023-11-14T23:13:20+01:00")), 1700000000);
  EXPECT_FALSE(ParseTimestamp(Json("yesterday")));
}

}  // namespace
}  // namespace xrayd::daemon::alarms
