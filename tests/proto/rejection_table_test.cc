// Table-driven: every RejectReason has at least one whole-datagram input that produces it.

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proto/datagram.h"
#include "proto/document_decoder.h"
#include "proto/rejection.h"

namespace xrayd::proto {
namespace {

const std::string kHeader = "{\"format\":\"json\",\"version\":1}\n";
const std::string kTrace = R"("trace_id":"1-5f187253-6a106696d56b1f4ef9eba2ed")";
const std::string kTimes = R"("start_time":1,"end_time":2)";

// A valid segment with `extra` fields appended (later duplicates win, so extra can override).
std::string Segment(const std::string& extra) {
  return kHeader + "{" + kTrace + R"(,"id":"5cc4a447f5d4d696","name":"n",)" + kTimes + extra + "}";
}

// A segment that embeds one subsegment with the given fields.
std::string Embedding(const std::string& subsegment) {
  return Segment(R"(,"subsegments":[{)" + subsegment + "}]");
}

std::string Nested(int depth) {
  std::string body = kHeader + "{" + kTrace + R"(,"id":"5cc4a447f5d4d696","name":"n",)" + kTimes;
  for (int i = 0; i < depth; ++i) {
    body += R"(,"subsegments":[{"id":"1111111111111111","name":"s",)" + kTimes;
  }
  for (int i = 0; i < depth; ++i) {
    body += "}]";
  }
  return body + "}";
}

struct Case {
  RejectReason reason;
  std::string datagram;
  std::string comment;
};

std::vector<Case> Cases() {
  return {
      {RejectReason::kMissingNewline, "garbage", "no newline at all"},
      {RejectReason::kMissingNewline, R"({"format":"json","version":1}{})", "header glued to body"},
      {RejectReason::kInvalidHeader, "garbage\n{}", "header not JSON"},
      {RejectReason::kInvalidHeader, "[\"json\",1]\n{}", "header not an object"},
      {RejectReason::kWrongFormat,
       R"({"format":"protobuf","version":1})"
       "\n{}",
       "format"},
      {RejectReason::kWrongVersion,
       R"({"format":"json","version":2})"
       "\n{}",
       "version 2"},
      {RejectReason::kWrongVersion,
       R"({"format":"json","version":1.0})"
       "\n{}",
       "1.0"},
      {RejectReason::kEmptyBody, kHeader, "header only"},
      {RejectReason::kEmptyBody, kHeader + "  \n", "whitespace body"},
      {RejectReason::kOversize,
       kHeader + "{\"pad\":\"" + std::string(kMaxDocumentSize, 'x') + "\"}", "body over 64 KiB"},
      {RejectReason::kMalformedJson, kHeader + "{\"trace_id\":", "truncated JSON"},
      {RejectReason::kMalformedJson, kHeader + "{} {}", "two documents"},
      {RejectReason::kMalformedJson, kHeader + "{\"name\":\"\xC3\"}", "invalid UTF-8"},
      {RejectReason::kMalformedJson, kHeader + "{'a':1}", "single quotes"},
      {RejectReason::kNotAnObject, kHeader + "42", "number"},
      {RejectReason::kNotAnObject, kHeader + "\"segment\"", "string"},
      {RejectReason::kNotAnObject, kHeader + "[1,2]", "array of non-objects"},
      {RejectReason::kInvalidTraceId, kHeader + "{}", "empty object: trace_id checked first"},
      {RejectReason::kInvalidTraceId,
       Segment(R"(,"trace_id":"1-5f187253-6a106696d56b1f4ef9eba2e")"), "trace id one digit short"},
      {RejectReason::kInvalidTraceId, Segment(R"(,"trace_id":"4efaaf4d1e8720b39541901950019ee5")"),
       "W3C trace id"},
      {RejectReason::kInvalidTraceId, Segment(R"(,"trace_id":12)"), "not a string"},
      {RejectReason::kInvalidId, Segment(R"(,"id":"xyz")"), "short id"},
      {RejectReason::kInvalidId, Segment(R"(,"id":"abcdefghijklmnop")"), "non-hex id"},
      {RejectReason::kInvalidId, Embedding(R"("name":"s",)" + kTimes), "embedded id missing"},
      {RejectReason::kInvalidParentId, Segment(R"(,"parent_id":"123")"), "bad parent on segment"},
      {RejectReason::kInvalidParentId,
       kHeader + "{\"type\":\"subsegment\"," + kTrace + R"(,"id":"5cc4a447f5d4d696","name":"n",)" +
           kTimes + "}",
       "independent subsegment without parent_id"},
      {RejectReason::kInvalidName, Segment(R"(,"name":"")"), "empty name"},
      {RejectReason::kInvalidName, Segment(R"j(,"name":"a(b)")j"), "parentheses"},
      {RejectReason::kInvalidName, Segment(",\"name\":\"" + std::string(201, 'n') + "\""),
       "201 characters"},
      {RejectReason::kInvalidName, Embedding(R"("id":"1111111111111111",)" + kTimes),
       "embedded name missing"},
      {RejectReason::kInvalidStartTime,
       kHeader + "{" + kTrace + R"(,"id":"5cc4a447f5d4d696","name":"n","end_time":2})",
       "start_time missing"},
      {RejectReason::kInvalidStartTime, Segment(R"(,"start_time":"1")"), "start_time a string"},
      {RejectReason::kInvalidEndTime,
       kHeader + "{" + kTrace + R"(,"id":"5cc4a447f5d4d696","name":"n","start_time":1})",
       "neither end_time nor in_progress"},
      {RejectReason::kInvalidEndTime, Segment(R"(,"in_progress":true)"), "both"},
      {RejectReason::kInvalidEndTime, Segment(R"(,"end_time":"2")"), "end_time a string"},
      {RejectReason::kInvalidEndTime,
       Embedding(R"("id":"1111111111111111","name":"s","start_time":1)"), "embedded, no end"},
      {RejectReason::kInvalidType, Segment(R"(,"type":"segment")"), "type other than subsegment"},
      {RejectReason::kInvalidType, Segment(R"(,"type":true)"), "type not a string"},
      {RejectReason::kInvalidType,
       kHeader + "[{" + kTrace + R"(,"id":"5cc4a447f5d4d696","name":"n",)" + kTimes + "}]",
       "array element without type subsegment"},
      {RejectReason::kInvalidField, Segment(R"(,"subsegments":{})"), "subsegments not an array"},
      {RejectReason::kInvalidField, Segment(R"(,"subsegments":[1])"), "subsegment not an object"},
      {RejectReason::kInvalidField, Segment(R"(,"cause":200)"), "cause a number"},
      {RejectReason::kInvalidField, Segment(R"(,"in_progress":"true")"), "in_progress a string"},
      {RejectReason::kTooDeep, Nested(kMaxSubsegmentDepth + 1), "65 levels of subsegments"},
      {RejectReason::kTooDeep,
       Segment(",\"metadata\":" + std::string(2000, '[') + std::string(2000, ']')),
       "JSON deeper than the parser allows"},
      {RejectReason::kEmptyArray, kHeader + "[]", "array form with no element"},
      {RejectReason::kEmptyArray, kHeader + "[ ]\n", "array form with whitespace"},
  };
}

// Runs the whole ingest path: datagram framing, then document decoding.
tl::expected<std::vector<Document>, Rejection> Ingest(DocumentDecoder& decoder,
                                                      std::string_view bytes) {
  const auto datagram = ParseDatagram(bytes);
  if (!datagram) {
    return tl::unexpected<Rejection>(datagram.error());
  }
  return decoder.Decode(datagram->body);
}

TEST(RejectionTableTest, EachInputIsRejectedForItsReason) {
  DocumentDecoder decoder;
  for (const Case& c : Cases()) {
    const auto result = Ingest(decoder, c.datagram);
    ASSERT_FALSE(result.has_value()) << c.comment;
    EXPECT_EQ(RejectReasonName(result.error().reason), RejectReasonName(c.reason))
        << c.comment << ": " << result.error().detail;
    EXPECT_FALSE(result.error().detail.empty()) << c.comment;
  }
}

TEST(RejectionTableTest, TableCoversEveryReason) {
  std::set<RejectReason> covered;
  for (const Case& c : Cases()) {
    covered.insert(c.reason);
  }
  for (const RejectReason reason : AllRejectReasons()) {
    EXPECT_TRUE(covered.count(reason)) << RejectReasonName(reason) << " has no test input";
  }
}

TEST(RejectionTableTest, ValidBaseInputsAreAccepted) {
  // Guards the table: its rejections come from the one field each case changes.
  DocumentDecoder decoder;
  EXPECT_TRUE(Ingest(decoder, Segment("")).has_value());
  EXPECT_TRUE(Ingest(decoder, Embedding(R"("id":"1111111111111111","name":"s",)" + kTimes)));
  EXPECT_TRUE(Ingest(decoder, Nested(kMaxSubsegmentDepth)).has_value());
}

TEST(RejectionTableTest, DetailNamesTheEmbeddedPath) {
  DocumentDecoder decoder;
  const auto result =
      Ingest(decoder, Segment(R"(,"subsegments":[{"id":"1111111111111111","name":"s",)" + kTimes +
                              R"(},{"id":"1111111111111111","name":"s","start_time":1,)"
                              R"("subsegments":[{"id":"bad"}],"end_time":2}])"));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().reason, RejectReason::kInvalidId);
  EXPECT_EQ(result.error().detail, "subsegments[1].subsegments[0].id: 'bad' is not 16 hex digits");
}

}  // namespace
}  // namespace xrayd::proto
