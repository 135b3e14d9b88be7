#include "tests/daemon/otlp/otlp_grpc_test_support.h"

#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <future>

namespace xrayd::daemon::otlp::testing {

namespace {

constexpr auto kDeadline = std::chrono::seconds(10);

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + kDeadline);
}

}  // namespace

TraceClient::TraceClient(std::uint16_t port)
    : channel_(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials())),
      stub_(opentelemetry::proto::collector::trace::v1::TraceService::NewStub(channel_)) {}

grpc::Status TraceClient::Export(const ExportRequestProto& request, ExportResponseProto* response,
                                 bool gzip) {
  grpc::ClientContext context;
  SetDeadline(context);
  if (gzip) {
    context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  }
  return stub_->Export(&context, request, response);
}

grpc::Status TraceClient::ExportRaw(const std::string& bytes) {
  grpc::ClientContext context;
  SetDeadline(context);
  grpc::GenericStub stub(channel_);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                 grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get();
}

}  // namespace xrayd::daemon::otlp::testing
