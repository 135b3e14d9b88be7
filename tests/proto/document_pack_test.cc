// proto::PackDocuments / UnpackDocuments: documents wait in the ingest queue packed, and must come
// out exactly as they went in, member by member, whatever the slots they are unpacked into held.

#include "proto/document_pack.h"

#include <gtest/gtest.h>

#include "proto/document.h"
#include "proto/document_decoder.h"

namespace xrayd::proto {
namespace {

AnnotationValue Number(double n) {
  AnnotationValue value;
  value.type = AnnotationValue::Type::kNumber;
  value.number_value = n;
  return value;
}

AnnotationValue Bool(bool b) {
  AnnotationValue value;
  value.type = AnnotationValue::Type::kBool;
  value.bool_value = b;
  return value;
}

// A document with every member set to something other than its default.
Document EveryMemberSet() {
  Document doc;
  doc.kind = DocumentKind::kSubsegment;
  doc.trace_id = "1-581cf771-a006649127e371903a2de979";
  doc.id = "70de5b6f19ff9a0a";
  doc.parent_id = "1a2b3c4d5e6f7a8b";
  doc.name = "a service name longer than the short-string buffer";
  doc.start_time = 1700000000.125;
  doc.end_time = 1700000001.5;
  doc.in_progress = true;
  doc.error = true;
  doc.fault = true;
  doc.throttle = true;
  doc.annotations = {
      Annotation{.key = "tenant", .value = AnnotationValue{.string_value = "t7"}},
      Annotation{.key = "a_key_longer_than_fifteen", .value = Number(-2.75)},
      Annotation{.key = "flag", .value = Bool(true)},
      Annotation{.key = "empty", .value = AnnotationValue{}},
  };
  doc.unindexed_annotations = 3;
  doc.embedded_subsegments = 9;
  SummaryFacts& facts = doc.summary_facts.emplace();
  facts.http_url = "https://example.com/a/long/path/to/a/resource?with=query";
  facts.http_method = "POST";
  facts.http_user_agent = "curl/8.0";
  facts.http_client_ip = "10.0.0.1";
  facts.http_status = 503;
  facts.user = "";
  facts.resource_arn = "arn:aws:lambda:eu-west-1:123456789012:function:f";
  facts.instance_id = "i-0123456789abcdef0";
  facts.availability_zone = "eu-west-1a";
  facts.id = 0x70de5b6f19ff9a0a;
  facts.parent_id = 0x1a2b3c4d5e6f7a8b;
  facts.embedded_ids = {1, 2, 0xffffffffffffffff};
  facts.remote_calls = {RemoteCall{.id = 2, .service = "DynamoDB"},
                        RemoteCall{.id = 3, .service = "a remote service with a long name"}};
  doc.raw = R"({"some":"json"})";
  doc.stored_raw = std::string("\0\1\2compressed\xff", 14);
  doc.released_raw_size = 1234;
  return doc;
}

// A segment as the decoder makes it: http, annotations of every type, an embedded AWS call.
std::vector<Document> DecodedSegment() {
  DocumentDecoder decoder;
  auto docs = decoder.Decode(
      R"({"trace_id":"1-581cf771-a006649127e371903a2de979","id":"70de5b6f19ff9a0a","name":"api",)"
      R"("start_time":1,"end_time":2,"http":{"request":{"url":"https://example.com/x","method":"GET"},)"
      R"("response":{"status":200}},"aws":{"ec2":{"instance_id":"i-1"}},)"
      R"("annotations":{"customer_tier":"gold","n":3,"b":false},)"
      R"("subsegments":[{"id":"1111111111111111","name":"DynamoDB","namespace":"aws",)"
      R"("start_time":1,"end_time":1.5}]})");
  return docs ? *docs : std::vector<Document>();
}

std::vector<Document> RoundTrip(const std::vector<Document>& docs,
                                std::vector<Document> slots = {}) {
  std::string packed;
  PackDocuments(docs, packed);
  EXPECT_EQ(packed.size(), PackedSize(docs));
  slots.resize(docs.size());
  EXPECT_TRUE(UnpackDocuments(packed, slots));
  return slots;
}

TEST(DocumentPackTest, EveryMemberComesBackAsItWent) {
  const Document full = EveryMemberSet();
  Document plain;
  plain.trace_id = "1-581cf771-a006649127e371903a2de979";
  plain.id = "0000000000000001";
  const std::vector<Document> docs = {full, plain, full};
  EXPECT_EQ(RoundTrip(docs), docs);
}

// Unpacking assigns into slots that held other documents: every member the new document does not
// have (facts, annotations, an end time, another value type) must not survive from the old one.
TEST(DocumentPackTest, ReusedSlotsKeepNothingOfTheirOldDocuments) {
  Document plain;
  plain.trace_id = "1-581cf771-a006649127e371903a2de979";
  plain.id = "0000000000000002";
  plain.annotations = {Annotation{.key = "n", .value = Number(1)}};
  Document string_annotation = EveryMemberSet();
  string_annotation.annotations[1].value = AnnotationValue{.string_value = "now a string"};
  string_annotation.summary_facts->http_status.reset();
  string_annotation.summary_facts->user.reset();
  const std::vector<Document> docs = {plain, string_annotation};
  EXPECT_EQ(RoundTrip(docs, {EveryMemberSet(), EveryMemberSet()}), docs);
}

TEST(DocumentPackTest, DecodedDocumentsComeBackAsDecoded) {
  const std::vector<Document> docs = DecodedSegment();
  ASSERT_EQ(docs.size(), 1u);
  ASSERT_TRUE(docs.front().summary_facts.has_value());
  EXPECT_EQ(RoundTrip(docs), docs);
}

TEST(DocumentPackTest, DamagedOrMiscountedBytesAreRefused) {
  const std::vector<Document> docs = {EveryMemberSet(), EveryMemberSet()};
  std::string packed;
  PackDocuments(docs, packed);
  std::vector<Document> slots(2);
  EXPECT_FALSE(UnpackDocuments(std::string_view(packed).substr(0, packed.size() - 1), slots));
  std::vector<Document> one(1);
  EXPECT_FALSE(UnpackDocuments(packed, one)) << "bytes left over";
  std::vector<Document> three(3);
  EXPECT_FALSE(UnpackDocuments(packed, three)) << "too few documents";
  std::string bad_kind = packed;
  bad_kind[0] = 7;
  EXPECT_FALSE(UnpackDocuments(bad_kind, slots));
}

// What the ingest queue gains: a decoded segment whose JSON was released for a 250-byte frame
// packs into fewer bytes than its object alone takes, before the heap buffers of its strings and
// vectors.
TEST(DocumentPackTest, APackedDocumentIsSmallerThanTheObject) {
  std::vector<Document> released = DecodedSegment();
  ASSERT_EQ(released.size(), 1u);
  released.front().released_raw_size = released.front().raw.size();
  released.front().raw.clear();
  released.front().stored_raw.assign(250, 'z');
  EXPECT_LT(PackedSize(released), sizeof(Document));
}

}  // namespace
}  // namespace xrayd::proto
