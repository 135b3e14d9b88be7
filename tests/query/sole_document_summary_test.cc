// query::SoleDocumentSummaryRow: a one-document trace's summary from the ingest parse must be the
// row the trace model gives for the same stored document (tests/support/sole_summary_check.h).

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proto/document_decoder.h"
#include "query/trace_summary_row.h"
#include "tests/support/sole_summary_check.h"

namespace xrayd::query {
namespace {

constexpr const char* kHead =
    R"("trace_id":"1-581cf771-a006649127e371903a2de979","id":"70de5b6f19ff9a0a","name":"api","start_time":1478293361.271)";

std::string Segment(const std::string& rest) {
  return std::string("{") + kHead + (rest.empty() ? "" : ",") + rest + "}";
}

proto::Document DecodeOne(const std::string& body) {
  proto::DocumentDecoder decoder;
  auto docs = decoder.Decode(body);
  EXPECT_TRUE(docs.has_value()) << body << ": " << (docs ? "" : docs.error().detail);
  if (!docs || docs->size() != 1) {
    ADD_FAILURE() << "not one document: " << body;
    return {};
  }
  return std::move(docs->front());
}

// Documents that exercise every member of the row, and the JSON spellings where a second parser
// could read them differently: repeated keys, nulls, wrong types, integral floats, nesting.
const std::vector<std::string>& Cases() {
  static const std::vector<std::string> cases = {
      Segment(R"("end_time":1478293361.449)"),
      Segment(
          R"("end_time":1478293361.449,"http":{"request":{"method":"GET","url":"https://a/b","user_agent":"curl","client_ip":"10.0.0.1"},"response":{"status":200}})"),
      Segment(R"("end_time":1478293362,"http":{"response":{"status":500.0}},"error":true)"),
      Segment(R"("end_time":1478293362,"http":{"response":{"status":429}})"),
      Segment(R"("end_time":1478293362,"http":{"response":{"status":404.5}},"fault":false)"),
      Segment(R"("end_time":1478293362,"http":{"response":{"status":"503"}},"throttle":true)"),
      Segment(R"("end_time":1478293362,"http":{"response":{"status":-1}})"),
      Segment(R"("end_time":1478293362,"http":{"response":{"status":5e2}})"),
      Segment(
          R"("end_time":1478293362,"http":{"request":{"url":"first","url":"second"},"request":{"method":"POST"}})"),
      Segment(R"("end_time":1478293362,"http":{"request":{"url":null,"method":7}},"user":null)"),
      Segment(R"("end_time":1478293362,"http":[1,2],"aws":"text")"),
      Segment(R"("in_progress":true)"),
      Segment(R"("in_progress":true,"http":{"response":{"status":502}})"),
      Segment(
          R"("end_time":1478293362.5,"subsegments":[{"id":"1111111111111111","name":"work","start_time":1478293361.3,"in_progress":true}])"),
      Segment(
          R"("end_time":1478293360,"user":"alice","resource_arn":"arn:aws:ec2:x","aws":{"account_id":"123","ec2":{"instance_id":"i-1","availability_zone":"us-east-1a"}})"),
      Segment(
          R"("end_time":1478293362,"user":"","resource_arn":"","aws":{"ec2":{"instance_id":"i-1"},"ec2":{"availability_zone":"b"}})"),
      Segment(R"("end_time":1478293362,"origin":"AWS::EC2::Instance","subsegments":[
        {"id":"1111111111111111","name":"DynamoDB","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"table_name":"orders","operation":"GetItem"}},
        {"id":"2222222222222222","name":"SQS","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"queue_url":"https://sqs.us-east-1.amazonaws.com/123/jobs"}},
        {"id":"3333333333333333","name":"SQS","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"queue_url":"no-slash"}},
        {"id":"4444444444444444","name":"S3","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"resource_names":["bucket-1","bucket-2"]}},
        {"id":"5555555555555555","name":"Lambda","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"function_name":"f"}},
        {"id":"6666666666666666","name":"STS","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"resource_names":[7,"x"]}},
        {"id":"7777777777777777","name":"api.example.com","namespace":"remote","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"table_name":"ignored"}},
        {"id":"8888888888888888","name":"local","namespace":"local","start_time":1478293361.3,"end_time":1478293361.4}
      ])"),
      Segment(
          R"("end_time":1478293362,"subsegments":[{"id":"1111111111111111","name":"outer","start_time":1478293361.3,"end_time":1478293361.9,"subsegments":[
        {"id":"2222222222222222","name":"DynamoDB","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"table_name":"a","table_name":"b"},"subsegments":[
          {"id":"3333333333333333","name":"deep.example","namespace":"remote","start_time":1478293361.3,"in_progress":true}]}]}])"),
      Segment(
          R"("end_time":1478293362,"subsegments":[{"id":"1111111111111111","name":"Dynamo","namespace":"aws","namespace":"local","start_time":1478293361.3,"end_time":1478293361.4}])"),
      Segment(
          R"("end_time":1478293362,"subsegments":[{"id":"1111111111111111","name":"Dynamo","namespace":"local","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":null}])"),
      Segment(
          R"("end_time":1478293362,"parent_id":"abcdefabcdefabcd","http":{"response":{"status":201}})"),
      Segment(R"("end_time":1478293350)"),
      Segment(R"("end_time":1478293361.2710004)"),
  };
  return cases;
}

TEST(SoleDocumentSummaryTest, EveryCaseMatchesTheTraceModelsRow) {
  for (const std::string& body : Cases()) {
    const proto::Document doc = DecodeOne(body);
    ASSERT_TRUE(doc.sole_trace.has_value()) << body;
    EXPECT_EQ(testing::SoleSummaryMismatch(doc), "") << body;
  }
}

TEST(SoleDocumentSummaryTest, TheRowCarriesTheSegmentsValues) {
  const proto::Document doc = DecodeOne(Cases()[16]);
  const std::optional<storage::TraceSummaryRow> row = SoleDocumentSummaryRow(doc);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->flags & storage::kSummaryFlagInferred, storage::kSummaryFlagInferred);
  const auto values = testing::ValueSet(*row);
  for (const char* service :
       {"api", "orders", "jobs", "no-slash", "bucket-1", "Lambda", "STS", "api.example.com"}) {
    EXPECT_NE(std::find(values.begin(), values.end(),
                        std::pair<std::string, std::string>("$service", service)),
              values.end())
        << service;
  }
  EXPECT_EQ(std::count_if(values.begin(), values.end(),
                          [](const auto& v) { return v.second == "local"; }),
            0);
}

TEST(SoleDocumentSummaryTest, CapturedSdkSegmentsMatchTheTraceModelsRow) {
  int checked = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(XRAYD_TESTDATA) + "/xray-sdk-node")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string body = text.str();
    body = body.substr(body.find('\n') + 1);  // The daemon header line.
    proto::DocumentDecoder decoder;
    auto docs = decoder.Decode(body);
    ASSERT_TRUE(docs.has_value()) << entry.path();
    for (const proto::Document& doc : *docs) {
      EXPECT_EQ(testing::SoleSummaryMismatch(doc), "") << entry.path();
      checked += doc.sole_trace ? 1 : 0;
    }
  }
  EXPECT_GE(checked, 5);
}

TEST(SoleDocumentSummaryTest, DocumentsThatCannotBeAWholeTraceHaveNoRow) {
  // An independent subsegment: the trace has no segment of its own yet.
  const proto::Document subsegment =
      DecodeOne(R"({"type":"subsegment","parent_id":"1111111111111111",)" + std::string(kHead) +
                R"(,"end_time":1478293362})");
  EXPECT_FALSE(subsegment.sole_trace.has_value());
  EXPECT_FALSE(SoleDocumentSummaryRow(subsegment).has_value());
  // A segment whose parent_id names one of its own subsegments is not its trace's root.
  const proto::Document own_parent = DecodeOne(Segment(
      R"("parent_id":"2222222222222222","end_time":1478293362,"subsegments":[{"id":"2222222222222222","name":"x","start_time":1478293361.3,"end_time":1478293361.4}])"));
  EXPECT_FALSE(own_parent.sole_trace.has_value());
  const proto::Document own_id =
      DecodeOne(Segment(R"("parent_id":"70de5b6f19ff9a0a","end_time":1478293362)"));
  EXPECT_FALSE(own_id.sole_trace.has_value());
}

}  // namespace
}  // namespace xrayd::query
