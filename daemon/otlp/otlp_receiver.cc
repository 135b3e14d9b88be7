#include "daemon/otlp/otlp_receiver.h"

#include <nlohmann/json.hpp>

#include "daemon/otlp/otlp_decode.h"
#include "daemon/otlp/otlp_ingest.h"
#include "proto/text.h"

#include "xrayd/rpc_status.pb.h"

namespace xrayd::daemon::otlp {

namespace {

constexpr int kInvalidArgument = 3;  // google.rpc.Code
constexpr int kUnavailable = 14;

enum class Encoding { kProtobuf, kJson };

std::string HeaderValue(const HttpRequest& request, const std::string& name) {
  auto it = request.headers.find(name);
  if (it == request.headers.end()) {
    return {};
  }
  std::string value = proto::AsciiLower(it->second.substr(0, it->second.find(';')));
  value.erase(0, value.find_first_not_of(" \t"));
  value.erase(value.find_last_not_of(" \t") + 1);
  return value;
}

// The google.rpc.Status-shaped body of an error, in the request's encoding.
HttpResponse StatusResponse(int http_status, Encoding encoding, int code, const std::string& msg) {
  HttpResponse response;
  response.status = http_status;
  if (encoding == Encoding::kProtobuf) {
    ::xrayd::otlp::RpcStatus status;
    status.set_code(code);
    status.set_message(msg);
    response.content_type = "application/x-protobuf";
    response.body = status.SerializeAsString();
  } else {
    response.content_type = "application/json";
    response.body = nlohmann::json{{"code", code}, {"message", msg}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return response;
}

HttpResponse Success(Encoding encoding, std::uint64_t rejected, const std::string& message) {
  HttpResponse response;
  if (encoding == Encoding::kProtobuf) {
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse body;
    if (rejected > 0) {
      body.mutable_partial_success()->set_rejected_spans(static_cast<std::int64_t>(rejected));
      body.mutable_partial_success()->set_error_message(message);
    }
    response.content_type = "application/x-protobuf";
    response.body = body.SerializeAsString();
  } else {
    nlohmann::json body = nlohmann::json::object();
    if (rejected > 0) {
      body["partialSuccess"] = {{"rejectedSpans", std::to_string(rejected)},
                                {"errorMessage", message}};
    }
    response.content_type = "application/json";
    response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return response;
}

class Receiver {
 public:
  Receiver(const ApiServices& services, OtlpReceiverOptions options, OtlpMetrics& metrics)
      : services_(services), options_(std::move(options)), metrics_(metrics) {}

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  HttpResponse Refuse(RequestRefusal reason, int http_status, Encoding encoding, int code,
                      const std::string& message) const {
    metrics_.Refuse(reason);
    return StatusResponse(http_status, encoding, code, message);
  }

  ApiServices services_;
  OtlpReceiverOptions options_;
  OtlpMetrics& metrics_;
};

HttpResponse Receiver::Handle(const HttpRequest& request) const {
  metrics_.requests.fetch_add(1, std::memory_order_relaxed);
  const std::string type = HeaderValue(request, "content-type");
  Encoding encoding = Encoding::kJson;
  if (type == "application/x-protobuf" || type == "application/protobuf") {
    encoding = Encoding::kProtobuf;
  } else if (type != "application/json") {
    return Refuse(
        RequestRefusal::kUnsupportedMediaType, 415, Encoding::kJson, kInvalidArgument,
        "unsupported Content-Type '" + type + "': use application/x-protobuf or application/json");
  }
  const std::string content_encoding = HeaderValue(request, "content-encoding");
  std::string inflated;
  std::string_view body = request.body;
  if (content_encoding == "gzip") {
    auto unzipped = Gunzip(request.body, options_.max_body_bytes);
    if (!unzipped) {
      const bool too_large = unzipped.error().reason == DecodeFailure::kTooLarge;
      return Refuse(too_large ? RequestRefusal::kTooLarge : RequestRefusal::kBadGzip,
                    too_large ? 413 : 400, encoding, kInvalidArgument, unzipped.error().message);
    }
    inflated = std::move(*unzipped);
    body = inflated;
  } else if (!content_encoding.empty() && content_encoding != "identity") {
    return Refuse(RequestRefusal::kUnsupportedMediaType, 415, encoding, kInvalidArgument,
                  "unsupported Content-Encoding '" + content_encoding + "': use gzip or none");
  }
  auto decoded = encoding == Encoding::kProtobuf ? DecodeProtobuf(body) : DecodeJson(body);
  if (!decoded) {
    return Refuse(
        encoding == Encoding::kProtobuf ? RequestRefusal::kBadProtobuf : RequestRefusal::kBadJson,
        400, encoding, kInvalidArgument, decoded.error().message);
  }

  ExportOutcome outcome = IngestExport(*decoded, services_, options_.mapping, metrics_);
  if (!outcome.queued) {
    HttpResponse response = Refuse(RequestRefusal::kQueueFull, 503, encoding, kUnavailable,
                                   "ingest queue is full, retry later");
    response.headers.emplace_back("Retry-After", "1");
    return response;
  }
  return Success(encoding, outcome.rejected, outcome.message);
}

}  // namespace

void RegisterOtlpRoutes(ApiRouter& router, const ApiServices& services,
                        const OtlpReceiverOptions& options, OtlpMetrics& metrics) {
  auto receiver = std::make_shared<const Receiver>(services, options, metrics);
  router.Add("POST", "/v1/traces",
             [receiver](const HttpRequest& request) { return receiver->Handle(request); });
}

}  // namespace xrayd::daemon::otlp
