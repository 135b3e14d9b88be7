// GetServiceGraph, GetTraceGraph and GetTimeSeriesServiceStatistics through the router, over a
// real store in a temp dir (documents written with TraceStore::PutDocuments).
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/api/api_router.h"
#include "daemon/api/xray_api.h"
#include "daemon/core/reader_pool.h"
#include "proto/document_decoder.h"
#include "storage/trace_store.h"

namespace xrayd::daemon {
namespace {

using Json = nlohmann::json;

// Multiples of 60; both in the 300 s bucket starting at kT1.
constexpr double kT1 = 1700000100;  // 0x6553f164
constexpr double kT2 = 1700000220;  // 0x6553f1dc
constexpr char kTrace1[] = "1-6553f164-a006649127e371903a2de979";
constexpr char kTrace2[] = "1-6553f1dc-a006649127e371903a2de97a";

// API Gateway -> Lambda (service and function segments) -> DynamoDB table and a remote HTTP API.
std::vector<std::string> LambdaTrace(const std::string& trace, double t, int api_status,
                                     int dynamo_status, int remote_status) {
  const Json api = {{"trace_id", trace},
                    {"id", "a000000000000001"},
                    {"name", "api"},
                    {"origin", "AWS::ApiGateway::Stage"},
                    {"start_time", t},
                    {"end_time", t + 1.0},
                    {"http", {{"response", {{"status", api_status}}}}},
                    {"subsegments", Json::array({Json{{"id", "b000000000000001"},
                                                      {"name", "Lambda"},
                                                      {"namespace", "aws"},
                                                      {"start_time", t + 0.1},
                                                      {"end_time", t + 0.9},
                                                      {"aws", {{"function_name", "fn"}}}}})}};
  const Json service = {
      {"trace_id", trace},       {"id", "c000000000000001"},        {"name", "fn"},
      {"origin", "AWS::Lambda"}, {"parent_id", "b000000000000001"}, {"start_time", t + 0.2},
      {"end_time", t + 0.8}};
  const Json function = {
      {"trace_id", trace},
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
                         {"http", {{"response", {{"status", remote_status}}}}}}})}};
  return {api.dump(), service.dump(), function.dump()};
}

std::string TempDbPath() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string dir = ::testing::TempDir() + "xray_api_graph_" + info->name();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir + "/traces.db";
}

class XrayApiGraphTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = TempDbPath();
    auto store = storage::TraceStore::Open(path_, storage::OpenMode::kReadWrite);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    // Trace 1: fine except the remote call (500). Trace 2: throttled (429), DynamoDB 400.
    Put(LambdaTrace(kTrace1, kT1, 200, 200, 500));
    Put(LambdaTrace(kTrace2, kT2, 429, 400, 200));
    pool_ = std::make_unique<ReaderPool>(path_);
    services_.traces = pool_.get();
  }

  void Put(const std::vector<std::string>& bodies) {
    proto::DocumentDecoder decoder;
    std::vector<proto::Document> docs;
    for (const std::string& body : bodies) {
      auto decoded = decoder.Decode(body);
      ASSERT_TRUE(decoded.has_value()) << body;
      for (proto::Document& doc : *decoded) {
        docs.push_back(std::move(doc));
      }
    }
    ASSERT_TRUE(store_->PutDocuments(docs, kT2 + 10).has_value());
  }

  ApiRouter Router(const GraphApiLimits& limits = {}) const {
    ApiRouter router;
    RegisterGraphApi(router, services_, limits);
    return router;
  }

  static HttpResponse Post(const ApiRouter& router, const std::string& path, const Json& body) {
    HttpRequest request;
    request.method = "POST";
    request.target = path;
    request.headers["content-type"] = "application/json";
    request.body = body.dump();
    return router.Handle(request);
  }

  // Expects a 400 InvalidRequestException whose message contains `text`.
  static void ExpectInvalid(const HttpResponse& response, const std::string& text) {
    EXPECT_EQ(response.status, 400) << response.body;
    const Json body = Json::parse(response.body);
    EXPECT_EQ(body["__type"], "InvalidRequestException");
    EXPECT_NE(body["message"].get<std::string>().find(text), std::string::npos)
        << body["message"] << " should mention " << text;
  }

  static const Json& ServiceNamed(const Json& services, const std::string& name,
                                  const std::string& type) {
    for (const Json& s : services) {
      if (s["Name"] == name && s.value("Type", "") == type) {
        return s;
      }
    }
    ADD_FAILURE() << "no service " << name << " " << type << " in " << services.dump();
    static const Json kNone = Json::object();
    return kNone;
  }

  static const Json* EdgeTo(const Json& from, const Json& to) {
    auto edges = from.find("Edges");
    if (edges == from.end()) {
      return nullptr;
    }
    for (const Json& edge : *edges) {
      if (edge["ReferenceId"] == to["ReferenceId"]) {
        return &edge;
      }
    }
    return nullptr;
  }

  std::string path_;
  std::unique_ptr<storage::TraceStore> store_;
  std::unique_ptr<ReaderPool> pool_;
  ApiServices services_;
};

TEST_F(XrayApiGraphTest, ServiceGraphHasEveryNodeEdgeAndCount) {
  const ApiRouter router = Router();
  const HttpResponse response =
      Post(router, "/ServiceGraph", {{"StartTime", kT1 - 60}, {"EndTime", kT2 + 60}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.content_type, "application/json");
  const Json body = Json::parse(response.body);
  EXPECT_EQ(body["StartTime"], kT1 - 60);
  EXPECT_EQ(body["EndTime"], kT2 + 60);
  EXPECT_EQ(body["ContainsOldGroupVersions"], false);
  EXPECT_FALSE(body.contains("NextToken"));
  const Json& services = body["Services"];
  ASSERT_EQ(services.size(), 6u) << services.dump();
  const Json& client = ServiceNamed(services, "api", "client");
  const Json& api = ServiceNamed(services, "api", "AWS::ApiGateway::Stage");
  const Json& lambda = ServiceNamed(services, "fn", "AWS::Lambda");
  const Json& function = ServiceNamed(services, "fn", "AWS::Lambda::Function");
  const Json& table = ServiceNamed(services, "users", "AWS::DynamoDB::Table");
  const Json& remote = ServiceNamed(services, "api.example.com", "remote");
  EXPECT_EQ(api["Root"], true);
  EXPECT_EQ(api["State"], "active");
  EXPECT_EQ(table["State"], "unknown");
  ASSERT_NE(EdgeTo(client, api), nullptr);
  ASSERT_NE(EdgeTo(api, lambda), nullptr);
  ASSERT_NE(EdgeTo(lambda, function), nullptr);
  ASSERT_NE(EdgeTo(function, table), nullptr);
  ASSERT_NE(EdgeTo(function, remote), nullptr);
  const Json& root_stats = (*EdgeTo(client, api))["SummaryStatistics"];
  EXPECT_EQ(root_stats["OkCount"], 1);
  EXPECT_EQ(root_stats["ErrorStatistics"]["ThrottleCount"], 1);
  EXPECT_EQ(root_stats["TotalCount"], 2);
  EXPECT_EQ(api["SummaryStatistics"], root_stats);
  const Json& dynamo = (*EdgeTo(function, table))["SummaryStatistics"];
  EXPECT_EQ(dynamo["ErrorStatistics"]["OtherCount"], 1);
  EXPECT_EQ(dynamo["OkCount"], 1);
  EXPECT_EQ((*EdgeTo(function, remote))["SummaryStatistics"]["FaultStatistics"]["TotalCount"], 1);
  EXPECT_EQ(api["ResponseTimeHistogram"], Json::parse(R"([{"Value":1.0,"Count":2}])"));
}

TEST_F(XrayApiGraphTest, ServiceGraphWindowKeepsSegmentsEndingInIt) {
  const ApiRouter router = Router();
  // Only trace 2 ends inside [kT2, kT2 + 60].
  const HttpResponse response =
      Post(router, "/ServiceGraph", {{"StartTime", kT2}, {"EndTime", kT2 + 60}});
  ASSERT_EQ(response.status, 200) << response.body;
  const Json services = Json::parse(response.body)["Services"];
  const Json& api = ServiceNamed(services, "api", "AWS::ApiGateway::Stage");
  EXPECT_EQ(api["SummaryStatistics"]["TotalCount"], 1);
  EXPECT_EQ(api["SummaryStatistics"]["ErrorStatistics"]["ThrottleCount"], 1);
  // Nothing before the traces: an empty graph.
  const HttpResponse empty =
      Post(router, "/ServiceGraph", {{"StartTime", kT1 - 600}, {"EndTime", kT1 - 60}});
  ASSERT_EQ(empty.status, 200);
  EXPECT_EQ(Json::parse(empty.body)["Services"], Json::array());
}

TEST_F(XrayApiGraphTest, ServiceGraphValidatesTheRequest) {
  const ApiRouter router = Router();
  ExpectInvalid(Post(router, "/ServiceGraph", {{"EndTime", kT2}}), "StartTime");
  ExpectInvalid(Post(router, "/ServiceGraph", {{"StartTime", kT1}}), "EndTime");
  ExpectInvalid(Post(router, "/ServiceGraph", {{"StartTime", kT2}, {"EndTime", kT1}}),
                "EndTime must not be before StartTime");
  ExpectInvalid(Post(router, "/ServiceGraph", {{"StartTime", "yesterday"}, {"EndTime", kT1}}),
                "StartTime");
  ExpectInvalid(Post(router, "/ServiceGraph",
                     {{"StartTime", kT1}, {"EndTime", kT2}, {"NextToken", "garbage!"}}),
                "NextToken");
  ExpectInvalid(Post(router, "/ServiceGraph",
                     {{"StartTime", kT1}, {"EndTime", kT2}, {"GroupName", std::string(33, 'g')}}),
                "GroupName");
  HttpRequest get;
  get.method = "GET";
  get.target = "/ServiceGraph";
  EXPECT_EQ(router.Handle(get).status, 405);
}

TEST_F(XrayApiGraphTest, GroupsOtherThanDefaultNeedTheMembershipHook) {
  {
    const ApiRouter router = Router();
    EXPECT_EQ(Post(router, "/ServiceGraph",
                   {{"StartTime", kT1}, {"EndTime", kT2 + 60}, {"GroupName", "Default"}})
                  .status,
              200);
    EXPECT_EQ(Post(router, "/ServiceGraph",
                   {{"StartTime", kT1},
                    {"EndTime", kT2 + 60},
                    {"GroupARN", "arn:aws:xray:us-east-1:000000000000:group/Default"}})
                  .status,
              200);
    ExpectInvalid(Post(router, "/ServiceGraph",
                       {{"StartTime", kT1}, {"EndTime", kT2 + 60}, {"GroupName", "prod"}}),
                  "group not found");
    ExpectInvalid(Post(router, "/TimeSeriesServiceStatistics",
                       {{"StartTime", kT1}, {"EndTime", kT2 + 60}, {"GroupName", "prod"}}),
                  "group not found");
  }
  // With the hook: group "prod" holds trace 2 only, and its filter changed in the window.
  std::vector<std::string> asked;
  services_.resolve_graph_group = [&asked](const std::optional<std::string>& name,
                                           const std::optional<std::string>&, double,
                                           double) -> Result<GraphGroupScope> {
    asked.push_back(name.value_or(""));
    if (name != "prod") {
      return MakeError(ErrorCode::kNotFound, "no such group");
    }
    GraphGroupScope scope;
    scope.contains = [](std::string_view id) { return id == kTrace2; };
    scope.contains_old_group_versions = true;
    return scope;
  };
  const ApiRouter router = Router();
  const HttpResponse response = Post(
      router, "/ServiceGraph", {{"StartTime", kT1}, {"EndTime", kT2 + 60}, {"GroupName", "prod"}});
  ASSERT_EQ(response.status, 200) << response.body;
  const Json body = Json::parse(response.body);
  EXPECT_EQ(body["ContainsOldGroupVersions"], true);
  const Json& api = ServiceNamed(body["Services"], "api", "AWS::ApiGateway::Stage");
  EXPECT_EQ(api["SummaryStatistics"]["TotalCount"], 1);
  ExpectInvalid(Post(router, "/ServiceGraph",
                     {{"StartTime", kT1}, {"EndTime", kT2 + 60}, {"GroupName", "dev"}}),
                "group not found");
  EXPECT_EQ(asked, (std::vector<std::string>{"prod", "dev"}));
}

TEST_F(XrayApiGraphTest, TraceCapKeepsTheNewestTraces) {
  GraphApiLimits limits;
  limits.max_traces = 1;
  const ApiRouter router = Router(limits);
  const HttpResponse response =
      Post(router, "/ServiceGraph", {{"StartTime", kT1 - 60}, {"EndTime", kT2 + 60}});
  ASSERT_EQ(response.status, 200) << response.body;
  const Json body = Json::parse(response.body);
  const Json& api = ServiceNamed(body["Services"], "api", "AWS::ApiGateway::Stage");
  EXPECT_EQ(api["SummaryStatistics"]["TotalCount"], 1);
  EXPECT_EQ(api["SummaryStatistics"]["ErrorStatistics"]["ThrottleCount"], 1);  // Trace 2.
}

TEST_F(XrayApiGraphTest, TraceGraphPagesThroughTheServicesOfTheGivenTraces) {
  GraphApiLimits limits;
  limits.services_per_page = 4;
  const ApiRouter router = Router(limits);
  // Upper case, a duplicate and an unknown id: normalised, deduplicated, ignored.
  const Json request = {
      {"TraceIds",
       {"1-6553F164-A006649127E371903A2DE979", kTrace1, "1-6553f164-000000000000000000000000"}}};
  HttpResponse first = Post(router, "/TraceGraph", request);
  ASSERT_EQ(first.status, 200) << first.body;
  Json page = Json::parse(first.body);
  ASSERT_EQ(page["Services"].size(), 4u);
  ASSERT_TRUE(page.contains("NextToken"));
  std::set<std::string> names;
  for (const Json& s : page["Services"]) {
    names.insert(s["Name"].get<std::string>() + "/" + s.value("Type", ""));
  }
  Json next = request;
  next["NextToken"] = page["NextToken"];
  HttpResponse second = Post(router, "/TraceGraph", next);
  ASSERT_EQ(second.status, 200) << second.body;
  page = Json::parse(second.body);
  ASSERT_EQ(page["Services"].size(), 2u);
  EXPECT_FALSE(page.contains("NextToken"));
  for (const Json& s : page["Services"]) {
    names.insert(s["Name"].get<std::string>() + "/" + s.value("Type", ""));
    EXPECT_GE(s["ReferenceId"].get<int>(), 4);
  }
  EXPECT_EQ(names.size(), 6u);
  // Trace 1 alone: the API Gateway saw one clean call.
  const HttpResponse all = Post(Router(), "/TraceGraph", request);
  const Json all_body = Json::parse(all.body);
  const Json& api = ServiceNamed(all_body["Services"], "api", "AWS::ApiGateway::Stage");
  EXPECT_EQ(api["SummaryStatistics"]["OkCount"], 1);
  EXPECT_EQ(api["SummaryStatistics"]["TotalCount"], 1);

  // A token is bound to its request.
  Json other = {{"TraceIds", {kTrace2}}, {"NextToken", Json::parse(first.body)["NextToken"]}};
  ExpectInvalid(Post(router, "/TraceGraph", other), "NextToken");
  ExpectInvalid(Post(router, "/TraceGraph", Json::object()), "TraceIds is required");
  ExpectInvalid(Post(router, "/TraceGraph", {{"TraceIds", {std::string(36, '1')}}}), "TraceIds");
  ExpectInvalid(Post(router, "/TraceGraph", {{"TraceIds", "1-6553f164-x"}}), "TraceIds");
}

TEST_F(XrayApiGraphTest, TimeSeriesBucketsTheSelectedEntity) {
  const ApiRouter router = Router();
  HttpResponse response = Post(router, "/TimeSeriesServiceStatistics",
                               {{"StartTime", kT1 - 60},
                                {"EndTime", kT2 + 60},
                                {"EntitySelectorExpression", R"(service("users"))"}});
  ASSERT_EQ(response.status, 200) << response.body;
  Json body = Json::parse(response.body);
  EXPECT_EQ(body["ContainsOldGroupVersions"], false);
  Json series = body["TimeSeriesServiceStatistics"];
  ASSERT_EQ(series.size(), 2u) << series.dump();
  EXPECT_EQ(series[0]["Timestamp"], kT1);
  EXPECT_EQ(series[1]["Timestamp"], kT2);
  EXPECT_EQ(series[0]["ServiceSummaryStatistics"]["OkCount"], 1);
  EXPECT_EQ(series[1]["ServiceSummaryStatistics"]["ErrorStatistics"]["OtherCount"], 1);
  EXPECT_EQ(series[1]["ResponseTimeHistogram"], Json::parse(R"([{"Value":0.2,"Count":1}])"));

  // No selector, Period 300: the client -> root edges, both traces in one bucket.
  response = Post(router, "/TimeSeriesServiceStatistics",
                  {{"StartTime", kT1 - 60}, {"EndTime", kT2 + 60}, {"Period", 300}});
  ASSERT_EQ(response.status, 200) << response.body;
  series = Json::parse(response.body)["TimeSeriesServiceStatistics"];
  ASSERT_EQ(series.size(), 1u) << series.dump();
  EXPECT_EQ(series[0]["EdgeSummaryStatistics"]["TotalCount"], 2);
  EXPECT_EQ(series[0]["EdgeSummaryStatistics"]["ErrorStatistics"]["ThrottleCount"], 1);
  EXPECT_FALSE(series[0].contains("ServiceSummaryStatistics"));
}

TEST_F(XrayApiGraphTest, TimeSeriesValidatesPeriodSelectorAndWindow) {
  const ApiRouter router = Router();
  const Json base = {{"StartTime", kT1}, {"EndTime", kT2}};
  auto with = [&base](const char* key, const Json& value) {
    Json request = base;
    request[key] = value;
    return request;
  };
  ExpectInvalid(Post(router, "/TimeSeriesServiceStatistics", with("Period", 90)), "Period");
  ExpectInvalid(Post(router, "/TimeSeriesServiceStatistics", with("Period", 0)), "Period");
  ExpectInvalid(Post(router, "/TimeSeriesServiceStatistics", with("Period", "60")), "Period");
  ExpectInvalid(
      Post(router, "/TimeSeriesServiceStatistics", with("EntitySelectorExpression", "fault")),
      "EntitySelectorExpression");
  ExpectInvalid(
      Post(router, "/TimeSeriesServiceStatistics", with("EntitySelectorExpression", "service(")),
      "EntitySelectorExpression");
  ExpectInvalid(Post(router, "/TimeSeriesServiceStatistics",
                     with("EntitySelectorExpression", std::string(501, 'x'))),
                "EntitySelectorExpression");
  ExpectInvalid(Post(router, "/TimeSeriesServiceStatistics", with("ForecastStatistics", true)),
                "ForecastStatistics");
  ExpectInvalid(Post(router, "/TimeSeriesServiceStatistics", with("NextToken", "abc")),
                "NextToken");
  ExpectInvalid(Post(router, "/TimeSeriesServiceStatistics",
                     {{"StartTime", kT1}, {"EndTime", kT1 + 60.0 * 10001}}),
                "periods");
  ExpectInvalid(
      Post(router, "/TimeSeriesServiceStatistics", {{"StartTime", kT2}, {"EndTime", kT1}}),
      "EndTime");
}

}  // namespace
}  // namespace xrayd::daemon
