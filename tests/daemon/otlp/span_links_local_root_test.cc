// Rules "links" and "local root" of docs/otlp-mapping.md, one test (or more) per rule.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/otlp/span_mapper.h"
#include "proto/document_decoder.h"
#include "tests/daemon/otlp/otlp_test_support.h"

namespace xrayd::daemon::otlp {
namespace {

using nlohmann::json;
using testing::AddBool;
using testing::AddInt;
using testing::AddString;
using testing::AddStrings;
using testing::Bytes;
using testing::MakeSpan;
using testing::SpanProto;

constexpr const char* kParent = "aaaaaaaaaaaaaaaa";
constexpr const char* kSpanId = "53995c3f42cd8ad8";

Resource AwsResource() {
  Resource resource;
  AddString(resource.mutable_attributes(), "service.name", "orders-resource");
  AddString(resource.mutable_attributes(), "cloud.provider", "aws");
  AddString(resource.mutable_attributes(), "cloud.platform", "aws_ec2");
  AddString(resource.mutable_attributes(), "cloud.region", "eu-west-1");
  AddString(resource.mutable_attributes(), "deployment.environment", "prod");
  return resource;
}

// Every document of the span, each checked to be one the UDP path accepts.
std::vector<json> MapAll(const SpanProto& span, const Resource& resource = AwsResource(),
                         const MappingOptions& options = {}) {
  auto texts = MapSpanDocuments(span, resource, options);
  EXPECT_TRUE(texts) << texts.error();
  std::vector<json> docs;
  if (!texts) {
    return docs;
  }
  proto::DocumentDecoder decoder;
  for (const std::string& text : *texts) {
    auto decoded = decoder.Decode(text);
    EXPECT_TRUE(decoded) << text << ": " << (decoded ? "" : decoded.error().detail);
    docs.push_back(json::parse(text));
  }
  return docs;
}

void AddLink(SpanProto& span, const std::string& trace_hex, const std::string& span_hex) {
  auto* link = span.add_links();
  link->set_trace_id(Bytes(trace_hex));
  link->set_span_id(Bytes(span_hex));
}

TEST(SpanLinksTest, LinksBecomeTheDocumentsLinksWithXrayTraceIds) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  AddLink(span, "5759e988bd862e3fe1be46a9942727ff", "1111111111111111");
  AddLink(span, "ffffffff0123456789abcdef01234567", "2222222222222222");  // W3C random id.
  AddString(span.mutable_links(1)->mutable_attributes(), "link.reason", "batch");
  AddInt(span.mutable_links(1)->mutable_attributes(), "batch.size", 3);
  AddBool(span.mutable_links(1)->mutable_attributes(), "sampled", true);
  AddStrings(span.mutable_links(1)->mutable_attributes(), "tags", {"a", "b"});
  std::vector<json> docs = MapAll(span);
  ASSERT_EQ(docs.size(), 1u);
  const json& links = docs[0]["links"];
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0], (json{{"trace_id", "1-5759e988-bd862e3fe1be46a9942727ff"},
                            {"id", "1111111111111111"}}));
  EXPECT_EQ(links[1]["trace_id"], "1-ffffffff-0123456789abcdef01234567");
  EXPECT_EQ(links[1]["id"], "2222222222222222");
  EXPECT_EQ(
      links[1]["attributes"],
      (json{{"link.reason", "batch"}, {"batch.size", 3}, {"sampled", true}, {"tags", {"a", "b"}}}));
  // Link attributes are not span attributes: nothing of them in metadata.
  EXPECT_FALSE(docs[0]["metadata"]["default"].contains("link.reason"));
}

TEST(SpanLinksTest, LinksOnSubsegmentsToo) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_CLIENT, kParent);
  AddLink(span, "5759e988bd862e3fe1be46a9942727ff", "1111111111111111");
  std::vector<json> docs = MapAll(span);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["type"], "subsegment");
  EXPECT_EQ(docs[0]["links"].size(), 1u);
}

TEST(SpanLinksTest, LinksWithInvalidIdsAreLeftOutAndNoLinksNoField) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  std::vector<json> plain = MapAll(span);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_FALSE(plain[0].contains("links"));
  AddLink(span, "00000000000000000000000000000000", "1111111111111111");  // Zero trace id.
  AddLink(span, "5759e988bd862e3fe1be46a9942727ff", "0000000000000000");  // Zero span id.
  auto* short_trace = span.add_links();
  short_trace->set_trace_id("abc");
  short_trace->set_span_id(Bytes("1111111111111111"));
  auto* short_span = span.add_links();
  short_span->set_trace_id(Bytes("5759e988bd862e3fe1be46a9942727ff"));
  short_span->set_span_id("ab");
  AddLink(span, "5759e988bd862e3fe1be46a9942727ff", "3333333333333333");
  std::vector<json> docs = MapAll(span);
  ASSERT_EQ(docs.size(), 1u);
  ASSERT_EQ(docs[0]["links"].size(), 1u);
  EXPECT_EQ(docs[0]["links"][0]["id"], "3333333333333333");
}

// A LOCAL_ROOT CLIENT call from "orders" to "payments", with everything a call carries.
SpanProto LocalRootCall(SpanProto::SpanKind kind = SpanProto::SPAN_KIND_CLIENT,
                        const std::string& parent = "") {
  SpanProto span = MakeSpan(kind, parent);
  auto* attrs = span.mutable_attributes();
  AddString(attrs, "aws.span.kind", "LOCAL_ROOT");
  AddString(attrs, "aws.local.service", "orders");
  AddString(attrs, "aws.local.operation", "POST /orders");
  AddString(attrs, "aws.remote.service", "payments");
  AddString(attrs, "aws.remote.operation", "POST /charge");
  AddString(attrs, "http.request.method", "POST");
  AddString(attrs, "url.full", "http://payments:8080/charge");
  AddInt(attrs, "http.response.status_code", 503);
  AddString(attrs, "aws.request_id", "req-1");
  AddString(attrs, "enduser.id", "alice");
  AddString(attrs, "tenant", "t1");
  AddString(attrs, "note", "kept in metadata");
  auto* event = span.add_events();
  event->set_name("exception");
  AddString(event->mutable_attributes(), "exception.type", "IOError");
  AddString(event->mutable_attributes(), "exception.message", "connection reset");
  return span;
}

TEST(LocalRootTest, ClientLocalRootBecomesServiceSegmentAndDependencySubsegment) {
  MappingOptions options;
  options.indexed_attributes = {"tenant", "aws.remote.operation"};
  std::vector<json> docs = MapAll(LocalRootCall(), AwsResource(), options);
  ASSERT_EQ(docs.size(), 2u);
  const json& dependency = docs[0];
  const json& service = docs[1];

  // The service segment: a new id, named from aws.local.service, no parent (the span had none).
  EXPECT_FALSE(service.contains("type"));
  EXPECT_FALSE(service.contains("namespace"));
  EXPECT_FALSE(service.contains("parent_id"));
  EXPECT_EQ(service["name"], "orders");
  EXPECT_EQ(service["trace_id"], "1-5759e988-bd862e3fe1be46a994272793");
  ASSERT_TRUE(service["id"].is_string());
  EXPECT_NE(service["id"], kSpanId);
  EXPECT_EQ(service["id"].get<std::string>().size(), 16u);
  EXPECT_EQ(service["start_time"], dependency["start_time"]);
  EXPECT_EQ(service["end_time"], dependency["end_time"]);

  // The dependency subsegment: the span's own id, under the service segment, namespace remote,
  // named from aws.remote.service.
  EXPECT_EQ(dependency["type"], "subsegment");
  EXPECT_EQ(dependency["id"], kSpanId);
  EXPECT_EQ(dependency["parent_id"], service["id"]);
  EXPECT_EQ(dependency["trace_id"], service["trace_id"]);
  EXPECT_EQ(dependency["namespace"], "remote");
  EXPECT_EQ(dependency["name"], "payments");
}

TEST(LocalRootTest, FieldsGoWhereTheCollectorPutsThem) {
  MappingOptions options;
  options.indexed_attributes = {"tenant", "aws.remote.operation"};
  std::vector<json> docs = MapAll(LocalRootCall(), AwsResource(), options);
  ASSERT_EQ(docs.size(), 2u);
  const json& dependency = docs[0];
  const json& service = docs[1];

  // http and the call's aws fields: the dependency only.
  EXPECT_EQ(dependency["http"]["request"]["url"], "http://payments:8080/charge");
  EXPECT_EQ(dependency["http"]["response"]["status"], 503);
  EXPECT_EQ(dependency["aws"]["request_id"], "req-1");
  EXPECT_FALSE(service.contains("http"));
  EXPECT_FALSE(service.contains("aws") && service["aws"].contains("request_id"));
  // Resource context: the service segment only (it is the segment).
  EXPECT_EQ(service["origin"], "AWS::EC2::Instance");
  EXPECT_EQ(service["aws"]["region"], "eu-west-1");
  EXPECT_FALSE(dependency.contains("origin"));
  // Flags, cause and user: both, as the collector computes them for both.
  for (const json* doc : {&dependency, &service}) {
    EXPECT_EQ((*doc)["fault"], true) << *doc;
    ASSERT_EQ((*doc)["cause"]["exceptions"].size(), 1u) << *doc;
    EXPECT_EQ((*doc)["cause"]["exceptions"][0]["message"], "connection reset");
    EXPECT_EQ((*doc)["cause"]["exceptions"][0]["remote"], true);
    EXPECT_EQ((*doc)["user"], "alice");
  }
  // Annotations: both, except the remote side's keys, which the service segment does not carry.
  EXPECT_EQ(dependency["annotations"],
            (json{{"tenant", "t1"}, {"aws_remote_operation", "POST /charge"}}));
  EXPECT_EQ(service["annotations"], (json{{"tenant", "t1"}}));
  // Metadata: the span's attributes on the dependency; only the resource's on the service.
  EXPECT_EQ(dependency["metadata"]["default"]["note"], "kept in metadata");
  EXPECT_EQ(dependency["metadata"]["default"]["aws.span.kind"], "LOCAL_ROOT");
  EXPECT_FALSE(dependency["metadata"]["default"].contains("otel.resource.deployment.environment"));
  const json& service_meta = service["metadata"]["default"];
  EXPECT_EQ(service_meta["otel.resource.deployment.environment"], "prod");
  EXPECT_EQ(service_meta["otel.resource.service.name"], "orders-resource");
  for (const auto& [key, value] : service_meta.items()) {
    EXPECT_TRUE(key.starts_with("otel.resource.")) << key;
  }
}

TEST(LocalRootTest, ServiceSegmentKeepsTheSpansParent) {
  std::vector<json> docs = MapAll(LocalRootCall(SpanProto::SPAN_KIND_PRODUCER, kParent));
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1]["parent_id"], kParent);
  EXPECT_FALSE(docs[1].contains("type"));
  EXPECT_EQ(docs[0]["parent_id"], docs[1]["id"]);
  EXPECT_EQ(docs[0]["type"], "subsegment");
  EXPECT_EQ(docs[0]["namespace"], "remote");  // Set for PRODUCER too.
}

TEST(LocalRootTest, NamesFallBackAndAwsSdkPrefixIsRemoved) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_CLIENT);
  AddString(span.mutable_attributes(), "aws.span.kind", "LOCAL_ROOT");
  AddString(span.mutable_attributes(), "aws.remote.service", "AWS::DynamoDB");
  AddString(span.mutable_attributes(), "rpc.system", "aws-api");
  std::vector<json> docs = MapAll(span);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["name"], "DynamoDB");
  EXPECT_EQ(docs[0]["namespace"], "aws");         // An AWS SDK call keeps namespace aws.
  EXPECT_EQ(docs[1]["name"], "orders-resource");  // No aws.local.service: resource service.name.
}

TEST(LocalRootTest, LinksGoToTheDependencyExceptForConsumers) {
  SpanProto client = LocalRootCall();
  AddLink(client, "5759e988bd862e3fe1be46a9942727ff", "1111111111111111");
  std::vector<json> docs = MapAll(client);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["links"].size(), 1u);
  EXPECT_FALSE(docs[1].contains("links"));

  SpanProto consumer = LocalRootCall(SpanProto::SPAN_KIND_CONSUMER, kParent);
  AddLink(consumer, "5759e988bd862e3fe1be46a9942727ff", "1111111111111111");
  docs = MapAll(consumer);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["type"], "subsegment");
  EXPECT_FALSE(docs[0].contains("links"));
  EXPECT_EQ(docs[1]["links"].size(), 1u);
}

TEST(LocalRootTest, OtherKindsAndOtherValuesAreNotSplit) {
  // SERVER and INTERNAL local roots: one segment, even with a parent, named from aws.local.service.
  for (auto kind : {SpanProto::SPAN_KIND_SERVER, SpanProto::SPAN_KIND_INTERNAL}) {
    SpanProto span = MakeSpan(kind, kParent);
    AddString(span.mutable_attributes(), "aws.span.kind", "LOCAL_ROOT");
    AddString(span.mutable_attributes(), "aws.local.service", "orders");
    std::vector<json> docs = MapAll(span);
    ASSERT_EQ(docs.size(), 1u) << kind;
    EXPECT_FALSE(docs[0].contains("type")) << kind;
    EXPECT_EQ(docs[0]["id"], kSpanId);
    EXPECT_EQ(docs[0]["name"], "orders");
  }
  // Another aws.span.kind on a CLIENT span: the usual single subsegment.
  SpanProto client = MakeSpan(SpanProto::SPAN_KIND_CLIENT, kParent);
  AddString(client.mutable_attributes(), "aws.span.kind", "CLIENT");
  AddString(client.mutable_attributes(), "aws.remote.service", "payments");
  std::vector<json> docs = MapAll(client);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["type"], "subsegment");
  EXPECT_EQ(docs[0]["id"], kSpanId);
}

TEST(LocalRootTest, InvalidSpanIsRejectedOnce) {
  SpanProto span = LocalRootCall();
  span.set_start_time_unix_nano(0);
  auto texts = MapSpanDocuments(span, AwsResource(), {});
  ASSERT_FALSE(texts);
  EXPECT_NE(texts.error().find(kSpanId), std::string::npos) << texts.error();
}

TEST(LocalRootTest, EachSplitGetsItsOwnServiceId) {
  std::vector<json> first = MapAll(LocalRootCall());
  std::vector<json> second = MapAll(LocalRootCall());
  ASSERT_EQ(first.size(), 2u);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_NE(first[1]["id"], second[1]["id"]);
}

}  // namespace
}  // namespace xrayd::daemon::otlp
