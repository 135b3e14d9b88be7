// The document -> span rules of docs/otlp-mapping.md#export, one test per rule.
#include "daemon/otlp_export/segment_spans.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace xrayd::daemon::otlp_export {
namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::ResourceSpans;
using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::Status;
using Attrs = google::protobuf::RepeatedPtrField<KeyValue>;

constexpr char kTrace[] = "1-5759e988-bd862e3fe1be46a994272793";

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out.push_back(kDigits[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kDigits[static_cast<unsigned char>(c) & 15]);
  }
  return out;
}

// A completed segment of kTrace with id 70de5b6f19ff9a0a named "checkout", plus `extra` fields.
std::string Segment(const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json doc = {{"trace_id", kTrace},
                        {"id", "70de5b6f19ff9a0a"},
                        {"name", "checkout"},
                        {"start_time", 1478293361.271},
                        {"end_time", 1478293361.449}};
  doc.update(extra);
  return doc.dump();
}

struct Converted {
  DocumentOutcome outcome;
  ExportRequest request;
  std::size_t spans = 0;
  const ResourceSpans& Resource() const { return request.resource_spans(0); }
  const Span& At(int i) const { return request.resource_spans(0).scope_spans(0).spans(i); }
};

Converted Convert(const std::string& raw) {
  Converted c;
  c.outcome = AppendDocument(raw, c.request, c.spans);
  return c;
}

const AnyValue* Find(const Attrs& attrs, const std::string& key) {
  for (const KeyValue& kv : attrs) {
    if (kv.key() == key) {
      return &kv.value();
    }
  }
  return nullptr;
}

std::string Str(const Attrs& attrs, const std::string& key) {
  const AnyValue* v = Find(attrs, key);
  return v != nullptr && v->has_string_value() ? v->string_value() : "<absent>";
}

TEST(SegmentSpansTest, TraceIdAndSpanIdsAreBytes) {
  Converted c = Convert(Segment({{"parent_id", "53995c3f42cd8ad8"}}));
  ASSERT_EQ(c.outcome, DocumentOutcome::kConverted);
  ASSERT_EQ(c.spans, 1u);
  EXPECT_EQ(Hex(c.At(0).trace_id()), "5759e988bd862e3fe1be46a994272793");
  EXPECT_EQ(Hex(c.At(0).span_id()), "70de5b6f19ff9a0a");
  EXPECT_EQ(Hex(c.At(0).parent_span_id()), "53995c3f42cd8ad8");
  EXPECT_EQ(c.At(0).name(), "checkout");
}

TEST(SegmentSpansTest, TraceIdForms) {
  std::string bytes;
  EXPECT_TRUE(TraceIdBytes("1-5759e988-bd862e3fe1be46a994272793", bytes));
  EXPECT_EQ(Hex(bytes), "5759e988bd862e3fe1be46a994272793");
  EXPECT_TRUE(TraceIdBytes("5759e988bd862e3fe1be46a994272793", bytes));
  EXPECT_FALSE(TraceIdBytes("1-5759e988-bd862e3fe1be46a99427279", bytes));
  EXPECT_FALSE(TraceIdBytes("1-5759e988-bd862e3fe1be46a99427279z", bytes));
  EXPECT_FALSE(TraceIdBytes("1-00000000-000000000000000000000000", bytes));
  EXPECT_FALSE(SpanIdBytes("0000000000000000", bytes));
  EXPECT_FALSE(SpanIdBytes("70de5b6f19ff9a0", bytes));
}

TEST(SegmentSpansTest, TimesAreNanosecondsAtMicrosecondPrecision) {
  Converted c = Convert(Segment());
  EXPECT_EQ(c.At(0).start_time_unix_nano(), 1478293361271000000u);
  EXPECT_EQ(c.At(0).end_time_unix_nano(), 1478293361449000000u);
}

TEST(SegmentSpansTest, SegmentIsServerAndNamesTheResource) {
  Converted c = Convert(Segment({{"service", {{"version", "1.2.3"}}}}));
  EXPECT_EQ(c.At(0).kind(), Span::SPAN_KIND_SERVER);
  EXPECT_EQ(Str(c.Resource().resource().attributes(), "service.name"), "checkout");
  EXPECT_EQ(Str(c.Resource().resource().attributes(), "service.version"), "1.2.3");
}

TEST(SegmentSpansTest, SubsegmentKindByNamespace) {
  Converted c = Convert(Segment({{"subsegments",
                                  {{{"id", "1111111111111111"},
                                    {"name", "payments"},
                                    {"namespace", "remote"},
                                    {"start_time", 1478293361.3},
                                    {"end_time", 1478293361.4}},
                                   {{"id", "2222222222222222"},
                                    {"name", "DynamoDB"},
                                    {"namespace", "aws"},
                                    {"start_time", 1478293361.3},
                                    {"end_time", 1478293361.4}},
                                   {{"id", "3333333333333333"},
                                    {"name", "render"},
                                    {"start_time", 1478293361.3},
                                    {"end_time", 1478293361.4}}}}}));
  ASSERT_EQ(c.spans, 4u);
  EXPECT_EQ(c.At(1).kind(), Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(c.At(2).kind(), Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(Str(c.At(2).attributes(), "aws.service"), "DynamoDB");
  EXPECT_EQ(c.At(3).kind(), Span::SPAN_KIND_INTERNAL);
  EXPECT_EQ(Find(c.At(3).attributes(), "aws.service"), nullptr);
}

TEST(SegmentSpansTest, EmbeddedSubsegmentsAreChildrenOfTheirEnclosingNode) {
  Converted c = Convert(Segment({{"subsegments",
                                  {{{"id", "1111111111111111"},
                                    {"name", "a"},
                                    {"start_time", 1478293361.3},
                                    {"end_time", 1478293361.4},
                                    {"subsegments",
                                     {{{"id", "2222222222222222"},
                                       {"name", "b"},
                                       {"start_time", 1478293361.31},
                                       {"end_time", 1478293361.32}}}}}}}}));
  ASSERT_EQ(c.spans, 3u);
  EXPECT_EQ(Hex(c.At(1).parent_span_id()), "70de5b6f19ff9a0a");
  EXPECT_EQ(Hex(c.At(2).parent_span_id()), "1111111111111111");
  EXPECT_EQ(c.At(2).trace_id(), c.At(0).trace_id());
}

TEST(SegmentSpansTest, IndependentSubsegmentKeepsItsParentAndHasNoServiceName) {
  Converted c = Convert(Segment(
      {{"type", "subsegment"}, {"parent_id", "53995c3f42cd8ad8"}, {"namespace", "remote"}}));
  EXPECT_EQ(c.At(0).kind(), Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(Hex(c.At(0).parent_span_id()), "53995c3f42cd8ad8");
  EXPECT_EQ(Find(c.Resource().resource().attributes(), "service.name"), nullptr);
}

TEST(SegmentSpansTest, InProgressDocumentIsNotExported) {
  ExportRequest request;
  std::size_t spans = 0;
  const std::string raw = nlohmann::json({{"trace_id", kTrace},
                                          {"id", "70de5b6f19ff9a0a"},
                                          {"name", "checkout"},
                                          {"start_time", 1478293361.271},
                                          {"in_progress", true}})
                              .dump();
  EXPECT_EQ(AppendDocument(raw, request, spans), DocumentOutcome::kInProgress);
  EXPECT_EQ(request.resource_spans_size(), 0);
}

TEST(SegmentSpansTest, InProgressSubsegmentEndsWithItsParentMarked) {
  Converted c = Convert(Segment({{"subsegments",
                                  {{{"id", "1111111111111111"},
                                    {"name", "slow"},
                                    {"start_time", 1478293361.3},
                                    {"in_progress", true}}}}}));
  ASSERT_EQ(c.spans, 2u);
  EXPECT_EQ(c.At(1).end_time_unix_nano(), c.At(0).end_time_unix_nano());
  ASSERT_NE(Find(c.At(1).attributes(), "aws.xray.inprogress"), nullptr);
  EXPECT_TRUE(Find(c.At(1).attributes(), "aws.xray.inprogress")->bool_value());
}

TEST(SegmentSpansTest, InvalidDocumentsAreRefusedWhole) {
  ExportRequest request;
  std::size_t spans = 0;
  EXPECT_EQ(AppendDocument("not json", request, spans), DocumentOutcome::kInvalid);
  EXPECT_EQ(AppendDocument(Segment({{"trace_id", "1-zz"}}), request, spans),
            DocumentOutcome::kInvalid);
  EXPECT_EQ(AppendDocument(Segment({{"id", "short"}}), request, spans), DocumentOutcome::kInvalid);
  EXPECT_EQ(AppendDocument(Segment({{"start_time", "soon"}}), request, spans),
            DocumentOutcome::kInvalid);
  EXPECT_EQ(AppendDocument(Segment({{"subsegments", {{{"id", "x"}}}}}), request, spans),
            DocumentOutcome::kInvalid);
  EXPECT_EQ(request.resource_spans_size(), 0);
}

TEST(SegmentSpansTest, FaultIsStatusErrorWithTheFirstExceptionMessage) {
  Converted c = Convert(
      Segment({{"fault", true},
               {"cause",
                {{"exceptions",
                  {{{"id", "a1b2c3d4e5f60718"},
                    {"type", "TimeoutError"},
                    {"message", "gateway timed out"},
                    {"remote", true},
                    {"stack", {{{"label", "charge"}, {"path", "pay.js"}, {"line", 12}}}}}}}}}}));
  EXPECT_EQ(c.At(0).status().code(), Status::STATUS_CODE_ERROR);
  EXPECT_EQ(c.At(0).status().message(), "gateway timed out");
  ASSERT_EQ(c.At(0).events_size(), 1);
  const auto& event = c.At(0).events(0);
  EXPECT_EQ(event.name(), "exception");
  EXPECT_EQ(event.time_unix_nano(), c.At(0).end_time_unix_nano());
  EXPECT_EQ(Str(event.attributes(), "exception.type"), "TimeoutError");
  EXPECT_EQ(Str(event.attributes(), "exception.message"), "gateway timed out");
  EXPECT_EQ(Str(event.attributes(), "exception.stacktrace"), "\tat charge(pay.js:12)");
  EXPECT_EQ(Str(event.attributes(), "aws.xray.exception.id"), "a1b2c3d4e5f60718");
  EXPECT_TRUE(Find(event.attributes(), "aws.xray.exception.remote")->bool_value());
}

TEST(SegmentSpansTest, ErrorAndThrottleAreStatusErrorNoFlagIsUnset) {
  EXPECT_EQ(Convert(Segment({{"error", true}})).At(0).status().code(), Status::STATUS_CODE_ERROR);
  EXPECT_EQ(Convert(Segment({{"error", true}})).At(0).status().message(), "error");
  EXPECT_EQ(Convert(Segment({{"throttle", true}})).At(0).status().code(),
            Status::STATUS_CODE_ERROR);
  EXPECT_EQ(Convert(Segment({{"fault", true}})).At(0).status().message(), "fault");
  EXPECT_FALSE(Convert(Segment()).At(0).has_status());
}

TEST(SegmentSpansTest, HttpAttributes) {
  Converted c = Convert(Segment({{"http",
                                  {{"request",
                                    {{"method", "POST"},
                                     {"url", "http://shop.local/checkout"},
                                     {"user_agent", "curl/8"},
                                     {"client_ip", "10.0.0.1"}}},
                                   {"response", {{"status", 502}, {"content_length", 17}}}}}}));
  const Attrs& a = c.At(0).attributes();
  EXPECT_EQ(Str(a, "http.method"), "POST");
  EXPECT_EQ(Str(a, "http.url"), "http://shop.local/checkout");
  EXPECT_EQ(Str(a, "http.user_agent"), "curl/8");
  EXPECT_EQ(Str(a, "net.peer.ip"), "10.0.0.1");
  EXPECT_EQ(Find(a, "http.status_code")->int_value(), 502);
  EXPECT_EQ(Find(a, "http.response_content_length")->int_value(), 17);
}

TEST(SegmentSpansTest, ForwardedClientIpIsHttpClientIp) {
  Converted c = Convert(
      Segment({{"http", {{"request", {{"client_ip", "10.0.0.1"}, {"x_forwarded_for", true}}}}}}));
  EXPECT_EQ(Str(c.At(0).attributes(), "http.client_ip"), "10.0.0.1");
  EXPECT_EQ(Find(c.At(0).attributes(), "net.peer.ip"), nullptr);
}

TEST(SegmentSpansTest, AnnotationsAreTypedAttributesListedInXrayAnnotations) {
  Converted c = Convert(Segment(
      {{"annotations", {{"customer", "alice"}, {"items", 3}, {"ratio", 0.5}, {"vip", true}}}}));
  const Attrs& a = c.At(0).attributes();
  EXPECT_EQ(Str(a, "customer"), "alice");
  EXPECT_EQ(Find(a, "items")->int_value(), 3);
  EXPECT_DOUBLE_EQ(Find(a, "ratio")->double_value(), 0.5);
  EXPECT_TRUE(Find(a, "vip")->bool_value());
  const AnyValue* keys = Find(a, "aws.xray.annotations");
  ASSERT_NE(keys, nullptr);
  ASSERT_EQ(keys->array_value().values_size(), 4);
}

TEST(SegmentSpansTest, MetadataNamespacesAreJsonText) {
  Converted c = Convert(
      Segment({{"metadata", {{"default", {{"cart", {1, 2}}}}, {"debug", {{"sql", "select 1"}}}}}}));
  const Attrs& a = c.At(0).attributes();
  EXPECT_EQ(nlohmann::json::parse(Str(a, "aws.xray.metadata.default")),
            nlohmann::json({{"cart", {1, 2}}}));
  EXPECT_EQ(nlohmann::json::parse(Str(a, "aws.xray.metadata.debug")),
            nlohmann::json({{"sql", "select 1"}}));
}

TEST(SegmentSpansTest, UserIsEnduserId) {
  EXPECT_EQ(Str(Convert(Segment({{"user", "alice"}})).At(0).attributes(), "enduser.id"), "alice");
}

TEST(SegmentSpansTest, SqlAttributes) {
  Converted c = Convert(Segment({{"sql",
                                  {{"url", "jdbc:postgresql://db:5432/shop"},
                                   {"sanitized_query", "SELECT ?"},
                                   {"database_type", "PostgreSQL"},
                                   {"database_version", "15"},
                                   {"driver_version", "42"},
                                   {"user", "app"},
                                   {"preparation", "prepared"}}}}));
  const Attrs& a = c.At(0).attributes();
  EXPECT_EQ(Str(a, "db.connection_string"), "jdbc:postgresql://db:5432/shop");
  EXPECT_EQ(Str(a, "db.statement"), "SELECT ?");
  EXPECT_EQ(Str(a, "db.system"), "PostgreSQL");
  EXPECT_EQ(Str(a, "db.version"), "15");
  EXPECT_EQ(Str(a, "db.driver_version"), "42");
  EXPECT_EQ(Str(a, "db.user"), "app");
  EXPECT_EQ(Str(a, "db.preparation"), "prepared");
}

TEST(SegmentSpansTest, AwsCallAttributesOfSubsegments) {
  Converted c = Convert(Segment({{"subsegments",
                                  {{{"id", "1111111111111111"},
                                    {"name", "DynamoDB"},
                                    {"namespace", "aws"},
                                    {"start_time", 1478293361.3},
                                    {"end_time", 1478293361.4},
                                    {"aws",
                                     {{"operation", "GetItem"},
                                      {"region", "eu-west-1"},
                                      {"request_id", "R1"},
                                      {"table_name", "carts"},
                                      {"retries", 1}}}}}}}));
  const Attrs& a = c.At(1).attributes();
  EXPECT_EQ(Str(a, "aws.operation"), "GetItem");
  EXPECT_EQ(Str(a, "aws.region"), "eu-west-1");
  EXPECT_EQ(Str(a, "aws.request_id"), "R1");
  EXPECT_EQ(Str(a, "aws.table_name"), "carts");
  EXPECT_EQ(Find(a, "aws.retries")->int_value(), 1);
}

TEST(SegmentSpansTest, ResourceFromOriginAndAws) {
  Converted c =
      Convert(Segment({{"origin", "AWS::ECS::Fargate"},
                       {"resource_arn", "arn:aws:ecs:eu-west-1:123456789012:task/x"},
                       {"aws",
                        {{"account_id", "123456789012"},
                         {"ec2", {{"instance_id", "i-1"}, {"availability_zone", "eu-west-1a"}}},
                         {"ecs", {{"container", "web"}, {"container_id", "c1"}}},
                         {"xray", {{"sdk", "X-Ray for Node.js"}, {"sdk_version", "3.5.0"}}},
                         {"cloudwatch_logs", {{{"log_group", "/app"}}}}}}}));
  const Attrs& r = c.Resource().resource().attributes();
  EXPECT_EQ(Str(r, "cloud.provider"), "aws");
  EXPECT_EQ(Str(r, "cloud.platform"), "aws_ecs");
  EXPECT_EQ(Str(r, "aws.ecs.launchtype"), "fargate");
  EXPECT_EQ(Str(r, "aws.xray.resource_arn"), "arn:aws:ecs:eu-west-1:123456789012:task/x");
  EXPECT_EQ(Str(r, "cloud.account.id"), "123456789012");
  EXPECT_EQ(Str(r, "host.id"), "i-1");
  EXPECT_EQ(Str(r, "cloud.availability_zone"), "eu-west-1a");
  EXPECT_EQ(Str(r, "container.name"), "web");
  EXPECT_EQ(Str(r, "container.id"), "c1");
  EXPECT_EQ(Str(r, "telemetry.sdk.name"), "X-Ray for Node.js");
  EXPECT_EQ(Str(r, "telemetry.sdk.version"), "3.5.0");
  ASSERT_NE(Find(r, "aws.log.group.names"), nullptr);
  EXPECT_EQ(Find(r, "aws.log.group.names")->array_value().values(0).string_value(), "/app");
  // Resource fields stay off the span.
  EXPECT_EQ(Find(c.At(0).attributes(), "host.id"), nullptr);
}

TEST(SegmentSpansTest, OneResourceSpansPerDocument) {
  ExportRequest request;
  std::size_t spans = 0;
  ASSERT_EQ(AppendDocument(Segment(), request, spans), DocumentOutcome::kConverted);
  ASSERT_EQ(AppendDocument(Segment({{"id", "1111111111111111"}}), request, spans),
            DocumentOutcome::kConverted);
  EXPECT_EQ(request.resource_spans_size(), 2);
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).scope().name(), "xrayd");
}

}  // namespace
}  // namespace xrayd::daemon::otlp_export
