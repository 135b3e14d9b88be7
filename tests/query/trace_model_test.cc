#include "query/trace_model.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace xrayd::query {
namespace {

constexpr const char* kTrace = "1-581cf771-a006649127e371903a2de979";

// A StoredDocument as the store would return it for `raw`.
storage::StoredDocument Doc(const std::string& raw) {
  const nlohmann::json json = nlohmann::json::parse(raw);
  storage::StoredDocument doc;
  doc.trace_id = json.value("trace_id", kTrace);
  doc.id = json.at("id").get<std::string>();
  doc.parent_id = json.value("parent_id", "");
  doc.kind = json.value("type", "") == "subsegment" ? proto::DocumentKind::kSubsegment
                                                    : proto::DocumentKind::kSegment;
  doc.in_progress = json.value("in_progress", false);
  doc.start_time = json.at("start_time").get<double>();
  doc.end_time = json.value("end_time", 0.0);
  doc.raw = raw;
  return doc;
}

// The document of a datagram that the AWS X-Ray SDK for Node.js sent, captured by
// tests/testdata/capture/capture.js (see tests/testdata/README.md).
std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(XRAYD_TESTDATA) + "/xray-sdk-node/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream text;
  text << in.rdbuf();
  std::string body = text.str();
  if (body.rfind("{\"format\"", 0) == 0) {
    body = body.substr(body.find('\n') + 1);  // Drop the daemon header line.
  }
  return body;
}

std::size_t NodeNamed(const TraceModel& model, const std::string& name, const std::string& type) {
  for (std::size_t i = 0; i < model.nodes.size(); ++i) {
    if (model.nodes[i].name == name && model.nodes[i].type == type) {
      return i;
    }
  }
  ADD_FAILURE() << "no node " << name << " " << type;
  return 0;
}

bool HasCall(const TraceModel& model, std::size_t from, std::size_t to) {
  for (const TraceCall& call : model.calls) {
    if (call.from == from && call.to == to) {
      return true;
    }
  }
  return false;
}

// API Gateway -> Lambda (service, function) -> DynamoDB table.
std::vector<storage::StoredDocument> LambdaTrace() {
  return {
      Doc(R"({"id":"e000000000000001","name":"fn","origin":"AWS::Lambda::Function",
        "parent_id":"c000000000000001","start_time":100.3,"end_time":100.7,"user":"alice",
        "annotations":{"stage":"prod","count":3,"bad key":1},
        "subsegments":[{"id":"f000000000000001","name":"DynamoDB","namespace":"aws",
          "start_time":100.4,"end_time":100.6,"aws":{"operation":"GetItem","table_name":"users"},
          "http":{"response":{"status":200}}}]})"),
      Doc(R"({"id":"a000000000000001","name":"api","origin":"AWS::ApiGateway::Stage",
        "start_time":100.0,"end_time":101.0,"annotations":{"stage":"prod"},
        "aws":{"account_id":"123456789012"},"resource_arn":"arn:aws:apigateway:stage",
        "http":{"request":{"url":"https://x/y","method":"GET","user_agent":"curl","client_ip":"1.2.3.4"},
                "response":{"status":200}},
        "subsegments":[{"id":"b000000000000001","name":"Lambda","namespace":"aws",
          "start_time":100.1,"end_time":100.9,"aws":{"function_name":"fn"}}]})"),
      Doc(R"({"id":"c000000000000001","name":"fn","origin":"AWS::Lambda",
        "parent_id":"b000000000000001","start_time":100.2,"end_time":100.8})"),
  };
}

TEST(TraceModelTest, LambdaTraceSummaryFields) {
  const auto docs = LambdaTrace();
  const TraceModel model = BuildTraceModel(kTrace, docs);
  EXPECT_EQ(model.id, kTrace);
  EXPECT_DOUBLE_EQ(model.start_time, 100.0);
  EXPECT_DOUBLE_EQ(model.duration, 1.0);
  ASSERT_TRUE(model.response_time);
  EXPECT_DOUBLE_EQ(*model.response_time, 1.0);
  EXPECT_FALSE(model.has_fault || model.has_error || model.has_throttle || model.is_partial);
  EXPECT_EQ(model.http.url, "https://x/y");
  EXPECT_EQ(model.http.status, 200);
  EXPECT_EQ(model.http.method, "GET");
  EXPECT_EQ(model.http.user_agent, "curl");
  EXPECT_EQ(model.http.client_ip, "1.2.3.4");
  EXPECT_EQ(model.resource_arns, std::vector<std::string>{"arn:aws:apigateway:stage"});
  EXPECT_EQ(model.revision, 3);
  EXPECT_TRUE(model.has_inferred);
  const std::size_t api = NodeNamed(model, "api", "AWS::ApiGateway::Stage");
  EXPECT_EQ(model.nodes[api].account_id, "123456789012");
  ASSERT_TRUE(model.entry_point);
  EXPECT_EQ(*model.entry_point, api);
  ASSERT_TRUE(model.root_segment);
  EXPECT_EQ(model.segments[*model.root_segment].id, "a000000000000001");
  EXPECT_TRUE(model.segments[*model.root_segment].root);
}

TEST(TraceModelTest, LambdaTraceGraph) {
  const auto docs = LambdaTrace();
  const TraceModel model = BuildTraceModel(kTrace, docs);
  const std::size_t api = NodeNamed(model, "api", "AWS::ApiGateway::Stage");
  const std::size_t lambda = NodeNamed(model, "fn", "AWS::Lambda");
  const std::size_t function = NodeNamed(model, "fn", "AWS::Lambda::Function");
  const std::size_t table = NodeNamed(model, "users", "AWS::DynamoDB::Table");
  const std::size_t client = NodeNamed(model, "api", "client");
  EXPECT_EQ(model.nodes.size(), 5u);
  EXPECT_EQ(model.nodes[table].kind, NodeKind::kInferred);
  EXPECT_EQ(model.nodes[client].kind, NodeKind::kClient);
  EXPECT_EQ(model.calls.size(), 4u);
  EXPECT_EQ(model.calls[0].from, client);
  EXPECT_EQ(model.calls[0].to, api);
  EXPECT_TRUE(HasCall(model, api, lambda));       // Instrumented: no inferred Lambda node.
  EXPECT_TRUE(HasCall(model, lambda, function));  // [local] segment -> segment.
  EXPECT_TRUE(HasCall(model, function, table));
  ASSERT_EQ(model.segments.size(), 4u);
  const TraceSegment& inferred = model.segments[3];
  EXPECT_TRUE(inferred.inferred);
  EXPECT_EQ(inferred.node, table);
  EXPECT_EQ(inferred.name, "DynamoDB");
  EXPECT_EQ(inferred.id.size(), 16u);
  EXPECT_DOUBLE_EQ(*inferred.response_time, 0.2);
  EXPECT_EQ(inferred.http.status, 200);
  // The function segment's duration covers its subsegments.
  EXPECT_DOUBLE_EQ(*model.segments[2].response_time, 0.4);
}

TEST(TraceModelTest, AnnotationsAndUsersCarryTheirNodes) {
  const auto docs = LambdaTrace();
  const TraceModel model = BuildTraceModel(kTrace, docs);
  const std::size_t api = NodeNamed(model, "api", "AWS::ApiGateway::Stage");
  const std::size_t function = NodeNamed(model, "fn", "AWS::Lambda::Function");
  ASSERT_EQ(model.annotations.size(), 2u);  // "bad key" is not indexable.
  // Arrival order: the function document came first.
  EXPECT_EQ(model.annotations[0].key, "stage");
  ASSERT_EQ(model.annotations[0].values.size(), 1u);
  EXPECT_EQ(model.annotations[0].values[0].value.string_value, "prod");
  EXPECT_EQ(model.annotations[0].values[0].nodes, (std::vector<std::size_t>{api, function}));
  EXPECT_EQ(model.annotations[1].key, "count");
  EXPECT_EQ(model.annotations[1].values[0].value.type, proto::AnnotationValue::Type::kNumber);
  EXPECT_DOUBLE_EQ(model.annotations[1].values[0].value.number_value, 3);
  ASSERT_EQ(model.users.size(), 1u);
  EXPECT_EQ(model.users[0].name, "alice");
  EXPECT_EQ(model.users[0].nodes, std::vector<std::size_t>{function});
}

TEST(TraceModelTest, AnnotationKeysBeyondFiftyAreDropped) {
  nlohmann::ordered_json annotations = nlohmann::ordered_json::object();
  for (int i = 54; i >= 0; --i) {
    annotations["k" + std::to_string(100 + i)] = i;
  }
  nlohmann::ordered_json root = {{"id", "a000000000000001"},
                                 {"name", "svc"},
                                 {"start_time", 1.0},
                                 {"end_time", 2.0},
                                 {"annotations", annotations}};
  const std::vector<storage::StoredDocument> docs = {Doc(root.dump())};
  const TraceModel model = BuildTraceModel(kTrace, docs);
  ASSERT_EQ(model.annotations.size(), 50u);
  EXPECT_EQ(model.annotations.front().key, "k154");  // Document order, not sorted.
  EXPECT_EQ(model.annotations.back().key, "k105");
}

// The SDK streamed the children of "build-report" (three local ones, one http call) before the
// segment: they attach under build-report by parent_id, and the call makes an inferred node.
TEST(TraceModelTest, RemoteCallFromIndependentSubsegmentIsInferred) {
  const std::string segment_raw = ReadTestdata("report-streamed.05-segment.txt");
  const std::string call_raw = ReadTestdata("report-streamed.04-subsegment-127.0.0.1.txt");
  const std::vector<storage::StoredDocument> docs = {
      Doc(segment_raw),
      Doc(ReadTestdata("report-streamed.01-subsegment-render-page-1.txt")),
      Doc(ReadTestdata("report-streamed.02-subsegment-render-page-2.txt")),
      Doc(ReadTestdata("report-streamed.03-subsegment-render-page-3.txt")),
      Doc(call_raw),
  };
  const nlohmann::json segment = nlohmann::json::parse(segment_raw);
  const nlohmann::json streamed = nlohmann::json::parse(call_raw);
  const TraceModel model = BuildTraceModel(segment.at("trace_id").get<std::string>(), docs);
  ASSERT_EQ(model.nodes.size(), 3u);  // orders-api, the inferred remote node, the client.
  EXPECT_EQ(model.nodes[0].name, "orders-api");
  EXPECT_FALSE(model.nodes[0].type);
  const std::size_t remote = NodeNamed(model, "127.0.0.1", "remote");
  EXPECT_EQ(model.nodes[remote].kind, NodeKind::kInferred);
  ASSERT_EQ(model.calls.size(), 2u);
  const TraceCall& call = model.calls[1];
  EXPECT_EQ(call.from, 0u);
  EXPECT_EQ(call.to, remote);
  EXPECT_EQ(call.caller_id, streamed.at("id").get<std::string>());
  EXPECT_EQ(call.http.url, "http://127.0.0.1/stock/42");
  EXPECT_EQ(call.http.method, "GET");
  EXPECT_EQ(call.http.status, 200);
  EXPECT_NEAR(*call.response_time,
              streamed.at("end_time").get<double>() - streamed.at("start_time").get<double>(),
              1e-6);
  EXPECT_TRUE(call.status.ok);
  ASSERT_EQ(model.segments.size(), 2u);
  EXPECT_TRUE(model.segments[1].inferred);
  EXPECT_FALSE(model.segments[1].root);
  // The streamed subsegments end inside their segment.
  EXPECT_NEAR(*model.segments[0].duration,
              segment.at("end_time").get<double>() - segment.at("start_time").get<double>(), 1e-6);
  // Their annotations belong to the trace: "page" has the values 1, 2 and 3.
  ASSERT_EQ(model.annotations.size(), 2u);
  EXPECT_EQ(model.annotations[0].key, "report_pages");
  EXPECT_EQ(model.annotations[1].key, "page");
  EXPECT_EQ(model.annotations[1].values.size(), 3u);
  // The slowest path goes through build-report to the streamed call.
  ASSERT_EQ(model.response_time_root_causes.size(), 1u);
  const RootCause& slow = model.response_time_root_causes[0];
  ASSERT_EQ(slow.services.size(), 2u);
  ASSERT_EQ(slow.services[0].entity_path.size(), 3u);
  EXPECT_EQ(slow.services[0].entity_path[0].name, "orders-api");
  EXPECT_EQ(slow.services[0].entity_path[1].name, "build-report");
  EXPECT_EQ(slow.services[0].entity_path[2].name, "127.0.0.1");
  EXPECT_TRUE(slow.services[0].entity_path[2].remote);
  EXPECT_EQ(slow.services[1].node, remote);
}

TEST(TraceModelTest, InstrumentedDownstreamMakesNoInferredNode) {
  const std::vector<storage::StoredDocument> docs = {
      Doc(R"({"id":"a000000000000001","name":"front","start_time":1,"end_time":3,
              "subsegments":[{"id":"b000000000000001","name":"back","namespace":"remote",
                "start_time":1.5,"end_time":2.5,"http":{"response":{"status":500}}}]})"),
      Doc(R"({"id":"c000000000000001","name":"back","parent_id":"b000000000000001",
              "start_time":1.6,"end_time":2.4,"fault":true})"),
  };
  const TraceModel model = BuildTraceModel(kTrace, docs);
  EXPECT_FALSE(model.has_inferred);
  ASSERT_EQ(model.nodes.size(), 3u);
  EXPECT_EQ(model.nodes[1].name, "back");
  EXPECT_EQ(model.nodes[1].kind, NodeKind::kReal);
  ASSERT_EQ(model.calls.size(), 2u);
  EXPECT_EQ(model.calls[1].from, 0u);
  EXPECT_EQ(model.calls[1].to, 1u);
  EXPECT_TRUE(model.calls[1].status.fault);  // The edge uses the caller's subsegment.
  EXPECT_EQ(model.segments.size(), 2u);
  EXPECT_EQ(*model.root_segment, 0u);
  EXPECT_DOUBLE_EQ(*model.segments[1].response_time, 0.8);
}

TEST(TraceModelTest, RootIsEarliestSegmentWithUnknownParent) {
  const std::vector<storage::StoredDocument> docs = {
      Doc(R"({"id":"b000000000000002","name":"late","start_time":5,"end_time":6})"),
      Doc(R"({"id":"b000000000000001","name":"tie","parent_id":"ffffffffffffffff",
              "start_time":2,"end_time":3})"),
      Doc(R"({"id":"a000000000000001","name":"early","parent_id":"ffffffffffffffff",
              "start_time":2,"end_time":4})"),
  };
  const TraceModel model = BuildTraceModel(kTrace, docs);
  ASSERT_TRUE(model.root_segment);
  EXPECT_EQ(model.segments[*model.root_segment].id, "a000000000000001");
  EXPECT_EQ(model.nodes[*model.entry_point].name, "early");
  EXPECT_DOUBLE_EQ(*model.response_time, 2);
}

struct StatusCase {
  const char* fields;
  bool fault;
  bool error;
  bool throttle;
};

TEST(TraceModelTest, RootStatusFromFlagsAndHttpStatus) {
  const StatusCase cases[] = {
      {R"("fault":true)", true, false, false},
      {R"("http":{"response":{"status":503}})", true, false, false},
      {R"("http":{"response":{"status":404}})", false, true, false},
      {R"("http":{"response":{"status":429}})", false, true, true},
      {R"("throttle":true)", false, true, true},
      {R"("error":true,"http":{"response":{"status":200}})", false, true, false},
      {R"("http":{"response":{"status":200}})", false, false, false},
  };
  for (const StatusCase& c : cases) {
    const std::vector<storage::StoredDocument> docs = {
        Doc(std::string(R"({"id":"a000000000000001","name":"s","start_time":1,"end_time":2,)") +
            c.fields + "}")};
    const TraceModel model = BuildTraceModel(kTrace, docs);
    EXPECT_EQ(model.has_fault, c.fault) << c.fields;
    EXPECT_EQ(model.has_error, c.error) << c.fields;
    EXPECT_EQ(model.has_throttle, c.throttle) << c.fields;
    const DerivedStatus& status = model.segments[0].status;
    EXPECT_EQ(status.ok, !c.fault && !c.error) << c.fields;
  }
}

TEST(TraceModelTest, ThrottleAnywhereButErrorOnlyFromRoot) {
  const std::vector<storage::StoredDocument> docs = {
      Doc(R"({"id":"a000000000000001","name":"s","start_time":1,"end_time":2})"),
      Doc(R"({"type":"subsegment","id":"b000000000000001","parent_id":"a000000000000001",
              "name":"q","start_time":1.1,"end_time":1.2,"http":{"response":{"status":429}}})"),
  };
  const TraceModel model = BuildTraceModel(kTrace, docs);
  EXPECT_TRUE(model.has_throttle);
  EXPECT_FALSE(model.has_error);
  EXPECT_FALSE(model.has_fault);
}

// The SDK flushed "long-operation" while it and its subsegment were still open.
TEST(TraceModelTest, InProgressRootIsPartialWithoutResponseTime) {
  const std::vector<storage::StoredDocument> docs = {
      Doc(ReadTestdata("long-operation.01-segment-in-progress.txt"))};
  const TraceModel model = BuildTraceModel(docs[0].trace_id, docs);
  EXPECT_TRUE(model.is_partial);
  EXPECT_FALSE(model.response_time);
  EXPECT_DOUBLE_EQ(model.duration, 0);
  ASSERT_TRUE(model.root_segment);
  EXPECT_TRUE(model.segments[*model.root_segment].in_progress);
  EXPECT_EQ(model.nodes[*model.entry_point].name, "long-operation");
  EXPECT_TRUE(model.response_time_root_causes.empty());
  ASSERT_EQ(model.annotations.size(), 1u);
  EXPECT_EQ(model.annotations[0].key, "batch");
}

// GET /orders/42 answered 200, with an http call and a DynamoDB GetItem on "orders".
TEST(TraceModelTest, ServerSegmentHttpFromRoot) {
  const std::string raw = ReadTestdata("get-order.01-segment.txt");
  const nlohmann::json json = nlohmann::json::parse(raw);
  const std::vector<storage::StoredDocument> docs = {Doc(raw)};
  const TraceModel model = BuildTraceModel(json.at("trace_id").get<std::string>(), docs);
  EXPECT_EQ(model.http.url, json.at("http").at("request").at("url").get<std::string>());
  EXPECT_EQ(model.http.method, "GET");
  EXPECT_EQ(model.http.client_ip, "127.0.0.1");
  EXPECT_EQ(model.http.user_agent, "node");
  EXPECT_EQ(model.http.status, 200);
  EXPECT_NEAR(*model.response_time,
              json.at("end_time").get<double>() - json.at("start_time").get<double>(), 1e-6);
  EXPECT_FALSE(model.has_fault || model.has_error || model.has_throttle);
  ASSERT_EQ(model.users.size(), 1u);
  EXPECT_EQ(model.users[0].name, "alice");
  ASSERT_EQ(model.annotations.size(), 3u);
  EXPECT_EQ(model.annotations[1].key, "order_id");
  EXPECT_DOUBLE_EQ(model.annotations[1].values.at(0).value.number_value, 42);
  // orders-api, the inferred backend and table, its client.
  ASSERT_EQ(model.nodes.size(), 4u);
  EXPECT_EQ(model.nodes[0].name, "orders-api");
  EXPECT_FALSE(model.nodes[0].type);
  const std::size_t backend = NodeNamed(model, "127.0.0.1", "remote");
  const std::size_t table = NodeNamed(model, "orders", "AWS::DynamoDB::Table");
  ASSERT_EQ(model.calls.size(), 3u);
  EXPECT_EQ(model.calls[1].to, backend);
  EXPECT_EQ(model.calls[2].to, table);
  EXPECT_TRUE(model.calls[1].status.ok && model.calls[2].status.ok);
  EXPECT_EQ(model.calls[2].http.status, 200);
  EXPECT_TRUE(model.fault_root_causes.empty());
  EXPECT_TRUE(model.error_root_causes.empty());
}

// POST /orders answered 500: DescribeTable on "orders" (200), PutItem on the missing table
// "orders_archive" (400: the SDK sets error and, for the remote exception, fault), then the
// local subsegment "charge-card" fails with PaymentTimeoutError.
TEST(TraceModelTest, DynamoDbFaultFieldsGraphAndRootCauses) {
  const std::string raw = ReadTestdata("create-order-fault.01-segment.txt");
  const nlohmann::json json = nlohmann::json::parse(raw);
  const std::vector<storage::StoredDocument> docs = {Doc(raw)};
  const TraceModel model = BuildTraceModel(json.at("trace_id").get<std::string>(), docs);
  // Root: "fault": true with status 500, so neither error nor throttle.
  EXPECT_TRUE(model.has_fault);
  EXPECT_FALSE(model.has_error);
  EXPECT_FALSE(model.has_throttle);
  const double root_time = json.at("end_time").get<double>() - json.at("start_time").get<double>();
  EXPECT_NEAR(*model.response_time, root_time, 1e-6);
  ASSERT_EQ(model.annotations.size(), 2u);
  EXPECT_EQ(model.annotations[0].key, "customer_tier");
  EXPECT_EQ(model.annotations[1].key, "archive_failed");
  ASSERT_EQ(model.users.size(), 1u);
  EXPECT_EQ(model.users[0].name, "bob");
  // Two DynamoDB calls with table_name: two inferred table nodes, plus orders-api and its client.
  // charge-card is local work: no node.
  ASSERT_EQ(model.nodes.size(), 4u);
  const std::size_t api = 0;
  EXPECT_EQ(model.nodes[api].name, "orders-api");
  const std::size_t ok_table = NodeNamed(model, "orders", "AWS::DynamoDB::Table");
  const std::size_t bad_table = NodeNamed(model, "orders_archive", "AWS::DynamoDB::Table");
  ASSERT_EQ(model.calls.size(), 3u);
  EXPECT_TRUE(model.calls[0].status.fault);
  EXPECT_EQ(model.calls[0].http.status, 500);
  EXPECT_EQ(model.calls[1].to, ok_table);
  EXPECT_TRUE(model.calls[1].status.ok);
  EXPECT_EQ(model.calls[2].to, bad_table);
  EXPECT_TRUE(model.calls[2].status.fault);  // "fault": true
  EXPECT_TRUE(model.calls[2].status.error);  // "error": true, status 400
  EXPECT_EQ(model.calls[2].http.status, 400);

  // Fault: of the root's faulty children, charge-card ends last; its exception is local.
  ASSERT_EQ(model.fault_root_causes.size(), 1u);
  const RootCause& fault = model.fault_root_causes[0];
  EXPECT_TRUE(fault.client_impacting);
  ASSERT_EQ(fault.services.size(), 1u);
  EXPECT_EQ(fault.services[0].node, api);
  ASSERT_EQ(fault.services[0].entity_path.size(), 2u);
  EXPECT_EQ(fault.services[0].entity_path[0].name, "orders-api");
  const RootCauseEntity& charge = fault.services[0].entity_path[1];
  EXPECT_EQ(charge.name, "charge-card");
  EXPECT_FALSE(charge.remote);
  ASSERT_EQ(charge.exceptions.size(), 1u);
  EXPECT_EQ(charge.exceptions[0].name, "PaymentTimeoutError");
  EXPECT_EQ(charge.exceptions[0].message, "card processor timed out");

  // Error: only the PutItem call (400) has it; the root does not.
  ASSERT_EQ(model.error_root_causes.size(), 1u);
  const RootCause& error = model.error_root_causes[0];
  EXPECT_FALSE(error.client_impacting);
  ASSERT_EQ(error.services.size(), 2u);
  ASSERT_EQ(error.services[0].entity_path.size(), 2u);
  const RootCauseEntity& put = error.services[0].entity_path[1];
  EXPECT_EQ(put.name, "DynamoDB");
  EXPECT_TRUE(put.remote);
  ASSERT_EQ(put.exceptions.size(), 1u);
  EXPECT_EQ(put.exceptions[0].name, "ResourceNotFoundException");
  EXPECT_EQ(put.exceptions[0].message, "Requested resource not found");
  EXPECT_EQ(error.services[1].node, bad_table);
  EXPECT_TRUE(error.services[1].inferred);
  ASSERT_EQ(error.services[1].entity_path.size(), 1u);
  EXPECT_TRUE(error.services[1].entity_path[0].exceptions.empty());

  // Response time: the slower of the two table calls, with its share of the root's time.
  ASSERT_EQ(model.response_time_root_causes.size(), 1u);
  const RootCause& slow = model.response_time_root_causes[0];
  ASSERT_EQ(slow.services.size(), 2u);
  const TraceCall& slower = *model.calls[1].response_time > *model.calls[2].response_time
                                ? model.calls[1]
                                : model.calls[2];
  EXPECT_EQ(slow.services[1].node, slower.to);
  EXPECT_DOUBLE_EQ(*slow.services[0].entity_path[0].coverage, 1.0);
  EXPECT_NEAR(*slow.services[1].entity_path[0].coverage, *slower.response_time / root_time, 1e-3);
}

TEST(TraceModelTest, NoRootCauseWithoutTheKind) {
  const std::vector<storage::StoredDocument> docs = {
      Doc(R"({"id":"a000000000000001","name":"s","start_time":1,"end_time":2})")};
  const TraceModel model = BuildTraceModel(kTrace, docs);
  EXPECT_TRUE(model.fault_root_causes.empty());
  EXPECT_TRUE(model.error_root_causes.empty());
  ASSERT_EQ(model.response_time_root_causes.size(), 1u);
  EXPECT_EQ(model.response_time_root_causes[0].services[0].entity_path.size(), 1u);
}

TEST(TraceModelTest, FaultChainAcrossInstrumentedServices) {
  // front -> (remote call) -> back segment -> local subsegment that faulted; front faults too.
  const std::vector<storage::StoredDocument> docs = {
      Doc(R"({"id":"a000000000000001","name":"front","start_time":1,"end_time":3,"fault":true,
              "subsegments":[
                {"id":"b000000000000001","name":"back","namespace":"remote","start_time":1.5,
                 "end_time":2.5,"fault":true},
                {"id":"b000000000000002","name":"other","namespace":"remote","start_time":1.1,
                 "end_time":1.2,"fault":true}]})"),
      Doc(R"({"id":"c000000000000001","name":"back","parent_id":"b000000000000001",
              "start_time":1.6,"end_time":2.4,"fault":true,
              "subsegments":[{"id":"d000000000000001","name":"query","start_time":1.7,
                "end_time":2.3,"fault":true,
                "cause":{"exceptions":[{"id":"e000000000000001","type":"Boom","message":"x"}]}}]})"),
  };
  const TraceModel model = BuildTraceModel(kTrace, docs);
  ASSERT_EQ(model.fault_root_causes.size(), 1u);
  const RootCause& cause = model.fault_root_causes[0];
  EXPECT_TRUE(cause.client_impacting);
  ASSERT_EQ(cause.services.size(), 2u);
  EXPECT_EQ(model.nodes[cause.services[0].node].name, "front");
  ASSERT_EQ(cause.services[0].entity_path.size(), 2u);
  EXPECT_EQ(cause.services[0].entity_path[1].name, "back");  // Later-ending than "other".
  EXPECT_TRUE(cause.services[0].entity_path[1].remote);
  EXPECT_EQ(model.nodes[cause.services[1].node].name, "back");
  EXPECT_FALSE(cause.services[1].inferred);
  ASSERT_EQ(cause.services[1].entity_path.size(), 2u);
  const RootCauseEntity& leaf = cause.services[1].entity_path[1];
  EXPECT_EQ(leaf.name, "query");
  EXPECT_FALSE(leaf.remote);
  ASSERT_EQ(leaf.exceptions.size(), 1u);
  EXPECT_EQ(leaf.exceptions[0].name, "Boom");
  EXPECT_EQ(leaf.exceptions[0].message, "x");
}

TEST(TraceModelTest, IndependentSubsegmentAnnotationsBelongToTheParentNode) {
  const std::vector<storage::StoredDocument> docs = {
      Doc(R"({"id":"a000000000000001","name":"svc","start_time":1,"end_time":2})"),
      Doc(R"({"type":"subsegment","id":"b000000000000001","parent_id":"a000000000000001",
              "name":"work","start_time":1.1,"end_time":2.5,"annotations":{"k":false}})"),
  };
  const TraceModel model = BuildTraceModel(kTrace, docs);
  ASSERT_EQ(model.annotations.size(), 1u);
  EXPECT_EQ(model.annotations[0].values[0].value.type, proto::AnnotationValue::Type::kBool);
  EXPECT_EQ(model.annotations[0].values[0].nodes, std::vector<std::size_t>{0});
  // The attached subsegment ends after its parent: the segment's duration covers it.
  EXPECT_DOUBLE_EQ(*model.segments[0].response_time, 1.0);
  EXPECT_DOUBLE_EQ(*model.segments[0].duration, 1.5);
}

TEST(TraceModelTest, OddAndHostileDocumentsDoNotBreakTheModel) {
  const std::vector<storage::StoredDocument> docs = {
      Doc(R"({"id":"a000000000000001","name":"root","start_time":1,"end_time":2,"fault":true,
              "http":{"response":{"status":"500"}},
              "annotations":{"obj":{"a":1},"arr":[1],"nil":null},
              "subsegments":[{"id":"b000000000000001","name":"call","namespace":"remote",
                "start_time":1.1,"end_time":1.9,"fault":true,"subsegments":"nope"}]})"),
      // Reuses the root's subsegment id, so s1 is downstream of its own subsegment: a cycle.
      Doc(R"({"id":"c000000000000001","name":"s1","parent_id":"b000000000000001",
              "start_time":1.2,"end_time":1.8,"fault":true,
              "subsegments":[{"id":"b000000000000001","name":"x","namespace":"remote",
                "start_time":1.3,"end_time":1.7,"fault":true}]})"),
      Doc(R"({"id":"d000000000000001","name":"odd","start_time":0.5,"end_time":0.6,
              "parent_id":"b000000000000001"})"),
  };
  std::vector<storage::StoredDocument> all = docs;
  storage::StoredDocument garbage = Doc(R"({"id":"e000000000000001","start_time":3})");
  garbage.raw = "not json";
  all.push_back(garbage);
  garbage.raw = "[1,2]";
  all.push_back(garbage);
  const TraceModel model = BuildTraceModel(kTrace, all);
  EXPECT_TRUE(model.annotations.empty());
  EXPECT_FALSE(model.http.status);  // A string status is not a status.
  ASSERT_TRUE(model.root_segment);
  EXPECT_EQ(model.segments[*model.root_segment].name, "root");
  EXPECT_TRUE(model.has_fault);
  EXPECT_EQ(model.revision, 5);
  // The cyclic s1 <-> x link ends the descent instead of looping.
  ASSERT_EQ(model.fault_root_causes.size(), 1u);
  const RootCause& cause = model.fault_root_causes[0];
  ASSERT_EQ(cause.services.size(), 2u);
  EXPECT_EQ(cause.services[1].entity_path.size(), 2u);
  EXPECT_EQ(cause.services[1].entity_path.back().name, "x");
  ASSERT_EQ(model.response_time_root_causes.size(), 1u);
}

struct InferredCase {
  const char* subsegment;  // Fields added to an aws/remote subsegment.
  const char* name;
  const char* type;
};

TEST(TraceModelTest, InferredNodeNamesAndTypes) {
  const InferredCase cases[] = {
      {R"("name":"DynamoDB","namespace":"aws","aws":{"table_name":"t1"})", "t1",
       "AWS::DynamoDB::Table"},
      {R"("name":"SQS","namespace":"aws","aws":{"queue_url":"https://sqs/123/q1"})", "q1",
       "AWS::SQS::Queue"},
      {R"("name":"S3","namespace":"aws","aws":{"resource_names":["bucket1"]})", "bucket1",
       "AWS::S3::Bucket"},
      {R"("name":"Lambda","namespace":"aws","aws":{"function_name":"f"})", "Lambda", "AWS::Lambda"},
      {R"("name":"SNS","namespace":"aws","aws":{"operation":"Publish"})", "SNS", "AWS::SNS"},
      {R"("name":"db.example.com","namespace":"remote")", "db.example.com", "remote"},
  };
  for (const InferredCase& c : cases) {
    const std::vector<storage::StoredDocument> docs = {
        Doc(std::string(R"({"id":"a000000000000001","name":"s","start_time":1,"end_time":2,
            "subsegments":[{"id":"b000000000000001","start_time":1.1,"end_time":1.2,)") +
            c.subsegment + "}]}")};
    const TraceModel model = BuildTraceModel(kTrace, docs);
    ASSERT_EQ(model.nodes.size(), 3u) << c.subsegment;
    EXPECT_EQ(model.nodes[1].name, c.name) << c.subsegment;
    EXPECT_EQ(model.nodes[1].type, c.type) << c.subsegment;
    EXPECT_EQ(model.nodes[1].kind, NodeKind::kInferred) << c.subsegment;
  }
  // Local work (no aws/remote namespace) makes no node.
  const std::vector<storage::StoredDocument> local = {
      Doc(R"({"id":"a000000000000001","name":"s","start_time":1,"end_time":2,
              "subsegments":[{"id":"b000000000000001","name":"l","namespace":"local",
                              "start_time":1.1,"end_time":1.2}]})")};
  EXPECT_EQ(BuildTraceModel(kTrace, local).nodes.size(), 2u);
}

}  // namespace
}  // namespace xrayd::query
