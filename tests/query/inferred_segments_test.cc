#include "query/inferred_segments.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "query/trace_assembler.h"

namespace xrayd::query {
namespace {

constexpr const char* kTrace = "1-581cf771-a006649127e371903a2de979";

storage::StoredDocument Root(const std::string& raw) {
  storage::StoredDocument doc;
  doc.trace_id = kTrace;
  doc.id = "1111111111111111";
  doc.start_time = 100;
  doc.end_time = 101;
  doc.raw = raw;
  return doc;
}

TEST(InferredSegmentsTest, OneDocumentPerDownstreamCallOrderedByStart) {
  const std::vector<storage::StoredDocument> docs = {Root(
      R"({"trace_id":"1-581cf771-a006649127e371903a2de979","id":"1111111111111111","name":"api",)"
      R"("start_time":100,"end_time":101,"subsegments":[)"
      R"({"id":"2222222222222222","name":"DynamoDB","namespace":"aws","start_time":100.5,)"
      R"("end_time":100.6,"throttle":true,"error":true,"http":{"response":{"status":429}},)"
      R"("aws":{"operation":"GetItem","table_name":"carts","region":"us-east-1"}},)"
      R"({"id":"3333333333333333","name":"payments.example.com","namespace":"remote",)"
      R"("start_time":100.2,"end_time":100.3,)"
      R"("http":{"request":{"method":"POST","url":"https://payments.example.com/pay"}}}]})")};
  nlohmann::json trace = AssembleTrace(kTrace, docs);
  AppendInferredSegments(BuildTraceModel(kTrace, docs), trace);
  ASSERT_EQ(trace["Segments"].size(), 3u);
  std::vector<nlohmann::json> parsed;
  for (const auto& entry : trace["Segments"]) {
    parsed.push_back(nlohmann::json::parse(entry["Document"].get<std::string>()));
    EXPECT_EQ(entry["Id"], parsed.back()["id"]);
  }
  EXPECT_EQ(parsed[0]["name"], "api");
  const nlohmann::json& remote = parsed[1];
  EXPECT_EQ(remote["inferred"], true);
  EXPECT_EQ(remote["name"], "payments.example.com");
  EXPECT_EQ(remote["parent_id"], "3333333333333333");
  EXPECT_EQ(remote["http"]["request"]["method"], "POST");
  EXPECT_EQ(remote["trace_id"], kTrace);
  const nlohmann::json& table = parsed[2];
  EXPECT_EQ(table["inferred"], true);
  EXPECT_EQ(table["name"], "carts");
  EXPECT_EQ(table["origin"], "AWS::DynamoDB::Table");
  EXPECT_EQ(table["parent_id"], "2222222222222222");
  EXPECT_DOUBLE_EQ(table["start_time"].get<double>(), 100.5);
  EXPECT_DOUBLE_EQ(table["end_time"].get<double>(), 100.6);
  EXPECT_EQ(table["throttle"], true);
  EXPECT_EQ(table["http"]["response"]["status"], 429);
  EXPECT_EQ(table["aws"]["operation"], "GetItem");
  EXPECT_NE(table["id"], remote["id"]);
}

TEST(InferredSegmentsTest, TraceWithoutDownstreamCallsIsUnchanged) {
  const std::vector<storage::StoredDocument> docs = {
      Root(R"({"trace_id":"1-581cf771-a006649127e371903a2de979","id":"1111111111111111",)"
           R"("name":"api","start_time":100,"end_time":101})")};
  nlohmann::json trace = AssembleTrace(kTrace, docs);
  const nlohmann::json before = trace;
  AppendInferredSegments(BuildTraceModel(kTrace, docs), trace);
  EXPECT_EQ(trace, before);
}

}  // namespace
}  // namespace xrayd::query
