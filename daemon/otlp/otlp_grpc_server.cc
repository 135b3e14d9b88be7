#include "daemon/otlp/otlp_grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "daemon/otlp/otlp_decode.h"
#include "daemon/otlp/otlp_ingest.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "xrayd/rpc_status.pb.h"

namespace xrayd::daemon::otlp {

namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using opentelemetry::proto::collector::trace::v1::TraceService;

constexpr auto kShutdownGrace = std::chrono::seconds(5);

// The grpc-status-details-bin of a RESOURCE_EXHAUSTED the client may retry after a second: a
// google.rpc.Status holding one google.rpc.RetryInfo (OTLP: without it the client gives up).
std::string RetryDetails(const std::string& message) {
  ::xrayd::otlp::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(1);
  ::xrayd::otlp::RpcStatus status;
  status.set_code(static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
  status.set_message(message);
  auto* detail = status.add_details();
  detail->set_type_url("type.googleapis.com/google.rpc.RetryInfo");
  detail->set_value(retry.SerializeAsString());
  return status.SerializeAsString();
}

// Binds (and closes) a TCP socket on `endpoint` with SO_REUSEADDR, as gRPC binds, to name the
// reason when the address cannot be had: gRPC itself only reports that no port was bound.
Status CheckBindable(const Endpoint& endpoint) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(endpoint.port);
  if (int rc = ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return MakeError(ErrorCode::kIOError,
                     "cannot resolve " + endpoint.ToString() + ": " + ::gai_strerror(rc));
  }
  std::string failure;
  const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    failure = std::strerror(errno);
  } else {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0) {
      failure = std::strerror(errno);
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (!failure.empty()) {
    return MakeError(ErrorCode::kIOError,
                     "cannot listen on " + endpoint.ToString() + ": " + failure);
  }
  return {};
}

}  // namespace

// TraceService with Export taking the raw message bytes, so that an undecodable message is
// answered INVALID_ARGUMENT with the decoder's message (gRPC's own parsing would answer INTERNAL).
class OtlpGrpcServer::Service final
    : public TraceService::WithRawCallbackMethod_Export<TraceService::Service> {
 public:
  Service(const ApiServices& services, OtlpGrpcOptions options, OtlpMetrics& metrics)
      : services_(services), options_(std::move(options)), metrics_(metrics) {}

  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(Handle(*request, *response));
    return reactor;
  }

 private:
  grpc::Status Handle(const grpc::ByteBuffer& request, grpc::ByteBuffer& response) {
    metrics_.requests.fetch_add(1, std::memory_order_relaxed);
    std::vector<grpc::Slice> slices;
    std::string body;
    if (request.Dump(&slices).ok()) {
      body.reserve(request.Length());
      for (const grpc::Slice& slice : slices) {
        body.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
    }
    auto decoded = DecodeProtobuf(body);
    if (!decoded) {
      metrics_.Refuse(RequestRefusal::kBadProtobuf);
      return {grpc::StatusCode::INVALID_ARGUMENT, decoded.error().message};
    }
    ExportOutcome outcome = IngestExport(*decoded, services_, options_.mapping, metrics_);
    if (!outcome.queued) {
      metrics_.Refuse(RequestRefusal::kQueueFull);
      const std::string message = "ingest queue is full, retry later";
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, message, RetryDetails(message)};
    }
    ExportTraceServiceResponse answer;
    if (outcome.rejected > 0) {
      answer.mutable_partial_success()->set_rejected_spans(
          static_cast<std::int64_t>(outcome.rejected));
      answer.mutable_partial_success()->set_error_message(outcome.message);
    }
    const std::string bytes = answer.SerializeAsString();
    grpc::Slice slice(bytes);
    response = grpc::ByteBuffer(&slice, 1);
    return grpc::Status::OK;
  }

  ApiServices services_;
  OtlpGrpcOptions options_;
  OtlpMetrics& metrics_;
};

OtlpGrpcServer::OtlpGrpcServer(const ApiServices& services, OtlpGrpcOptions options,
                               OtlpMetrics& metrics)
    : max_message_bytes_(options.max_message_bytes) {
  service_ = std::make_unique<Service>(services, std::move(options), metrics);
}

OtlpGrpcServer::~OtlpGrpcServer() {
  Stop();
}

Status OtlpGrpcServer::Start(const Endpoint& endpoint) {
  XRAYD_TRY(CheckBindable(endpoint));
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default, which would share a port another gRPC server (an
  // OpenTelemetry Collector) holds instead of failing to bind it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_message_bytes_));
  int selected_port = 0;
  builder.AddListeningPort(endpoint.ToString(), grpc::InsecureServerCredentials(), &selected_port);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || selected_port == 0) {
    Stop();
    return MakeError(ErrorCode::kIOError, "cannot listen on " + endpoint.ToString() +
                                              " (gRPC bound no port: address in use?)");
  }
  bound_ = Endpoint{endpoint.host, static_cast<std::uint16_t>(selected_port)};
  return {};
}

void OtlpGrpcServer::Stop() {
  if (!server_) {
    return;
  }
  server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  server_->Wait();
  server_.reset();
}

}  // namespace xrayd::daemon::otlp
