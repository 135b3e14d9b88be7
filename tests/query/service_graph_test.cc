#include "query/service_graph.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "query/time_series.h"
#include "query/trace_model.h"

namespace xrayd::query {
namespace {

using Json = nlohmann::json;

storage::StoredDocument Doc(const std::string& trace_id, const Json& json) {
  storage::StoredDocument doc;
  doc.trace_id = trace_id;
  doc.id = json.at("id").get<std::string>();
  doc.parent_id = json.value("parent_id", "");
  doc.in_progress = json.value("in_progress", false);
  doc.start_time = json.at("start_time").get<double>();
  doc.end_time = json.value("end_time", 0.0);
  doc.raw = json.dump();
  return doc;
}

// API Gateway -> Lambda (AWS::Lambda service segment, AWS::Lambda::Function segment) -> DynamoDB
// table (inferred) and a remote HTTP API (inferred), starting at `t`. The statuses are the HTTP
// statuses of the API Gateway segment, the DynamoDB call and the remote call.
TraceModel LambdaTrace(const std::string& trace_id, double t, int api_status, int dynamo_status,
                       int remote_status) {
  const Json api = {{"id", "a000000000000001"},
                    {"name", "api"},
                    {"origin", "AWS::ApiGateway::Stage"},
                    {"start_time", t},
                    {"end_time", t + 1.0},
                    {"aws", {{"account_id", "123456789012"}}},
                    {"http", {{"response", {{"status", api_status}}}}},
                    {"subsegments", Json::array({Json{{"id", "b000000000000001"},
                                                      {"name", "Lambda"},
                                                      {"namespace", "aws"},
                                                      {"start_time", t + 0.1},
                                                      {"end_time", t + 0.9},
                                                      {"aws", {{"function_name", "fn"}}}}})}};
  const Json service = {{"id", "c000000000000001"}, {"name", "fn"},
                        {"origin", "AWS::Lambda"},  {"parent_id", "b000000000000001"},
                        {"start_time", t + 0.2},    {"end_time", t + 0.8}};
  const Json function = {
      {"id", "e000000000000001"},
      {"name", "fn"},
      {"origin", "AWS::Lambda::Function"},
      {"parent_id", "c000000000000001"},
      {"start_time", t + 0.3},
      {"end_time", t + 0.7},
      {"subsegments",
       Json::array({Json{{"id", "f000000000000001"},
                         {"name", "DynamoDB"},
                         {"namespace", "aws"},
                         {"start_time", t + 0.4},
                         {"end_time", t + 0.6},
                         {"aws", {{"operation", "GetItem"}, {"table_name", "users"}}},
                         {"http", {{"response", {{"status", dynamo_status}}}}}},
                    Json{{"id", "f000000000000002"},
                         {"name", "api.example.com"},
                         {"namespace", "remote"},
                         {"start_time", t + 0.45},
                         {"end_time", t + 0.55},
                         {"http",
                          {{"request", {{"url", "https://api.example.com/x"}}},
                           {"response", {{"status", remote_status}}}}}}})}};
  const std::vector<storage::StoredDocument> docs = {Doc(trace_id, function), Doc(trace_id, api),
                                                     Doc(trace_id, service)};
  return BuildTraceModel(trace_id, docs);
}

constexpr char kTrace1[] = "1-00000064-a006649127e371903a2de979";
constexpr char kTrace2[] = "1-000000c8-a006649127e371903a2de97a";

const GraphService& Find(const std::vector<GraphService>& services, const std::string& name,
                         const std::string& type) {
  for (const GraphService& s : services) {
    if (s.name == name && s.type == type) {
      return s;
    }
  }
  ADD_FAILURE() << "no service " << name << " " << type;
  static const GraphService kNone;
  return kNone;
}

const GraphEdge* EdgeTo(const GraphService& from, const GraphService& to) {
  for (const GraphEdge& edge : from.edges) {
    if (edge.to == static_cast<std::size_t>(to.reference_id)) {
      return &edge;
    }
  }
  return nullptr;
}

class ServiceGraphTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Trace 1: all fine except the remote call (500). Trace 2: throttled at the API (429), the
    // DynamoDB call fails with 400.
    trace1_ = LambdaTrace(kTrace1, 100, 200, 200, 500);
    trace2_ = LambdaTrace(kTrace2, 200, 429, 400, 200);
  }
  TraceModel trace1_;
  TraceModel trace2_;
};

TEST_F(ServiceGraphTest, NodesOfAMultiServiceTraceWithStableReferenceIds) {
  ServiceGraphBuilder builder;
  builder.Add(trace1_);
  builder.Add(trace2_);
  const std::vector<GraphService> services = builder.Finish();
  // Sorted by (Name, Type, AccountId): "AWS::ApiGateway::Stage" < "client".
  ASSERT_EQ(services.size(), 6u);
  EXPECT_EQ(services[0].name, "api");
  EXPECT_EQ(services[0].type, "AWS::ApiGateway::Stage");
  EXPECT_EQ(services[0].account_id, "123456789012");
  EXPECT_EQ(services[1].type, "client");
  EXPECT_EQ(services[2].name, "api.example.com");
  EXPECT_EQ(services[2].type, "remote");
  EXPECT_EQ(services[3].type, "AWS::Lambda");
  EXPECT_EQ(services[4].type, "AWS::Lambda::Function");
  EXPECT_EQ(services[5].name, "users");
  EXPECT_EQ(services[5].type, "AWS::DynamoDB::Table");
  for (std::size_t i = 0; i < services.size(); ++i) {
    EXPECT_EQ(services[i].reference_id, static_cast<int>(i));
  }
  // Adding the traces in the other order gives the same graph.
  ServiceGraphBuilder reversed;
  reversed.Add(trace2_);
  reversed.Add(trace1_);
  const std::vector<GraphService> again = reversed.Finish();
  ASSERT_EQ(again.size(), services.size());
  for (std::size_t i = 0; i < services.size(); ++i) {
    EXPECT_EQ(ServiceToJson(again[i], again), ServiceToJson(services[i], services)) << i;
  }
}

TEST_F(ServiceGraphTest, EdgesFollowTheCallsIncludingBothLambdaNodes) {
  ServiceGraphBuilder builder;
  builder.Add(trace1_);
  builder.Add(trace2_);
  const std::vector<GraphService> s = builder.Finish();
  const GraphService& api = Find(s, "api", "AWS::ApiGateway::Stage");
  const GraphService& client = Find(s, "api", "client");
  const GraphService& lambda = Find(s, "fn", "AWS::Lambda");
  const GraphService& function = Find(s, "fn", "AWS::Lambda::Function");
  const GraphService& table = Find(s, "users", "AWS::DynamoDB::Table");
  const GraphService& remote = Find(s, "api.example.com", "remote");
  ASSERT_EQ(client.edges.size(), 1u);
  EXPECT_NE(EdgeTo(client, api), nullptr);
  ASSERT_EQ(api.edges.size(), 1u);
  EXPECT_NE(EdgeTo(api, lambda), nullptr);
  ASSERT_EQ(lambda.edges.size(), 1u);
  EXPECT_NE(EdgeTo(lambda, function), nullptr);
  ASSERT_EQ(function.edges.size(), 2u);
  EXPECT_NE(EdgeTo(function, table), nullptr);
  EXPECT_NE(EdgeTo(function, remote), nullptr);
  EXPECT_TRUE(table.edges.empty());
  EXPECT_TRUE(remote.edges.empty());
  EXPECT_TRUE(api.root);
  EXPECT_FALSE(lambda.root);
  EXPECT_FALSE(client.root);
  EXPECT_EQ(api.kind, NodeKind::kReal);
  EXPECT_EQ(table.kind, NodeKind::kInferred);
  EXPECT_EQ(remote.kind, NodeKind::kInferred);
  EXPECT_EQ(client.kind, NodeKind::kClient);
  EXPECT_DOUBLE_EQ(*api.start_time, 100);
  EXPECT_DOUBLE_EQ(*api.end_time, 201);
  EXPECT_DOUBLE_EQ(*EdgeTo(function, table)->start_time, 100.4);
  EXPECT_DOUBLE_EQ(*EdgeTo(function, table)->end_time, 200.6);
}

TEST_F(ServiceGraphTest, StatisticsCountOkErrorFaultAndThrottle) {
  ServiceGraphBuilder builder;
  builder.Add(trace1_);
  builder.Add(trace2_);
  const std::vector<GraphService> s = builder.Finish();
  const GraphService& api = Find(s, "api", "AWS::ApiGateway::Stage");
  const GraphService& client = Find(s, "api", "client");
  const GraphService& function = Find(s, "fn", "AWS::Lambda::Function");
  const GraphService& table = Find(s, "users", "AWS::DynamoDB::Table");
  const GraphService& remote = Find(s, "api.example.com", "remote");

  // The client edge and the root node both see the root segments: one 200, one 429.
  for (const GraphStatistics& stats : {api.statistics, EdgeTo(client, api)->statistics}) {
    EXPECT_EQ(stats.ok_count, 1);
    EXPECT_EQ(stats.error_throttle, 1);
    EXPECT_EQ(stats.error_other, 0);
    EXPECT_EQ(stats.error_total, 1);
    EXPECT_EQ(stats.fault_total, 0);
    EXPECT_EQ(stats.total_count, 2);
    EXPECT_NEAR(stats.total_response_time, 2.0, 1e-9);
  }
  // DynamoDB: one 200, one 400 (an untracked 4xx).
  const GraphStatistics& dynamo = EdgeTo(function, table)->statistics;
  EXPECT_EQ(dynamo.ok_count, 1);
  EXPECT_EQ(dynamo.error_other, 1);
  EXPECT_EQ(dynamo.error_throttle, 0);
  EXPECT_EQ(dynamo.error_total, 1);
  EXPECT_EQ(dynamo.total_count, 2);
  EXPECT_NEAR(dynamo.total_response_time, 0.4, 1e-9);
  EXPECT_EQ(table.statistics.error_other, 1);  // The inferred node counts the caller subsegments.
  EXPECT_EQ(table.statistics.total_count, 2);
  // Remote: one 500, one 200.
  const GraphStatistics& http = EdgeTo(function, remote)->statistics;
  EXPECT_EQ(http.ok_count, 1);
  EXPECT_EQ(http.fault_other, 1);
  EXPECT_EQ(http.fault_total, 1);
  EXPECT_EQ(http.error_total, 0);
  EXPECT_EQ(remote.statistics.fault_total, 1);
  // The client node has no statistics of its own.
  EXPECT_EQ(client.statistics.total_count, 0);
}

TEST_F(ServiceGraphTest, HistogramsRoundToTheMillisecondAndMerge) {
  ServiceGraphBuilder builder;
  builder.Add(trace1_);
  builder.Add(trace2_);
  const std::vector<GraphService> s = builder.Finish();
  const GraphService& api = Find(s, "api", "AWS::ApiGateway::Stage");
  const GraphService& function = Find(s, "fn", "AWS::Lambda::Function");
  const GraphService& table = Find(s, "users", "AWS::DynamoDB::Table");
  EXPECT_EQ(api.response_time, (Histogram{{1000, 2}}));
  EXPECT_EQ(api.duration, (Histogram{{1000, 2}}));
  EXPECT_EQ(function.response_time, (Histogram{{400, 2}}));
  EXPECT_EQ(EdgeTo(function, table)->response_time, (Histogram{{200, 2}}));
  const Json json = ServiceToJson(api, s);
  EXPECT_EQ(json["ResponseTimeHistogram"], Json::parse(R"([{"Value":1.0,"Count":2}])"));

  Histogram h;
  AddToHistogram(h, 0.0051);
  AddToHistogram(h, 0.0049);
  AddToHistogram(h, 0.157);
  EXPECT_EQ(HistogramToJson(h),
            Json::parse(R"([{"Value":0.005,"Count":2},{"Value":0.157,"Count":1}])"));
}

TEST_F(ServiceGraphTest, WireShapeOfServicesAndEdges) {
  ServiceGraphBuilder builder;
  builder.Add(trace1_);
  const std::vector<GraphService> s = builder.Finish();
  const Json api = ServiceToJson(Find(s, "api", "AWS::ApiGateway::Stage"), s);
  EXPECT_EQ(api["Names"], Json::array({"api"}));
  EXPECT_EQ(api["Root"], true);
  EXPECT_EQ(api["State"], "active");
  EXPECT_EQ(api["AccountId"], "123456789012");
  EXPECT_EQ(api["StartTime"], 100.0);
  EXPECT_EQ(api["EndTime"], 101.0);
  EXPECT_EQ(api["SummaryStatistics"],
            Json::parse(R"({"OkCount":1,"ErrorStatistics":{"ThrottleCount":0,"OtherCount":0,
              "TotalCount":0},"FaultStatistics":{"OtherCount":0,"TotalCount":0},"TotalCount":1,
              "TotalResponseTime":1.0})"));
  ASSERT_EQ(api["Edges"].size(), 1u);
  EXPECT_EQ(api["Edges"][0]["ReferenceId"], Find(s, "fn", "AWS::Lambda").reference_id);
  EXPECT_EQ(api["Edges"][0]["Aliases"], Json::array());
  EXPECT_FALSE(api["Edges"][0].contains("EdgeType"));

  const Json client = ServiceToJson(Find(s, "api", "client"), s);
  EXPECT_EQ(client["State"], "unknown");
  EXPECT_FALSE(client.contains("Root"));
  EXPECT_FALSE(client.contains("SummaryStatistics"));
  EXPECT_FALSE(client.contains("ResponseTimeHistogram"));
  EXPECT_EQ(client["Edges"].size(), 1u);

  const Json remote = ServiceToJson(Find(s, "api.example.com", "remote"), s);
  EXPECT_EQ(remote["State"], "unknown");
  EXPECT_FALSE(remote.contains("AccountId"));
  EXPECT_TRUE(remote.contains("SummaryStatistics"));
}

TEST_F(ServiceGraphTest, WindowCountsSegmentsAndCallsEndingInsideIt) {
  // [100.65, 150]: trace 1's DynamoDB (ends 100.6) and remote (100.55) calls end before it.
  ServiceGraphBuilder builder(TimeWindow{100.65, 150});
  builder.Add(trace1_);
  builder.Add(trace2_);  // Entirely after the window.
  const std::vector<GraphService> s = builder.Finish();
  ASSERT_EQ(s.size(), 4u);
  const GraphService& function = Find(s, "fn", "AWS::Lambda::Function");
  EXPECT_TRUE(function.edges.empty());
  EXPECT_EQ(function.statistics.total_count, 1);
  EXPECT_EQ(Find(s, "api", "AWS::ApiGateway::Stage").statistics.total_count, 1);
}

TEST_F(ServiceGraphTest, InProgressSegmentsWidenStartTimeButAreNotCounted) {
  const Json root = {{"id", "a000000000000009"},
                     {"name", "api"},
                     {"origin", "AWS::ApiGateway::Stage"},
                     {"aws", {{"account_id", "123456789012"}}},
                     {"start_time", 50.0},
                     {"in_progress", true}};
  const std::string id = "1-00000032-a006649127e371903a2de979";
  const std::vector<storage::StoredDocument> docs = {Doc(id, root)};
  ServiceGraphBuilder builder;
  builder.Add(trace1_);
  builder.Add(BuildTraceModel(id, docs));
  const std::vector<GraphService> s = builder.Finish();
  const GraphService& api = Find(s, "api", "AWS::ApiGateway::Stage");
  EXPECT_DOUBLE_EQ(*api.start_time, 50);
  EXPECT_DOUBLE_EQ(*api.end_time, 101);
  EXPECT_EQ(api.statistics.total_count, 1);
  EXPECT_EQ(api.response_time, (Histogram{{1000, 1}}));
}

TEST(EntitySelectorTest, ParsesTheThreeSelectorFormsAndRejectsTheRest) {
  auto none = ParseEntitySelector("");
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->kind, EntitySelector::Kind::kClientEdges);

  auto service = ParseEntitySelector(R"(service("users"))");
  ASSERT_TRUE(service.has_value());
  EXPECT_EQ(service->kind, EntitySelector::Kind::kService);
  EXPECT_EQ(service->service.name, "users");

  auto id = ParseEntitySelector(R"(id(name: "fn", type: "AWS::Lambda::Function"))");
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_EQ(id->kind, EntitySelector::Kind::kService);
  EXPECT_EQ(id->service.type, "AWS::Lambda::Function");

  auto edge = ParseEntitySelector(R"(edge("fn", id(name: "users", type: "AWS::DynamoDB::Table")))");
  ASSERT_TRUE(edge.has_value()) << edge.error().message;
  EXPECT_EQ(edge->kind, EntitySelector::Kind::kEdge);
  EXPECT_EQ(edge->from.name, "fn");
  EXPECT_EQ(edge->to.type, "AWS::DynamoDB::Table");

  for (const char* bad : {"fault", R"(service("a") { fault })", R"(service("a") AND fault)",
                          "service(", R"(edge("a", "b") { error })"}) {
    auto parsed = ParseEntitySelector(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find("EntitySelectorExpression"), std::string::npos) << bad;
  }
}

TEST_F(ServiceGraphTest, TimeSeriesBucketsByPeriodForServicesAndEdges) {
  // Service: the DynamoDB table node, ends at 100.6 and 200.6 -> buckets 60 and 180.
  auto selector = ParseEntitySelector(R"(service("users"))");
  ASSERT_TRUE(selector.has_value());
  TimeSeriesBuilder service(*selector, TimeWindow{0, 1000}, 60);
  service.Add(trace1_);
  service.Add(trace2_);
  std::vector<TimeSeriesBucket> buckets = service.Finish();
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets[0].timestamp, 60);
  EXPECT_EQ(buckets[0].statistics.ok_count, 1);
  EXPECT_EQ(buckets[1].timestamp, 180);
  EXPECT_EQ(buckets[1].statistics.error_other, 1);
  EXPECT_EQ(buckets[1].response_time, (Histogram{{200, 1}}));
  const Json json = TimeSeriesToJson(buckets, false);
  EXPECT_TRUE(json[0].contains("ServiceSummaryStatistics"));
  EXPECT_FALSE(json[0].contains("EdgeSummaryStatistics"));
  EXPECT_EQ(json[0]["Timestamp"], 60.0);

  // A period of 300 puts both in bucket 0; the window [150, 1000] keeps only trace 2.
  TimeSeriesBuilder wide(*selector, TimeWindow{0, 1000}, 300);
  wide.Add(trace1_);
  wide.Add(trace2_);
  buckets = wide.Finish();
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(buckets[0].timestamp, 0);
  EXPECT_EQ(buckets[0].statistics.total_count, 2);
  TimeSeriesBuilder late(*selector, TimeWindow{150, 1000}, 60);
  late.Add(trace1_);
  late.Add(trace2_);
  EXPECT_EQ(late.Finish().size(), 1u);

  // Edge: fn (either Lambda node) -> the remote API.
  auto edge = ParseEntitySelector(R"(edge("fn", "api.example.com"))");
  ASSERT_TRUE(edge.has_value());
  TimeSeriesBuilder edges(*edge, TimeWindow{0, 1000}, 60);
  edges.Add(trace1_);
  edges.Add(trace2_);
  buckets = edges.Finish();
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets[0].statistics.fault_total, 1);
  EXPECT_EQ(buckets[1].statistics.ok_count, 1);
  EXPECT_TRUE(TimeSeriesToJson(buckets, true)[0].contains("EdgeSummaryStatistics"));

  // No selector: the client -> root edges (one 200, one 429).
  TimeSeriesBuilder client(EntitySelector{}, TimeWindow{0, 1000}, 60);
  client.Add(trace1_);
  client.Add(trace2_);
  buckets = client.Finish();
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets[0].statistics.ok_count, 1);
  EXPECT_EQ(buckets[1].statistics.error_throttle, 1);

  // service("api") is the API Gateway service, never the client node named after it.
  auto api = ParseEntitySelector(R"(service("api"))");
  ASSERT_TRUE(api.has_value());
  TimeSeriesBuilder api_series(*api, TimeWindow{0, 1000}, 60);
  api_series.Add(trace1_);
  EXPECT_EQ(api_series.Finish().at(0).statistics.total_count, 1);
}

}  // namespace
}  // namespace xrayd::query
