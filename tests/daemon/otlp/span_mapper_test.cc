// One test (or more) per rule of docs/otlp-mapping.md.
#include "daemon/otlp/span_mapper.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "proto/document_decoder.h"
#include "tests/daemon/otlp/otlp_test_support.h"

namespace xrayd::daemon::otlp {
namespace {

using nlohmann::json;
using testing::AddBool;
using testing::AddDouble;
using testing::AddInt;
using testing::AddString;
using testing::AddStrings;
using testing::Bytes;
using testing::MakeSpan;
using testing::SpanProto;

Resource ServiceResource(const std::string& name = "checkout") {
  Resource resource;
  AddString(resource.mutable_attributes(), "service.name", name);
  return resource;
}

json Map(const SpanProto& span, const Resource& resource = ServiceResource(),
         const MappingOptions& options = {}) {
  auto text = MapSpan(span, resource, options);
  EXPECT_TRUE(text) << text.error();
  if (!text) {
    return json();
  }
  // Every mapped document is one the UDP path accepts.
  proto::DocumentDecoder decoder;
  auto decoded = decoder.Decode(*text);
  EXPECT_TRUE(decoded) << *text << ": " << (decoded ? "" : decoded.error().detail);
  return json::parse(*text);
}

TEST(SpanMapperTest, IdsAndTimes) {
  json doc = Map(MakeSpan(SpanProto::SPAN_KIND_SERVER));
  EXPECT_EQ(doc["trace_id"], "1-5759e988-bd862e3fe1be46a994272793");
  EXPECT_EQ(doc["id"], "53995c3f42cd8ad8");
  EXPECT_FALSE(doc.contains("parent_id"));
  EXPECT_DOUBLE_EQ(doc["start_time"].get<double>(), 1767225600.0);
  EXPECT_DOUBLE_EQ(doc["end_time"].get<double>(), 1767225601.5);
  EXPECT_FALSE(doc.contains("type"));
}

TEST(SpanMapperTest, RandomW3cTraceIdIsKeptAsIs) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  span.set_trace_id(Bytes("ffffffff0123456789abcdef01234567"));  // Not a plausible epoch.
  EXPECT_EQ(Map(span)["trace_id"], "1-ffffffff-0123456789abcdef01234567");
}

TEST(SpanMapperTest, UnendedSpanIsInProgress) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  span.set_end_time_unix_nano(0);
  json doc = Map(span);
  EXPECT_EQ(doc["in_progress"], true);
  EXPECT_FALSE(doc.contains("end_time"));
}

TEST(SpanMapperTest, InvalidSpansAreRejectedWithAMessage) {
  SpanProto no_trace = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  no_trace.set_trace_id(std::string(16, '\0'));
  SpanProto short_id = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  short_id.set_span_id("abc");
  SpanProto bad_parent = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  bad_parent.set_parent_span_id("abc");
  SpanProto no_start = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  no_start.set_start_time_unix_nano(0);
  for (const SpanProto& span : {no_trace, short_id, bad_parent, no_start}) {
    auto text = MapSpan(span, ServiceResource(), {});
    ASSERT_FALSE(text);
    EXPECT_FALSE(text.error().empty());
  }
}

TEST(SpanMapperTest, SegmentOrSubsegmentByKindAndParent) {
  const std::string parent = "aaaaaaaaaaaaaaaa";
  // No parent: always a segment.
  for (auto kind :
       {SpanProto::SPAN_KIND_INTERNAL, SpanProto::SPAN_KIND_CLIENT, SpanProto::SPAN_KIND_SERVER}) {
    EXPECT_FALSE(Map(MakeSpan(kind)).contains("type")) << kind;
  }
  // SERVER and CONSUMER with a parent: segments that name their parent.
  for (auto kind : {SpanProto::SPAN_KIND_SERVER, SpanProto::SPAN_KIND_CONSUMER}) {
    json doc = Map(MakeSpan(kind, parent));
    EXPECT_FALSE(doc.contains("type")) << kind;
    EXPECT_EQ(doc["parent_id"], parent);
  }
  // CLIENT, PRODUCER, INTERNAL with a parent: independent subsegments.
  for (auto kind : {SpanProto::SPAN_KIND_CLIENT, SpanProto::SPAN_KIND_PRODUCER,
                    SpanProto::SPAN_KIND_INTERNAL}) {
    json doc = Map(MakeSpan(kind, parent));
    EXPECT_EQ(doc["type"], "subsegment") << kind;
    EXPECT_EQ(doc["parent_id"], parent);
    EXPECT_EQ(doc["trace_id"], "1-5759e988-bd862e3fe1be46a994272793");
  }
}

TEST(SpanMapperTest, NameRules) {
  const std::string parent = "aaaaaaaaaaaaaaaa";
  // Segment: service.name of the resource.
  EXPECT_EQ(Map(MakeSpan(SpanProto::SPAN_KIND_SERVER))["name"], "checkout");
  // aws.local.service beats service.name on SERVER spans.
  SpanProto local = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  AddString(local.mutable_attributes(), "aws.local.service", "local-svc");
  EXPECT_EQ(Map(local)["name"], "local-svc");
  // CLIENT: aws.remote.service, AWS SDK prefix removed.
  SpanProto remote = MakeSpan(SpanProto::SPAN_KIND_CLIENT, parent);
  AddString(remote.mutable_attributes(), "aws.remote.service", "AWS::DynamoDB");
  AddString(remote.mutable_attributes(), "rpc.system", "aws-api");
  EXPECT_EQ(Map(remote)["name"], "DynamoDB");
  // Then peer.service, aws.service, db.name, rpc.service, http host, span name.
  SpanProto peer = MakeSpan(SpanProto::SPAN_KIND_CLIENT, parent);
  AddString(peer.mutable_attributes(), "peer.service", "payments");
  AddString(peer.mutable_attributes(), "rpc.service", "ignored");
  EXPECT_EQ(Map(peer)["name"], "payments");
  SpanProto db = MakeSpan(SpanProto::SPAN_KIND_CLIENT, parent);
  AddString(db.mutable_attributes(), "db.name", "orders");
  EXPECT_EQ(Map(db)["name"], "orders");
  SpanProto rpc = MakeSpan(SpanProto::SPAN_KIND_CLIENT, parent);
  AddString(rpc.mutable_attributes(), "rpc.service", "Greeter");
  EXPECT_EQ(Map(rpc)["name"], "Greeter");
  SpanProto host = MakeSpan(SpanProto::SPAN_KIND_CLIENT, parent);
  AddString(host.mutable_attributes(), "server.address", "api.example.com");
  EXPECT_EQ(Map(host)["name"], "api.example.com");
  SpanProto plain = MakeSpan(SpanProto::SPAN_KIND_INTERNAL, parent);
  plain.set_name("compute <tax>!");
  EXPECT_EQ(Map(plain)["name"], "compute tax");  // Characters X-Ray refuses are dropped.
  plain.set_name("***");
  EXPECT_EQ(Map(plain)["name"], "span");
  plain.set_name(std::string(300, 'n'));
  EXPECT_EQ(Map(plain)["name"].get<std::string>().size(), 200u);
}

TEST(SpanMapperTest, NamespaceAwsOrRemote) {
  const std::string parent = "aaaaaaaaaaaaaaaa";
  SpanProto client = MakeSpan(SpanProto::SPAN_KIND_CLIENT, parent);
  EXPECT_EQ(Map(client)["namespace"], "remote");
  AddString(client.mutable_attributes(), "rpc.system", "aws-api");
  EXPECT_EQ(Map(client)["namespace"], "aws");
  SpanProto internal = MakeSpan(SpanProto::SPAN_KIND_INTERNAL, parent);
  EXPECT_FALSE(Map(internal).contains("namespace"));
  SpanProto with_service = MakeSpan(SpanProto::SPAN_KIND_PRODUCER, parent);
  AddString(with_service.mutable_attributes(), "aws.service", "SQS");
  EXPECT_EQ(Map(with_service)["namespace"], "aws");
}

TEST(SpanMapperTest, HttpCurrentSemanticConventions) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  auto* a = span.mutable_attributes();
  AddString(a, "http.request.method", "POST");
  AddString(a, "url.scheme", "https");
  AddString(a, "server.address", "shop.example.com");
  AddInt(a, "server.port", 443);
  AddString(a, "url.path", "/cart");
  AddString(a, "url.query", "x=1");
  AddString(a, "user_agent.original", "curl/8");
  AddString(a, "client.address", "10.0.0.1");
  AddInt(a, "http.response.status_code", 201);
  AddInt(a, "http.response.body.size", 42);
  json doc = Map(span);
  EXPECT_EQ(doc["http"]["request"]["method"], "POST");
  EXPECT_EQ(doc["http"]["request"]["url"], "https://shop.example.com/cart?x=1");
  EXPECT_EQ(doc["http"]["request"]["user_agent"], "curl/8");
  EXPECT_EQ(doc["http"]["request"]["client_ip"], "10.0.0.1");
  EXPECT_EQ(doc["http"]["request"]["x_forwarded_for"], true);
  EXPECT_EQ(doc["http"]["response"]["status"], 201);
  EXPECT_EQ(doc["http"]["response"]["content_length"], 42);
  // Every span attribute was consumed: metadata holds only the resource.
  EXPECT_EQ(doc["metadata"], json({{"default", {{"otel.resource.service.name", "checkout"}}}}));
}

TEST(SpanMapperTest, HttpOlderSemanticConventions) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  auto* a = span.mutable_attributes();
  AddString(a, "http.method", "GET");
  AddString(a, "http.url", "http://old.example.com:8080/x");
  AddString(a, "http.user_agent", "old-agent");
  AddString(a, "net.peer.ip", "10.0.0.2");
  AddInt(a, "http.status_code", 200);
  json doc = Map(span);
  EXPECT_EQ(doc["http"]["request"]["method"], "GET");
  EXPECT_EQ(doc["http"]["request"]["url"], "http://old.example.com:8080/x");
  EXPECT_EQ(doc["http"]["request"]["user_agent"], "old-agent");
  EXPECT_EQ(doc["http"]["request"]["client_ip"], "10.0.0.2");
  EXPECT_FALSE(doc["http"]["request"].contains("x_forwarded_for"));
  EXPECT_EQ(doc["http"]["response"]["status"], 200);
}

TEST(SpanMapperTest, ErrorFaultThrottleFromStatus) {
  auto with_status = [](std::int64_t code) {
    SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
    AddInt(span.mutable_attributes(), "http.response.status_code", code);
    return Map(span);
  };
  json ok = with_status(200);
  EXPECT_FALSE(ok.contains("error") || ok.contains("fault") || ok.contains("throttle"));
  json not_found = with_status(404);
  EXPECT_EQ(not_found["error"], true);
  EXPECT_FALSE(not_found.contains("throttle"));
  json throttled = with_status(429);
  EXPECT_EQ(throttled["error"], true);
  EXPECT_EQ(throttled["throttle"], true);
  json failed = with_status(503);
  EXPECT_EQ(failed["fault"], true);
  EXPECT_FALSE(failed.contains("error"));
  // No HTTP status: span status ERROR is a fault; OK or UNSET is nothing.
  SpanProto error = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  error.mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(Map(error)["fault"], true);
  SpanProto unset = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  EXPECT_FALSE(Map(unset).contains("fault"));
}

TEST(SpanMapperTest, ExceptionEventsBecomeCause) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_CLIENT, "aaaaaaaaaaaaaaaa");
  auto* event = span.add_events();
  event->set_name("exception");
  AddString(event->mutable_attributes(), "exception.type", "TypeError");
  AddString(event->mutable_attributes(), "exception.message", "x is undefined");
  AddString(event->mutable_attributes(), "exception.stacktrace",
            "TypeError: x is undefined\n    at handler (/app/index.js:10:5)\n"
            "    at /app/lib.js:3:1");
  span.add_events()->set_name("log");  // Not an exception: ignored.
  Resource resource = ServiceResource();
  AddString(resource.mutable_attributes(), "telemetry.sdk.language", "nodejs");
  json doc = Map(span, resource);
  ASSERT_EQ(doc["cause"]["exceptions"].size(), 1u);
  json exception = doc["cause"]["exceptions"][0];
  EXPECT_EQ(exception["type"], "TypeError");
  EXPECT_EQ(exception["message"], "x is undefined");
  EXPECT_EQ(exception["remote"], true);
  EXPECT_EQ(exception["id"].get<std::string>().size(), 16u);
  ASSERT_EQ(exception["stack"].size(), 2u);
  EXPECT_EQ(exception["stack"][0],
            json({{"label", "handler"}, {"path", "/app/index.js"}, {"line", 10}}));
  EXPECT_EQ(exception["stack"][1]["path"], "/app/lib.js");
}

TEST(SpanMapperTest, StackFormatsByLanguage) {
  json java = ParseStack(
      "java.lang.IllegalStateException: bad\n\tat com.example.Main.run(Main.java:12)\n"
      "\tat java.base/java.lang.Thread.run(Unknown Source)",
      "java");
  ASSERT_EQ(java.size(), 2u);
  EXPECT_EQ(java[0],
            json({{"label", "com.example.Main.run"}, {"path", "Main.java"}, {"line", 12}}));
  json python = ParseStack(
      "Traceback (most recent call last):\n  File \"/app/a.py\", line 3, in main\n"
      "    f()\n  File \"/app/b.py\", line 7, in f\nValueError: no",
      "python");
  ASSERT_EQ(python.size(), 2u);
  EXPECT_EQ(python[0], json({{"label", "f"}, {"path", "/app/b.py"}, {"line", 7}}));
  EXPECT_TRUE(ParseStack("anything", "rust").empty());
}

TEST(SpanMapperTest, ErrorStatusMessageWithoutEventIsAnException) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  span.mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  span.mutable_status()->set_message("database down");
  json doc = Map(span);
  EXPECT_EQ(doc["cause"]["exceptions"][0]["message"], "database down");
}

TEST(SpanMapperTest, EnduserIdIsUser) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  AddString(span.mutable_attributes(), "enduser.id", "alice");
  EXPECT_EQ(Map(span)["user"], "alice");
}

TEST(SpanMapperTest, CloudAttributesGiveAwsAndOrigin) {
  Resource resource = ServiceResource();
  auto* r = resource.mutable_attributes();
  AddString(r, "cloud.provider", "aws");
  AddString(r, "cloud.platform", "aws_ec2");
  AddString(r, "cloud.account.id", "123456789012");
  AddString(r, "cloud.availability_zone", "eu-west-1a");
  AddString(r, "host.id", "i-0abc");
  AddString(r, "host.type", "m5.large");
  AddString(r, "telemetry.sdk.name", "opentelemetry");
  AddString(r, "telemetry.sdk.language", "nodejs");
  AddString(r, "telemetry.sdk.version", "3.1.1");
  json doc = Map(MakeSpan(SpanProto::SPAN_KIND_SERVER), resource);
  EXPECT_EQ(doc["origin"], "AWS::EC2::Instance");
  EXPECT_EQ(doc["aws"]["account_id"], "123456789012");
  EXPECT_EQ(doc["aws"]["ec2"]["instance_id"], "i-0abc");
  EXPECT_EQ(doc["aws"]["ec2"]["instance_size"], "m5.large");
  EXPECT_EQ(doc["aws"]["ec2"]["availability_zone"], "eu-west-1a");
  EXPECT_EQ(doc["aws"]["xray"]["sdk"], "opentelemetry for nodejs");
  EXPECT_EQ(doc["aws"]["xray"]["sdk_version"], "3.1.1");
  // Consumed resource keys are not repeated in metadata; the others are.
  EXPECT_FALSE(doc["metadata"]["default"].contains("otel.resource.host.id"));
  EXPECT_EQ(doc["metadata"]["default"]["otel.resource.service.name"], "checkout");
}

TEST(SpanMapperTest, OriginForEcsFargateAndNoneOutsideAws) {
  Resource ecs = ServiceResource();
  AddString(ecs.mutable_attributes(), "cloud.provider", "aws");
  AddString(ecs.mutable_attributes(), "cloud.platform", "aws_ecs");
  AddString(ecs.mutable_attributes(), "aws.ecs.launchtype", "fargate");
  AddString(ecs.mutable_attributes(), "container.id", "c0ffee");
  json doc = Map(MakeSpan(SpanProto::SPAN_KIND_SERVER), ecs);
  EXPECT_EQ(doc["origin"], "AWS::ECS::Fargate");
  EXPECT_EQ(doc["aws"]["ecs"]["container_id"], "c0ffee");
  Resource gcp = ServiceResource();
  AddString(gcp.mutable_attributes(), "cloud.provider", "gcp");
  AddString(gcp.mutable_attributes(), "cloud.platform", "gcp_compute_engine");
  json other = Map(MakeSpan(SpanProto::SPAN_KIND_SERVER), gcp);
  EXPECT_FALSE(other.contains("origin"));
  EXPECT_EQ(other["metadata"]["default"]["otel.resource.cloud.provider"], "gcp");
}

TEST(SpanMapperTest, AwsCallAttributes) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_CLIENT, "aaaaaaaaaaaaaaaa");
  auto* a = span.mutable_attributes();
  AddString(a, "rpc.system", "aws-api");
  AddString(a, "rpc.service", "DynamoDB");
  AddString(a, "rpc.method", "GetItem");
  AddString(a, "aws.request_id", "REQ1");
  AddString(a, "aws.table_name", "orders");
  json doc = Map(span);
  EXPECT_EQ(doc["name"], "DynamoDB");
  EXPECT_EQ(doc["namespace"], "aws");
  EXPECT_EQ(doc["aws"]["operation"], "GetItem");
  EXPECT_EQ(doc["aws"]["request_id"], "REQ1");
  EXPECT_EQ(doc["aws"]["table_name"], "orders");
}

TEST(SpanMapperTest, SqlForSqlDatabases) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_CLIENT, "aaaaaaaaaaaaaaaa");
  span.set_name("SELECT orders");
  auto* a = span.mutable_attributes();
  AddString(a, "db.system", "postgresql");
  AddString(a, "db.name", "shop");
  AddString(a, "db.statement", "SELECT * FROM orders WHERE id = ?");
  AddString(a, "db.user", "app");
  json doc = Map(span);
  EXPECT_EQ(doc["name"], "shop");
  EXPECT_EQ(doc["sql"]["url"], "SELECT orders");
  EXPECT_EQ(doc["sql"]["database_type"], "postgresql");
  EXPECT_EQ(doc["sql"]["connection_string"], "localhost/shop");
  EXPECT_EQ(doc["sql"]["sanitized_query"], "SELECT * FROM orders WHERE id = ?");
  EXPECT_EQ(doc["sql"]["user"], "app");
  SpanProto redis = MakeSpan(SpanProto::SPAN_KIND_CLIENT, "aaaaaaaaaaaaaaaa");
  AddString(redis.mutable_attributes(), "db.system", "redis");
  EXPECT_FALSE(Map(redis).contains("sql"));
}

TEST(SpanMapperTest, AnnotationsFromConfiguredKeys) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  auto* a = span.mutable_attributes();
  AddString(a, "tenant.id", "t-1");
  AddInt(a, "retries", 3);
  AddDouble(a, "ratio", 0.25);
  AddBool(a, "vip", true);
  AddStrings(a, "tags", {"a"});  // Not a scalar: never an annotation.
  MappingOptions options;
  options.indexed_attributes = {"tenant.id", "retries", "tags"};
  json doc = Map(span, ServiceResource(), options);
  EXPECT_EQ(doc["annotations"], json({{"tenant_id", "t-1"}, {"retries", 3}}));
  EXPECT_EQ(doc["metadata"]["default"]["ratio"], 0.25);
  EXPECT_EQ(doc["metadata"]["default"]["vip"], true);
  EXPECT_EQ(doc["metadata"]["default"]["tags"], json({"a"}));
  EXPECT_FALSE(doc["metadata"]["default"].contains("tenant.id"));
}

TEST(SpanMapperTest, AnnotationsFromIndexAll) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  AddString(span.mutable_attributes(), "a.b", "x");
  AddBool(span.mutable_attributes(), "flag", false);
  AddInt(span.mutable_attributes(), "http.response.status_code", 200);  // Consumed by http.
  MappingOptions options;
  options.index_all = true;
  json doc = Map(span, ServiceResource(), options);
  EXPECT_EQ(doc["annotations"], json({{"a_b", "x"}, {"flag", false}}));
}

TEST(SpanMapperTest, AnnotationsFromAwsXrayAnnotationsAttribute) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  AddString(span.mutable_attributes(), "order", "o-9");
  AddString(span.mutable_attributes(), "other", "kept in metadata");
  AddStrings(span.mutable_attributes(), "aws.xray.annotations", {"order"});
  json doc = Map(span);
  EXPECT_EQ(doc["annotations"], json({{"order", "o-9"}}));
  EXPECT_EQ(doc["metadata"]["default"],
            json({{"other", "kept in metadata"}, {"otel.resource.service.name", "checkout"}}));
}

TEST(SpanMapperTest, MetadataNamespacesAndResourceOnSegmentsOnly) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_INTERNAL, "aaaaaaaaaaaaaaaa");
  AddString(span.mutable_attributes(), "aws.xray.metadata.shop", R"({"cart":{"items":2}})");
  AddString(span.mutable_attributes(), "note", "n");
  json doc = Map(span);
  EXPECT_EQ(doc["metadata"]["shop"], json({{"cart", {{"items", 2}}}}));
  EXPECT_EQ(doc["metadata"]["default"], json({{"note", "n"}}));  // No otel.resource.* here.
}

TEST(SpanMapperTest, HelperRules) {
  EXPECT_EQ(XrayTraceId(Bytes("0123456789abcdef0123456789abcdef")),
            "1-01234567-89abcdef0123456789abcdef");
  EXPECT_EQ(AnnotationKey("http.route-v2"), "http_route_v2");
  EXPECT_EQ(CleanName("caf\xc3\xa9 \xe2\x98\x83"), "caf\xc3\xa9 ");  // A symbol is dropped.
}

}  // namespace
}  // namespace xrayd::daemon::otlp
