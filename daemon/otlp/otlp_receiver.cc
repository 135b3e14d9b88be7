#include "daemon/otlp/otlp_receiver.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "daemon/otlp/otlp_decode.h"
#include "proto/document_decoder.h"

#include "xrayd/rpc_status.pb.h"

namespace xrayd::daemon::otlp {

namespace {

constexpr const char* kRefusalNames[kRequestRefusalCount] = {
    "unsupported_media_type", "bad_gzip", "too_large", "bad_protobuf", "bad_json", "queue_full"};
constexpr int kInvalidArgument = 3;  // google.rpc.Code
constexpr int kUnavailable = 14;

enum class Encoding { kProtobuf, kJson };

std::string HeaderValue(const HttpRequest& request, const std::string& name) {
  auto it = request.headers.find(name);
  if (it == request.headers.end()) {
    return {};
  }
  std::string value = it->second.substr(0, it->second.find(';'));
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return std::tolower(c); });
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
    metrics_.refused[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
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

  thread_local proto::DocumentDecoder decoder;
  IngestBatch batch;
  batch.received_at = services_.clock->NowSeconds();
  std::uint64_t spans = 0;
  std::uint64_t invalid = 0;
  std::uint64_t refused = 0;
  std::string first_error;
  for (const auto& resource_spans : decoded->resource_spans()) {
    for (const auto& scope_spans : resource_spans.scope_spans()) {
      for (const auto& span : scope_spans.spans()) {
        ++spans;
        auto text = MapSpan(span, resource_spans.resource(), options_.mapping);
        if (!text) {
          ++invalid;
          if (first_error.empty()) {
            first_error = text.error();
          }
          continue;
        }
        auto documents = decoder.Decode(*text);
        if (!documents) {
          ++refused;
          services_.metrics->CountRejected(documents.error().reason);
          if (first_error.empty()) {
            first_error = "span " + Hex(span.span_id()) + ": " +
                          std::string(proto::RejectReasonName(documents.error().reason)) + ": " +
                          documents.error().detail;
          }
          continue;
        }
        for (proto::Document& doc : *documents) {
          batch.documents.push_back(std::move(doc));
        }
      }
    }
  }
  metrics_.spans_received.fetch_add(spans, std::memory_order_relaxed);
  const std::size_t accepted = batch.documents.size();
  if (accepted > 0 && !services_.queue->TryPush(batch)) {
    HttpResponse response = Refuse(RequestRefusal::kQueueFull, 503, encoding, kUnavailable,
                                   "ingest queue is full, retry later");
    response.headers.emplace_back("Retry-After", "1");
    return response;
  }
  metrics_.spans_invalid.fetch_add(invalid, std::memory_order_relaxed);
  metrics_.spans_refused.fetch_add(refused, std::memory_order_relaxed);
  metrics_.spans_accepted.fetch_add(accepted, std::memory_order_relaxed);
  services_.metrics->segments_accepted.fetch_add(accepted, std::memory_order_relaxed);
  const std::uint64_t rejected = invalid + refused;
  return Success(encoding, rejected,
                 rejected == 0
                     ? std::string()
                     : std::to_string(rejected) + " span(s) rejected; first: " + first_error);
}

void Counter(std::string& out, const char* name, const char* help, std::uint64_t value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" counter\n");
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

}  // namespace

std::string OtlpMetrics::Render() const {
  std::string out;
  Counter(out, "xrayd_otlp_requests_total", "OTLP/HTTP export requests received.", requests.load());
  Counter(out, "xrayd_otlp_spans_received_total", "Spans in decoded OTLP requests.",
          spans_received.load());
  Counter(out, "xrayd_otlp_spans_accepted_total", "OTLP spans stored as segment documents.",
          spans_accepted.load());
  out.append("# HELP xrayd_otlp_spans_rejected_total OTLP spans rejected (partial success).\n");
  out.append("# TYPE xrayd_otlp_spans_rejected_total counter\n");
  out.append("xrayd_otlp_spans_rejected_total{reason=\"invalid_span\"} ")
      .append(std::to_string(spans_invalid.load()))
      .append("\n");
  out.append("xrayd_otlp_spans_rejected_total{reason=\"invalid_document\"} ")
      .append(std::to_string(spans_refused.load()))
      .append("\n");
  out.append("# HELP xrayd_otlp_requests_refused_total OTLP requests refused whole, by reason.\n");
  out.append("# TYPE xrayd_otlp_requests_refused_total counter\n");
  for (std::size_t i = 0; i < kRequestRefusalCount; ++i) {
    out.append("xrayd_otlp_requests_refused_total{reason=\"")
        .append(kRefusalNames[i])
        .append("\"} ")
        .append(std::to_string(refused[i].load()))
        .append("\n");
  }
  return out;
}

void RegisterOtlpRoutes(ApiRouter& router, const ApiServices& services,
                        const OtlpReceiverOptions& options, OtlpMetrics& metrics) {
  auto receiver = std::make_shared<const Receiver>(services, options, metrics);
  router.Add("POST", "/v1/traces",
             [receiver](const HttpRequest& request) { return receiver->Handle(request); });
}

}  // namespace xrayd::daemon::otlp
