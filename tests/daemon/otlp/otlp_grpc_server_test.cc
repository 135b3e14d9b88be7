// OtlpGrpcServer in-process on 127.0.0.1:0 with a real gRPC client: documents on the ingest
// queue, gzip, status codes (INVALID_ARGUMENT, RESOURCE_EXHAUSTED with RetryInfo), the size limit,
// the counters, binding and stopping.
#include "daemon/otlp/otlp_grpc_server.h"

#include <gtest/gtest.h>

#include "tests/daemon/otlp/otlp_grpc_test_support.h"
#include "tests/daemon/otlp/otlp_test_support.h"
#include "tests/support/queued_documents.h"

#include "xrayd/rpc_status.pb.h"

namespace xrayd::daemon::otlp {
namespace {

using testing::ExportResponseProto;
using testing::MakeRequest;
using testing::MakeSpan;
using testing::SpanProto;
using testing::TraceClient;

class OtlpGrpcServerTest : public ::testing::Test {
 protected:
  OtlpGrpcServerTest() : queue_(1u << 20, &metrics_) {
    OtlpGrpcOptions options;
    options.mapping.indexed_attributes = {"tenant"};
    options.max_message_bytes = 64 * 1024;
    server_ = std::make_unique<OtlpGrpcServer>(ApiServices{.metrics = &metrics_, .queue = &queue_},
                                               options, otlp_metrics_);
  }

  void SetUp() override {
    ASSERT_TRUE(server_->Start(Endpoint{"127.0.0.1", 0}));
    ASSERT_NE(server_->LocalEndpoint().port, 0);
    client_ = std::make_unique<TraceClient>(server_->LocalEndpoint().port);
  }

  std::vector<proto::Document> Queued() { return testing_support::PopQueuedDocuments(queue_); }

  std::uint64_t Refused(RequestRefusal reason) {
    return otlp_metrics_.refused[static_cast<std::size_t>(reason)].load();
  }

  Metrics metrics_;
  IngestQueue queue_;
  OtlpMetrics otlp_metrics_;
  std::unique_ptr<OtlpGrpcServer> server_;
  std::unique_ptr<TraceClient> client_;
};

TEST_F(OtlpGrpcServerTest, ExportedSpansReachTheQueue) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  testing::AddString(span.mutable_attributes(), "tenant", "t1");
  ExportResponseProto response;
  grpc::Status status = client_->Export(MakeRequest(span), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.has_partial_success());
  std::vector<proto::Document> docs = Queued();
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].trace_id, "1-5759e988-bd862e3fe1be46a994272793");
  EXPECT_EQ(docs[0].name, "checkout");
  ASSERT_EQ(docs[0].annotations.size(), 1u);
  EXPECT_EQ(docs[0].annotations[0].key, "tenant");
  EXPECT_EQ(otlp_metrics_.requests.load(), 1u);
  EXPECT_EQ(otlp_metrics_.spans_accepted.load(), 1u);
  EXPECT_EQ(metrics_.segments_accepted.load(), 1u);
}

TEST_F(OtlpGrpcServerTest, GzipCompressedMessagesAreAccepted) {
  ExportResponseProto response;
  grpc::Status status =
      client_->Export(MakeRequest(MakeSpan(SpanProto::SPAN_KIND_SERVER)), &response, true);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Queued().size(), 1u);
}

TEST_F(OtlpGrpcServerTest, SpansThatCannotBeSegmentsArePartialSuccess) {
  auto request = MakeRequest(MakeSpan(SpanProto::SPAN_KIND_SERVER));
  SpanProto bad = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  bad.set_span_id("short");
  *request.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans() = bad;
  ExportResponseProto response;
  ASSERT_TRUE(client_->Export(request, &response).ok());
  EXPECT_EQ(response.partial_success().rejected_spans(), 1);
  EXPECT_NE(response.partial_success().error_message().find("1 span(s) rejected"),
            std::string::npos)
      << response.partial_success().error_message();
  EXPECT_EQ(Queued().size(), 1u);
  EXPECT_EQ(otlp_metrics_.spans_invalid.load(), 1u);
}

TEST_F(OtlpGrpcServerTest, UndecodableMessageIsInvalidArgument) {
  grpc::Status status = client_->ExportRaw(std::string("\x0a\xff\xff\xff\xff\x0f", 6));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(status.error_message().empty());
  EXPECT_EQ(Refused(RequestRefusal::kBadProtobuf), 1u);
  EXPECT_TRUE(Queued().empty());
  // An empty message is a valid, empty request.
  EXPECT_TRUE(client_->ExportRaw("").ok());
}

TEST_F(OtlpGrpcServerTest, FullQueueIsResourceExhaustedWithRetryInfo) {
  queue_.Close();
  ExportResponseProto response;
  grpc::Status status =
      client_->Export(MakeRequest(MakeSpan(SpanProto::SPAN_KIND_SERVER)), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ::xrayd::otlp::RpcStatus details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
  ASSERT_EQ(details.details_size(), 1);
  EXPECT_EQ(details.details(0).type_url(), "type.googleapis.com/google.rpc.RetryInfo");
  ::xrayd::otlp::RetryInfo retry;
  ASSERT_TRUE(retry.ParseFromString(details.details(0).value()));
  EXPECT_EQ(retry.retry_delay().seconds(), 1);
  EXPECT_EQ(Refused(RequestRefusal::kQueueFull), 1u);
  EXPECT_EQ(otlp_metrics_.spans_accepted.load(), 0u);
}

TEST_F(OtlpGrpcServerTest, MessageOverTheLimitIsRefusedByGrpc) {
  SpanProto span = MakeSpan(SpanProto::SPAN_KIND_SERVER);
  testing::AddString(span.mutable_attributes(), "blob", std::string(100 * 1024, 'x'));
  ExportResponseProto response;
  grpc::Status status = client_->Export(MakeRequest(span), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Queued().empty());
  // The limit applies to the decompressed message too.
  status = client_->Export(MakeRequest(span), &response, true);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Queued().empty());
}

TEST_F(OtlpGrpcServerTest, ATakenPortIsAStartError) {
  OtlpGrpcServer second(ApiServices{.metrics = &metrics_, .queue = &queue_}, OtlpGrpcOptions{},
                        otlp_metrics_);
  Status started = second.Start(server_->LocalEndpoint());
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find(server_->LocalEndpoint().ToString()), std::string::npos)
      << started.error().message;
  // The first server still answers.
  ExportResponseProto response;
  EXPECT_TRUE(client_->Export(MakeRequest(MakeSpan(SpanProto::SPAN_KIND_SERVER)), &response).ok());
}

TEST_F(OtlpGrpcServerTest, StoppedServerRefusesCalls) {
  server_->Stop();
  server_->Stop();
  ExportResponseProto response;
  grpc::Status status =
      client_->Export(MakeRequest(MakeSpan(SpanProto::SPAN_KIND_SERVER)), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace xrayd::daemon::otlp
