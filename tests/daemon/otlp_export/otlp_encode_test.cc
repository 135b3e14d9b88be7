// OTLP/HTTP bodies: OTLP JSON as the receiver's decoder reads it, gzip, partial success.
#include "daemon/otlp_export/otlp_encode.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/otlp/otlp_decode.h"

namespace xrayd::daemon::otlp_export {
namespace {

ExportRequest Request() {
  ExportRequest request;
  auto* rs = request.add_resource_spans();
  auto* attr = rs->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("checkout");
  auto* scope_spans = rs->add_scope_spans();
  scope_spans->mutable_scope()->set_name("xrayd");
  auto* span = scope_spans->add_spans();
  span->set_trace_id(
      std::string("\x57\x59\xe9\x88\xbd\x86\x2e\x3f\xe1\xbe\x46\xa9\x94\x27\x27\x93", 16));
  span->set_span_id(std::string("\x70\xde\x5b\x6f\x19\xff\x9a\x0a", 8));
  span->set_parent_span_id(std::string("\x53\x99\x5c\x3f\x42\xcd\x8a\xd8", 8));
  span->set_name("checkout");
  span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  span->set_start_time_unix_nano(1478293361271000000u);
  span->set_end_time_unix_nano(1478293361449000000u);
  auto add = [&](const std::string& key) {
    auto* kv = span->add_attributes();
    kv->set_key(key);
    return kv->mutable_value();
  };
  add("i")->set_int_value(-9007199254740993);
  add("d")->set_double_value(0.25);
  add("b")->set_bool_value(true);
  add("raw")->set_bytes_value(std::string("\x01\x02\xff", 3));
  add("list")->mutable_array_value()->add_values()->set_string_value("x");
  auto* kvl = add("map")->mutable_kvlist_value()->add_values();
  kvl->set_key("k");
  kvl->mutable_value()->set_string_value("v");
  auto* event = span->add_events();
  event->set_name("exception");
  event->set_time_unix_nano(1478293361449000000u);
  span->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  span->mutable_status()->set_message("boom");
  return request;
}

TEST(OtlpEncodeTest, JsonIsOtlpJsonWithHexIds) {
  const auto json = nlohmann::json::parse(EncodeJson(Request()));
  const auto& span = json["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(span["traceId"], "5759e988bd862e3fe1be46a994272793");
  EXPECT_EQ(span["spanId"], "70de5b6f19ff9a0a");
  EXPECT_EQ(span["parentSpanId"], "53995c3f42cd8ad8");
  EXPECT_EQ(span["kind"], 2);
  EXPECT_EQ(span["startTimeUnixNano"], "1478293361271000000");
  EXPECT_EQ(span["attributes"][0]["value"]["intValue"], "-9007199254740993");
  EXPECT_EQ(span["attributes"][3]["value"]["bytesValue"], "AQL/");
  EXPECT_EQ(span["status"]["code"], 2);
}

TEST(OtlpEncodeTest, JsonAndProtobufDecodeToTheSameRequest) {
  const ExportRequest request = Request();
  auto from_json = otlp::DecodeJson(Encode(request, OtlpProtocol::kHttpJson));
  ASSERT_TRUE(from_json) << from_json.error().message;
  auto from_protobuf = otlp::DecodeProtobuf(Encode(request, OtlpProtocol::kHttpProtobuf));
  ASSERT_TRUE(from_protobuf);
  EXPECT_EQ(from_json->SerializeAsString(), request.SerializeAsString());
  EXPECT_EQ(from_protobuf->SerializeAsString(), request.SerializeAsString());
}

TEST(OtlpEncodeTest, GzipRoundTrips) {
  const std::string text(100000, 'a');
  const std::string packed = Gzip(text);
  EXPECT_LT(packed.size(), text.size() / 10);
  auto unpacked = otlp::Gunzip(packed, 1u << 20);
  ASSERT_TRUE(unpacked);
  EXPECT_EQ(*unpacked, text);
  auto empty = otlp::Gunzip(Gzip(""), 16);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(OtlpEncodeTest, PartialSuccessInBothEncodings) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_rejected_spans(3);
  response.mutable_partial_success()->set_error_message("bad");
  PartialSuccess p = ParsePartialSuccess(response.SerializeAsString(), OtlpProtocol::kHttpProtobuf);
  EXPECT_EQ(p.rejected_spans, 3);
  EXPECT_EQ(p.error_message, "bad");
  p = ParsePartialSuccess(R"({"partialSuccess":{"rejectedSpans":"2","errorMessage":"x"}})",
                          OtlpProtocol::kHttpJson);
  EXPECT_EQ(p.rejected_spans, 2);
  EXPECT_EQ(p.error_message, "x");
  EXPECT_EQ(ParsePartialSuccess("{}", OtlpProtocol::kHttpJson).rejected_spans, 0);
  EXPECT_EQ(ParsePartialSuccess("", OtlpProtocol::kHttpProtobuf).rejected_spans, 0);
  EXPECT_EQ(ParsePartialSuccess("not json", OtlpProtocol::kHttpJson).rejected_spans, 0);
}

}  // namespace
}  // namespace xrayd::daemon::otlp_export
