// POST /v1/traces through the router: status codes, bodies in the request's encoding, the
// documents on the ingest queue, the counters.
#include "daemon/otlp/otlp_receiver.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/daemon/otlp/otlp_test_support.h"
#include "tests/support/queued_documents.h"

#include "xrayd/rpc_status.pb.h"

namespace xrayd::daemon::otlp {
namespace {

using testing::Gzip;
using testing::MakeRequest;
using testing::MakeSpan;
using testing::SpanProto;
using ResponseProto = opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

class OtlpReceiverTest : public ::testing::Test {
 protected:
  OtlpReceiverTest() : queue_(1u << 20, &metrics_) {
    ApiServices services{.metrics = &metrics_, .queue = &queue_};
    OtlpReceiverOptions options;
    options.mapping.indexed_attributes = {"tenant"};
    options.max_body_bytes = 64 * 1024;
    RegisterOtlpRoutes(router_, services, options, otlp_metrics_);
  }

  HttpResponse Post(std::string body, std::string type, std::string encoding = "") {
    HttpRequest request;
    request.method = "POST";
    request.target = "/v1/traces";
    request.headers["content-type"] = std::move(type);
    if (!encoding.empty()) {
      request.headers["content-encoding"] = std::move(encoding);
    }
    request.body = std::move(body);
    return router_.Handle(request);
  }

  std::vector<proto::Document> Queued() { return testing_support::PopQueuedDocuments(queue_); }

  std::uint64_t Refused(RequestRefusal reason) {
    return otlp_metrics_.refused[static_cast<std::size_t>(reason)].load();
  }

  Metrics metrics_;
  IngestQueue queue_;
  OtlpMetrics otlp_metrics_;
  ApiRouter router_;
};

TEST_F(OtlpReceiverTest, ProtobufSpansReachTheQueue) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  testing::AddString(span.mutable_attributes(), "tenant", "t1");
  HttpResponse response = Post(MakeRequest(span).SerializeAsString(), "application/x-protobuf");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.content_type, "application/x-protobuf");
  ResponseProto parsed;
  ASSERT_TRUE(parsed.ParseFromString(response.body));
  EXPECT_FALSE(parsed.has_partial_success());
  std::vector<proto::Document> docs = Queued();
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].trace_id, "1-5759e988-bd862e3fe1be46a994272793");
  EXPECT_EQ(docs[0].name, "checkout");
  ASSERT_EQ(docs[0].annotations.size(), 1u);
  EXPECT_EQ(docs[0].annotations[0].key, "tenant");
  EXPECT_EQ(otlp_metrics_.spans_accepted.load(), 1u);
  EXPECT_EQ(metrics_.segments_accepted.load(), 1u);
}

TEST_F(OtlpReceiverTest, GzipJsonAndMediaTypeParameters) {
  const std::string body =
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"cart"}}]},
          "scopeSpans":[{"spans":[{"traceId":"5759e988bd862e3fe1be46a994272793","spanId":"53995c3f42cd8ad8",
          "name":"x","kind":2,"startTimeUnixNano":"1767225600000000000","endTimeUnixNano":"1767225601000000000"}]}]}]})";
  HttpResponse response = Post(Gzip(body), "application/json; charset=utf-8", "gzip");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(nlohmann::json::parse(response.body), nlohmann::json::object());
  std::vector<proto::Document> docs = Queued();
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].name, "cart");
}

TEST_F(OtlpReceiverTest, PartialSuccessNamesRejectedSpans) {
  SpanProto good = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  SpanProto bad = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  bad.set_span_id("short");
  auto request = MakeRequest(good);
  *request.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans() = bad;
  HttpResponse response = Post(request.SerializeAsString(), "application/x-protobuf");
  ASSERT_EQ(response.status, 200);
  ResponseProto parsed;
  ASSERT_TRUE(parsed.ParseFromString(response.body));
  EXPECT_EQ(parsed.partial_success().rejected_spans(), 1);
  EXPECT_NE(parsed.partial_success().error_message().find("invalid span id"), std::string::npos);
  EXPECT_EQ(Queued().size(), 1u);
  EXPECT_EQ(otlp_metrics_.spans_invalid.load(), 1u);

  // The same in JSON: rejectedSpans and errorMessage.
  auto json_response = Post(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5759e988bd862e3fe1be46a994272793"}]}]}]})",
      "application/json");
  ASSERT_EQ(json_response.status, 200);
  auto body = nlohmann::json::parse(json_response.body);
  EXPECT_EQ(body["partialSuccess"]["rejectedSpans"], "1");
  EXPECT_FALSE(body["partialSuccess"]["errorMessage"].get<std::string>().empty());
}

TEST_F(OtlpReceiverTest, UndecodableBodiesAre400WithStatus) {
  HttpResponse pb = Post("\x0a\xff\xff\xff\xff\x0f", "application/x-protobuf");
  EXPECT_EQ(pb.status, 400);
  EXPECT_EQ(pb.content_type, "application/x-protobuf");
  ::xrayd::otlp::RpcStatus status;
  ASSERT_TRUE(status.ParseFromString(pb.body));
  EXPECT_EQ(status.code(), 3);
  EXPECT_FALSE(status.message().empty());
  EXPECT_EQ(Refused(RequestRefusal::kBadProtobuf), 1u);

  HttpResponse js = Post("{not json", "application/json");
  EXPECT_EQ(js.status, 400);
  auto body = nlohmann::json::parse(js.body);
  EXPECT_EQ(body["code"], 3);
  EXPECT_EQ(Refused(RequestRefusal::kBadJson), 1u);

  HttpResponse gz = Post("not gzip", "application/json", "gzip");
  EXPECT_EQ(gz.status, 400);
  EXPECT_EQ(Refused(RequestRefusal::kBadGzip), 1u);
  EXPECT_TRUE(Queued().empty());
}

TEST_F(OtlpReceiverTest, OtherMediaTypesAre415) {
  EXPECT_EQ(Post("{}", "text/plain").status, 415);
  EXPECT_EQ(Post("{}", "").status, 415);
  EXPECT_EQ(Post("{}", "application/json", "br").status, 415);
  EXPECT_EQ(Refused(RequestRefusal::kUnsupportedMediaType), 3u);
}

TEST_F(OtlpReceiverTest, DecompressedBodyOverTheLimitIs413) {
  HttpResponse response = Post(Gzip(std::string(100 * 1024, ' ')), "application/json", "gzip");
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(Refused(RequestRefusal::kTooLarge), 1u);
}

TEST_F(OtlpReceiverTest, FullQueueIs503WithRetryAfter) {
  queue_.Close();
  HttpResponse response =
      Post(MakeRequest(MakeSpan(SpanProto::SPAN_KIND_SERVER)).SerializeAsString(),
           "application/x-protobuf");
  EXPECT_EQ(response.status, 503);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Retry-After");
  EXPECT_EQ(Refused(RequestRefusal::kQueueFull), 1u);
}

TEST_F(OtlpReceiverTest, MetricsRenderEveryReason) {
  const OtlpMetrics grpc;
  const std::string text = RenderOtlpMetrics(otlp_metrics_, grpc);
  for (const char* reason : {"unsupported_media_type", "bad_gzip", "too_large", "bad_protobuf",
                             "bad_json", "queue_full"}) {
    EXPECT_NE(
        text.find(std::string("xrayd_otlp_requests_refused_total{transport=\"http\",reason=\"") +
                  reason + "\"} 0"),
        std::string::npos)
        << reason;
  }
  EXPECT_NE(text.find("xrayd_otlp_spans_accepted_total{transport=\"grpc\"} 0"), std::string::npos);
  // HELP and TYPE once per metric, not once per transport.
  EXPECT_EQ(text.find("# TYPE xrayd_otlp_requests_total"),
            text.rfind("# TYPE xrayd_otlp_requests_total"));
}

}  // namespace
}  // namespace xrayd::daemon::otlp
