#include "daemon/otlp_export/otlp_grpc_sender.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "proto/text.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace xrayd::daemon::otlp_export {
namespace {

namespace collector = opentelemetry::proto::collector::trace::v1;

// One channel and stub: turns the OtlpSender's requests into Export calls.
class GrpcExportClient {
 public:
  GrpcExportClient(const GrpcTarget& target, const OtlpSenderOptions& options)
      : headers_(options.headers) {
    for (auto& header : headers_) {
      header.first = proto::AsciiLower(header.first);
    }
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                static_cast<int>(std::max<std::int64_t>(options.backoff_initial.count(), 100)));
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                static_cast<int>(std::max<std::int64_t>(options.backoff_max.count(), 100)));
    args.SetUserAgentPrefix("xrayd/" XRAYD_VERSION);
    auto credentials = target.tls ? grpc::SslCredentials(grpc::SslCredentialsOptions())
                                  : grpc::InsecureChannelCredentials();
    stub_ = collector::TraceService::NewStub(
        grpc::CreateCustomChannel(target.address, credentials, args));
  }

  HttpResult<ClientResponse> Send(const ClientRequest& request) {
    collector::ExportTraceServiceRequest message;
    if (!message.ParseFromString(request.body)) {
      return MakeHttpError(HttpErrorKind::kProtocol, ErrorCode::kInternal,
                           "the export request does not parse");
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + request.timeout);
    context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    for (const auto& [name, value] : headers_) {
      context.AddMetadata(name, value);
    }
    collector::ExportTraceServiceResponse response;
    const grpc::Status status = stub_->Export(&context, message, &response);
    const GrpcAnswer answer = GrpcAnswerOf(static_cast<int>(status.error_code()));
    if (answer.failure) {
      return MakeHttpError(
          *answer.failure, ErrorCode::kIOError,
          "gRPC " + std::to_string(status.error_code()) + ": " + status.error_message());
    }
    ClientResponse out;
    out.status = answer.http_status;
    if (status.ok()) {
      out.body = response.SerializeAsString();
    } else {
      out.body = status.error_message();
    }
    return out;
  }

 private:
  HeaderList headers_;
  std::unique_ptr<collector::TraceService::Stub> stub_;
};

}  // namespace

Result<GrpcTarget> ParseGrpcTarget(std::string_view endpoint) {
  GrpcTarget target;
  std::string_view rest = endpoint;
  if (rest.starts_with("https://")) {
    target.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a gRPC endpoint is http://HOST:PORT, https://HOST:PORT or HOST:PORT, got '" +
                         std::string(endpoint) + "'");
  }
  if (rest.ends_with("/")) {
    rest.remove_suffix(1);
  }
  const std::size_t colon = rest.rfind(':');
  const bool bracketed_only = colon != std::string_view::npos && rest.find(']', colon) != rest.npos;
  const std::string_view port =
      colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  if (rest.empty() || colon == 0 || bracketed_only || port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(std::string(port)) > 65535 || rest.find('/') != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a gRPC endpoint is http://HOST:PORT, https://HOST:PORT or HOST:PORT, got '" +
                         std::string(endpoint) + "'");
  }
  target.address = std::string(rest);
  return target;
}

GrpcAnswer GrpcAnswerOf(int code) {
  switch (static_cast<grpc::StatusCode>(code)) {
    case grpc::StatusCode::OK:
      return {200, std::nullopt};
    case grpc::StatusCode::CANCELLED:
      return {499, std::nullopt};
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return {400, std::nullopt};
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return {0, HttpErrorKind::kTimeout};
    case grpc::StatusCode::NOT_FOUND:
      return {404, std::nullopt};
    case grpc::StatusCode::ALREADY_EXISTS:
      return {409, std::nullopt};
    case grpc::StatusCode::PERMISSION_DENIED:
      return {403, std::nullopt};
    case grpc::StatusCode::UNAUTHENTICATED:
      return {401, std::nullopt};
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return {429, std::nullopt};
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::UNAVAILABLE:
      return {503, std::nullopt};
    case grpc::StatusCode::UNIMPLEMENTED:
      return {501, std::nullopt};
    default:  // UNKNOWN, INTERNAL, DATA_LOSS and codes unknown to this build.
      return {500, std::nullopt};
  }
}

std::unique_ptr<BatchSender> MakeGrpcSender(const OtlpSenderOptions& options,
                                            ExportMetrics& metrics, const proto::Clock& clock,
                                            BatchSender::SleepFunction sleep, std::uint64_t seed) {
  OtlpSenderOptions http = options;
  http.gzip = false;  // gRPC compresses the message itself.
  auto client = std::make_shared<GrpcExportClient>(*ParseGrpcTarget(options.url), options);
  auto send = [client](const ClientRequest& request) { return client->Send(request); };
  return std::make_unique<OtlpSender>(std::move(http), metrics, clock, std::move(send),
                                      std::move(sleep), seed);
}

}  // namespace xrayd::daemon::otlp_export
