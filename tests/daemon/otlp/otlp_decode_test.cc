#include "daemon/otlp/otlp_decode.h"

#include <gtest/gtest.h>

#include "tests/daemon/otlp/otlp_test_support.h"

namespace xrayd::daemon::otlp {
namespace {

using testing::Bytes;
using testing::Gzip;
using testing::MakeRequest;
using testing::MakeSpan;
using testing::SpanProto;

TEST(OtlpDecodeTest, ProtobufRoundTrip) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  testing::AddInt(span.mutable_attributes(), "http.response.status_code", 200);
  auto decoded = DecodeProtobuf(MakeRequest(span).SerializeAsString());
  ASSERT_TRUE(decoded) << decoded.error().message;
  ASSERT_EQ(decoded->resource_spans_size(), 1);
  const auto& got = decoded->resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(got.trace_id(), span.trace_id());
  EXPECT_EQ(got.kind(), SpanProto::SPAN_KIND_SERVER);
  EXPECT_EQ(got.attributes(0).value().int_value(), 200);
}

TEST(OtlpDecodeTest, ProtobufGarbageIsBadProtobuf) {
  auto decoded = DecodeProtobuf(std::string("\x0a\xff\xff\xff\xff\x0f", 6));
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().reason, DecodeFailure::kBadProtobuf);
  EXPECT_STREQ(DecodeFailureName(decoded.error().reason), "bad_protobuf");
}

TEST(OtlpDecodeTest, EmptyProtobufIsAnEmptyRequest) {
  auto decoded = DecodeProtobuf("");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->resource_spans_size(), 0);
}

constexpr const char* kJson = R"({
  "resourceSpans": [{
    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "cart"}}]},
    "scopeSpans": [{
      "scope": {"name": "manual"},
      "spans": [{
        "traceId": "5759E988BD862E3FE1BE46A994272793",
        "spanId": "53995c3f42cd8ad8",
        "parentSpanId": "",
        "name": "GET /cart",
        "kind": 2,
        "startTimeUnixNano": "1767225600000000000",
        "endTimeUnixNano": 1767225601000000000,
        "attributes": [
          {"key": "http.response.status_code", "value": {"intValue": "503"}},
          {"key": "ratio", "value": {"doubleValue": 0.5}},
          {"key": "ok", "value": {"boolValue": true}},
          {"key": "tags", "value": {"arrayValue": {"values": [{"stringValue": "a"}]}}},
          {"key": "map", "value": {"kvlistValue": {"values": [{"key": "k", "value": {"intValue": 1}}]}}},
          {"key": "raw", "value": {"bytesValue": "aGk="}}
        ],
        "events": [{"timeUnixNano": "1767225600500000000", "name": "exception",
                    "attributes": [{"key": "exception.type", "value": {"stringValue": "E"}}]}],
        "status": {"code": 2, "message": "boom"}
      }]
    }]
  }]
})";

TEST(OtlpDecodeTest, JsonHexIdsCamelCaseAndIntegerStrings) {
  auto decoded = DecodeJson(kJson);
  ASSERT_TRUE(decoded) << decoded.error().message;
  const auto& rs = decoded->resource_spans(0);
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "cart");
  const auto& span = rs.scope_spans(0).spans(0);
  EXPECT_EQ(span.trace_id(), Bytes("5759e988bd862e3fe1be46a994272793"));
  EXPECT_EQ(span.span_id(), Bytes("53995c3f42cd8ad8"));
  EXPECT_TRUE(span.parent_span_id().empty());
  EXPECT_EQ(span.kind(), SpanProto::SPAN_KIND_SERVER);
  EXPECT_EQ(span.start_time_unix_nano(), 1767225600000000000ull);
  EXPECT_EQ(span.end_time_unix_nano(), 1767225601000000000ull);
  ASSERT_EQ(span.attributes_size(), 6);
  EXPECT_EQ(span.attributes(0).value().int_value(), 503);
  EXPECT_DOUBLE_EQ(span.attributes(1).value().double_value(), 0.5);
  EXPECT_TRUE(span.attributes(2).value().bool_value());
  EXPECT_EQ(span.attributes(3).value().array_value().values(0).string_value(), "a");
  EXPECT_EQ(span.attributes(4).value().kvlist_value().values(0).value().int_value(), 1);
  EXPECT_EQ(span.attributes(5).value().bytes_value(), "hi");
  EXPECT_EQ(span.events(0).name(), "exception");
  EXPECT_EQ(span.status().code(), opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(span.status().message(), "boom");
}

TEST(OtlpDecodeTest, JsonSnakeCaseAndEnumNames) {
  auto decoded = DecodeJson(R"({"resource_spans":[{"scope_spans":[{"spans":[{
      "trace_id":"5759e988bd862e3fe1be46a994272793","span_id":"53995c3f42cd8ad8",
      "kind":"SPAN_KIND_CLIENT","start_time_unix_nano":"1"}]}]}]})");
  ASSERT_TRUE(decoded) << decoded.error().message;
  const auto& span = decoded->resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.kind(), SpanProto::SPAN_KIND_CLIENT);
  EXPECT_EQ(span.start_time_unix_nano(), 1u);
}

TEST(OtlpDecodeTest, JsonRejectsWhatIsNotOtlp) {
  const char* bad[] = {
      "not json",
      "[]",
      R"({"resourceSpans": {}})",
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz59e988bd862e3fe1be46a994272793"}]}]}]})",
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5759e988"}]}]}]})",
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"53995c3f42cd8ad8aa"}]}]}]})",
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"soon"}]}]}]})",
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SPAN_KIND_BOGUS"}]}]}]})",
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":7}]}]}]})",
      // Whole numbers outside the field's range (converting them would be undefined behaviour).
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":1.76723e+20}]}]}]})",
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":-1.0}]}]}]})",
  };
  for (const char* body : bad) {
    auto decoded = DecodeJson(body);
    ASSERT_FALSE(decoded) << body;
    EXPECT_EQ(decoded.error().reason, DecodeFailure::kBadJson) << body;
    EXPECT_FALSE(decoded.error().message.empty()) << body;
  }
}

TEST(OtlpDecodeTest, JsonNestingIsBounded) {
  std::string value = R"({"stringValue":"x"})";
  for (int i = 0; i < 40; ++i) {
    value = R"({"arrayValue":{"values":[)" + value + "]}}";
  }
  auto decoded = DecodeJson(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":)" + value +
      "}]}]}]}]}");
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().reason, DecodeFailure::kBadJson);
}

TEST(OtlpDecodeTest, GzipRoundTripAndMembers) {
  auto one = Gunzip(Gzip("hello"), 100);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(*one, "hello");
  auto two = Gunzip(Gzip("hello ") + Gzip("world"), 100);
  ASSERT_TRUE(two) << two.error().message;
  EXPECT_EQ(*two, "hello world");
}

TEST(OtlpDecodeTest, GzipFailures) {
  auto garbage = Gunzip("plain text", 100);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().reason, DecodeFailure::kBadGzip);
  std::string cut = Gzip(std::string(1000, 'a'));
  cut.resize(cut.size() - 6);
  auto truncated = Gunzip(cut, 10000);
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().reason, DecodeFailure::kBadGzip);
  auto empty = Gunzip("", 100);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().reason, DecodeFailure::kBadGzip);
  // A small body that inflates past the limit is refused without inflating it all.
  auto bomb = Gunzip(Gzip(std::string(10u << 20, '\0')), 1u << 20);
  ASSERT_FALSE(bomb);
  EXPECT_EQ(bomb.error().reason, DecodeFailure::kTooLarge);
}

}  // namespace
}  // namespace xrayd::daemon::otlp
