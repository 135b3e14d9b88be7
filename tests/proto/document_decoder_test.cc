#include "proto/document_decoder.h"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace xrayd::proto {
namespace {

std::vector<Document> DecodeOk(std::string_view body) {
  DocumentDecoder decoder;
  auto docs = decoder.Decode(body);
  EXPECT_TRUE(docs.has_value()) << (docs ? "" : docs.error().detail) << "\n" << body;
  return docs ? std::move(*docs) : std::vector<Document>{};
}

constexpr std::string_view kSegment = R"({
  "trace_id": "1-5F2AEBCC-B475D14618C51EAA28753D37",
  "id": "BDA182A644EEE9B3",
  "name": "Sample Server",
  "start_time": 1596648396.6399446,
  "end_time": 1596648396.6401389,
  "user": "alice",
  "origin": "AWS::EC2::Instance",
  "resource_arn": "arn:aws:ec2:us-west-2:000000000000:instance/i-1",
  "fault": true,
  "error": false,
  "throttle": true,
  "http": {"request": {"method": "GET", "url": "http://localhost:8000/", "client_ip": "127.0.0.1",
                       "user_agent": "curl/8"},
           "response": {"status": 503, "content_length": -1}},
  "annotations": {"customer": "c-1", "count": 3, "ratio": 0.5, "vip": true},
  "metadata": {"default": {"deep": {"x": [1, 2, {"y": null}]}}},
  "subsegments": [
    {"id": "7df694142c905d8d", "name": "DDB.PutItem", "start_time": 1596566305.5354965,
     "end_time": 1596566305.5928457, "namespace": "aws",
     "annotations": {"table": "t1"},
     "subsegments": [
       {"id": "0000000000000AbC", "name": "attempt", "start_time": 1, "in_progress": true,
        "annotations": {"retry": 2}}
     ]},
    {"id": "1111111111111111", "name": "marshal", "start_time": 1, "end_time": 2}
  ]
}
)";

TEST(DocumentDecoderTest, DecodesSegmentWithEmbeddedSubsegments) {
  const auto docs = DecodeOk(kSegment);
  ASSERT_EQ(docs.size(), 1U);
  const Document& doc = docs[0];
  EXPECT_EQ(doc.kind, DocumentKind::kSegment);
  EXPECT_EQ(doc.trace_id, "1-5f2aebcc-b475d14618c51eaa28753d37");  // Lower-cased.
  EXPECT_EQ(doc.id, "bda182a644eee9b3");
  EXPECT_EQ(doc.parent_id, "");
  EXPECT_EQ(doc.name, "Sample Server");
  EXPECT_DOUBLE_EQ(doc.start_time, 1596648396.6399446);
  ASSERT_TRUE(doc.end_time.has_value());
  EXPECT_DOUBLE_EQ(*doc.end_time, 1596648396.6401389);
  EXPECT_TRUE(doc.in_progress);  // An embedded subsegment is in progress.
  EXPECT_TRUE(doc.fault);
  EXPECT_FALSE(doc.error);
  EXPECT_TRUE(doc.throttle);
  // An embedded id is written in upper case: the trace model would match it by its text, so the
  // decoder keeps no summary facts and the trace is summarized from its stored documents.
  EXPECT_FALSE(doc.summary_facts.has_value());
  EXPECT_EQ(doc.embedded_subsegments, 3U);
  EXPECT_EQ(doc.unindexed_annotations, 0U);
  // raw is the body verbatim, minus the trailing newline.
  EXPECT_EQ(doc.raw, kSegment.substr(0, kSegment.size() - 1));

  ASSERT_EQ(doc.annotations.size(), 6U);  // Depth-first, document order.
  EXPECT_EQ(doc.annotations[0].key, "customer");
  EXPECT_EQ(doc.annotations[0].value.type, AnnotationValue::Type::kString);
  EXPECT_EQ(doc.annotations[0].value.string_value, "c-1");
  EXPECT_EQ(doc.annotations[1].value.type, AnnotationValue::Type::kNumber);
  EXPECT_DOUBLE_EQ(doc.annotations[1].value.number_value, 3);
  EXPECT_DOUBLE_EQ(doc.annotations[2].value.number_value, 0.5);
  EXPECT_EQ(doc.annotations[3].value.type, AnnotationValue::Type::kBool);
  EXPECT_TRUE(doc.annotations[3].value.bool_value);
  EXPECT_EQ(doc.annotations[4].key, "table");
  EXPECT_EQ(doc.annotations[5].key, "retry");
}

TEST(DocumentDecoderTest, DecodesIndependentSubsegment) {
  const auto docs =
      DecodeOk(R"({"type":"subsegment","trace_id":"1-581cf771-a006649127e371903a2de979",
      "parent_id":"DEFDFD9912DC5A56","id":"53995c3f42cd8ad8","name":"api.example.com",
      "start_time":1478293361.271,"end_time":1478293361.449,"namespace":"remote",
      "http":{"response":{"status":200}}})");
  ASSERT_EQ(docs.size(), 1U);
  EXPECT_EQ(docs[0].kind, DocumentKind::kSubsegment);
  EXPECT_EQ(docs[0].parent_id, "defdfd9912dc5a56");
  EXPECT_FALSE(docs[0].in_progress);
  EXPECT_FALSE(docs[0].summary_facts.has_value());  // The parent_id is in upper case.
}

TEST(DocumentDecoderTest, KeepsTheSummaryFactsOfAnIndependentSubsegment) {
  const auto docs =
      DecodeOk(R"({"type":"subsegment","trace_id":"1-581cf771-a006649127e371903a2de979",
      "parent_id":"defdfd9912dc5a56","id":"53995c3f42cd8ad8","name":"DynamoDB",
      "start_time":1478293361.271,"end_time":1478293361.449,"namespace":"aws",
      "aws":{"table_name":"orders"},"user":"not-a-segment-field-here",
      "subsegments":[{"id":"0000000000000001","name":"retry","start_time":1478293361.3,
      "end_time":1478293361.4,"namespace":"remote"}]})");
  ASSERT_EQ(docs.size(), 1U);
  ASSERT_TRUE(docs[0].summary_facts.has_value());
  const SummaryFacts& facts = *docs[0].summary_facts;
  EXPECT_EQ(facts.id, 0x53995c3f42cd8ad8U);
  EXPECT_EQ(facts.parent_id, 0xdefdfd9912dc5a56U);
  EXPECT_EQ(facts.embedded_ids, std::vector<std::uint64_t>{1});
  ASSERT_EQ(facts.remote_calls.size(), 2U);
  EXPECT_EQ(facts.remote_calls[0].id, facts.id);
  EXPECT_EQ(facts.remote_calls[0].service, "orders");  // The node inferred for the table.
  EXPECT_EQ(facts.remote_calls[1].id, 1U);
  EXPECT_EQ(facts.remote_calls[1].service, "retry");
  EXPECT_FALSE(facts.user.has_value());  // Segment fields are read from segments only.
}

TEST(DocumentDecoderTest, DecodesArrayOfSubsegmentsAsSeparateDocuments) {
  const auto docs = DecodeOk(R"([
    {"type":"subsegment","trace_id":"1-581cf771-a006649127e371903a2de979","parent_id":"defdfd9912dc5a56",
     "id":"53995c3f42cd8ad8","name":"one","start_time":1,"end_time":2, "annotations": {"k": "v"}},
    {"type":"subsegment","trace_id":"1-581cf771-a006649127e371903a2de979","parent_id":"53995c3f42cd8ad8",
     "id":"53995c3f42cd8ad9","name":"two","start_time":1,"in_progress":true}
  ])");
  ASSERT_EQ(docs.size(), 2U);
  EXPECT_EQ(docs[0].name, "one");
  EXPECT_EQ(docs[0].raw,
            R"({"type":"subsegment","trace_id":"1-581cf771-a006649127e371903a2de979",)"
            R"("parent_id":"defdfd9912dc5a56","id":"53995c3f42cd8ad8","name":"one","start_time":1,)"
            R"("end_time":2,"annotations":{"k":"v"}})");
  EXPECT_EQ(docs[1].name, "two");
  EXPECT_TRUE(docs[1].in_progress);
  EXPECT_FALSE(docs[1].end_time.has_value());
  // Each element's raw text decodes on its own.
  for (const Document& doc : docs) {
    const auto again = DecodeOk(doc.raw);
    ASSERT_EQ(again.size(), 1U);
    EXPECT_EQ(again[0].id, doc.id);
  }
}

TEST(DocumentDecoderTest, DecodesInProgressSegment) {
  const auto docs = DecodeOk(R"({"trace_id":"1-5f187253-6a106696d56b1f4ef9eba2ed",
      "id":"5cc4a447f5d4d696","name":"LongOperation","start_time":1595437651.680097,
      "in_progress":true})");
  ASSERT_EQ(docs.size(), 1U);
  EXPECT_TRUE(docs[0].in_progress);
  EXPECT_FALSE(docs[0].end_time.has_value());
}

TEST(DocumentDecoderTest, InProgressFalseWithEndTimeIsComplete) {
  const auto docs = DecodeOk(R"({"trace_id":"1-5f187253-6a106696d56b1f4ef9eba2ed",
      "id":"5cc4a447f5d4d696","name":"n","start_time":1,"end_time":2,"in_progress":false})");
  ASSERT_EQ(docs.size(), 1U);
  EXPECT_FALSE(docs[0].in_progress);
}

TEST(DocumentDecoderTest, AcceptsEndTimeBeforeStartTime) {
  // Decided: keep the data (clock skew between hosts happens); duration is negative.
  const auto docs = DecodeOk(R"({"trace_id":"1-5f187253-6a106696d56b1f4ef9eba2ed",
      "id":"5cc4a447f5d4d696","name":"n","start_time":10,"end_time":9})");
  ASSERT_EQ(docs.size(), 1U);
  EXPECT_DOUBLE_EQ(*docs[0].end_time, 9);
}

TEST(DocumentDecoderTest, UnindexableAnnotationsAreCountedNotRejected) {
  const auto docs = DecodeOk(R"({"trace_id":"1-5f187253-6a106696d56b1f4ef9eba2ed",
      "id":"5cc4a447f5d4d696","name":"n","start_time":1,"end_time":2,
      "annotations": {"ok": 1, "bad key": 1, "dot.key": "x", "": 1, "obj": {"a": 1},
                      "arr": [1], "nul": null, "long": ")" +
                             std::string(1001, 'x') + R"(",
                      "max": ")" +
                             std::string(1000, 'x') + R"("},
      "subsegments": [{"id":"1111111111111111","name":"s","start_time":1,"end_time":2,
                       "annotations": "not an object"}]})");
  ASSERT_EQ(docs.size(), 1U);
  ASSERT_EQ(docs[0].annotations.size(), 2U);
  EXPECT_EQ(docs[0].annotations[0].key, "ok");
  EXPECT_EQ(docs[0].annotations[1].key, "max");
  // bad key, dot.key, "", obj, arr, nul, long; plus the subsegment's non-object annotations.
  EXPECT_EQ(docs[0].unindexed_annotations, 8U);
}

TEST(DocumentDecoderTest, AnnotationKeyLimitIs500) {
  const std::string body = R"({"trace_id":"1-5f187253-6a106696d56b1f4ef9eba2ed",
      "id":"5cc4a447f5d4d696","name":"n","start_time":1,"end_time":2,"annotations":{")" +
                           std::string(500, 'k') + R"(":1,")" + std::string(501, 'k') + R"(":1}})";
  const auto docs = DecodeOk(body);
  ASSERT_EQ(docs.size(), 1U);
  EXPECT_EQ(docs[0].annotations.size(), 1U);
  EXPECT_EQ(docs[0].unindexed_annotations, 1U);
}

TEST(DocumentDecoderTest, AcceptsUnicodeNames) {
  const auto docs = DecodeOk(R"({"trace_id":"1-5f187253-6a106696d56b1f4ef9eba2ed",
      "id":"5cc4a447f5d4d696","name":"caf\u00e9 \u6771\u4eac \u041c\u043e\u0441\u043a\u0432\u0430",
      "start_time":1,"end_time":2})");
  ASSERT_EQ(docs.size(), 1U);
  EXPECT_EQ(docs[0].name,
            "caf\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC "
            "\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0");
}

TEST(DocumentDecoderTest, IgnoresOptionalFieldsOfTheWrongType) {
  const auto docs = DecodeOk(R"({"trace_id":"1-5f187253-6a106696d56b1f4ef9eba2ed",
      "id":"5cc4a447f5d4d696","name":"n","start_time":1,"end_time":2,
      "error":"yes","fault":1,"throttle":null,"user":42,"origin":[],"resource_arn":{},
      "namespace":"invalidNs","http":{"request":"GET","response":{"status":"200"}}})");
  ASSERT_EQ(docs.size(), 1U);
  EXPECT_FALSE(docs[0].error);
  EXPECT_FALSE(docs[0].fault);
  ASSERT_TRUE(docs[0].summary_facts.has_value());
  const SummaryFacts& facts = *docs[0].summary_facts;
  EXPECT_FALSE(facts.http_status.has_value());
  EXPECT_FALSE(facts.http_method.has_value());
  EXPECT_FALSE(facts.user.has_value());
  EXPECT_FALSE(facts.resource_arn.has_value());
  EXPECT_TRUE(facts.remote_calls.empty());
}

TEST(DocumentDecoderTest, NullFieldsCountAsAbsent) {
  const auto docs = DecodeOk(R"({"trace_id":"1-5f187253-6a106696d56b1f4ef9eba2ed",
      "id":"5cc4a447f5d4d696","name":"n","start_time":1,"end_time":2,"parent_id":null,
      "type":null,"cause":null,"subsegments":null,"annotations":null,"in_progress":null})");
  ASSERT_EQ(docs.size(), 1U);
  EXPECT_EQ(docs[0].parent_id, "");
  EXPECT_EQ(docs[0].unindexed_annotations, 0U);
}

TEST(DocumentDecoderTest, KeepsLongStringsWhole) {
  const std::string url = "http://x/" + std::string(400, 'a');
  const std::string body = R"({"trace_id":"1-5f187253-6a106696d56b1f4ef9eba2ed",
      "id":"5cc4a447f5d4d696","name":"n","start_time":1,"end_time":2,
      "user":")" + std::string(300, 'u') +
                           R"(","http":{"request":{"url":")" + url + R"("}}})";
  const auto docs = DecodeOk(body);
  ASSERT_EQ(docs.size(), 1U);
  ASSERT_TRUE(docs[0].summary_facts.has_value());
  EXPECT_EQ(docs[0].summary_facts->user, std::string(300, 'u'));
  EXPECT_EQ(docs[0].summary_facts->http_url, url);
  EXPECT_EQ(docs[0].raw, body);
}

TEST(DocumentDecoderTest, AcceptsCauseAsStringOrObject) {
  for (const std::string_view cause : {R"("abcdefghijklmnop")", R"({"exceptions":[]})"}) {
    const std::string body = R"({"trace_id":"1-5f187253-6a106696d56b1f4ef9eba2ed",
        "id":"5cc4a447f5d4d696","name":"n","start_time":1,"end_time":2,"cause":)" +
                             std::string(cause) + "}";
    EXPECT_EQ(DecodeOk(body).size(), 1U) << cause;
  }
}

TEST(DocumentDecoderTest, AcceptsMaximumNesting) {
  std::string body = R"({"trace_id":"1-5f187253-6a106696d56b1f4ef9eba2ed",
      "id":"5cc4a447f5d4d696","name":"n","start_time":1,"end_time":2)";
  for (int i = 0; i < kMaxSubsegmentDepth; ++i) {
    body += R"(,"subsegments":[{"id":"1111111111111111","name":"s","start_time":1,"end_time":2)";
  }
  for (int i = 0; i < kMaxSubsegmentDepth; ++i) {
    body += "}]";
  }
  body += "}";
  const auto docs = DecodeOk(body);
  ASSERT_EQ(docs.size(), 1U);
  EXPECT_EQ(docs[0].embedded_subsegments, static_cast<std::uint32_t>(kMaxSubsegmentDepth));
}

TEST(DocumentDecoderTest, DecoderIsReusableAfterRejections) {
  DocumentDecoder decoder;
  EXPECT_FALSE(decoder.Decode("{").has_value());
  EXPECT_FALSE(decoder.Decode(R"({"id":"x"})").has_value());
  const auto docs = decoder.Decode(kSegment);
  ASSERT_TRUE(docs.has_value());
  EXPECT_EQ(docs->front().id, "bda182a644eee9b3");
}

}  // namespace
}  // namespace xrayd::proto
