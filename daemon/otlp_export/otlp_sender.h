#pragma once
// OtlpSender: the forwarder's BatchSender (daemon/forward/batch_sender.h) for an OTLP/HTTP
// endpoint. It converts a batch of stored documents to spans (segment_spans.h), encodes them
// (http/protobuf or http/json), gzips the body, adds the configured headers, signs with SigV4
// (service xray) when asked, and POSTs them. Answers: 2xx accepted (a partial success's rejected
// spans are counted and logged); network failures, 429, 5xx, 401 and 403 retried with backoff
// and jitter (a Retry-After in seconds lengthens the wait, up to backoff_max) for as long as the
// daemon runs; other 4xx refused for good (the batch is halved until the culprit document is
// alone, so the others still go). Documents in progress or not convertible are counted and not
// sent.
//
// Threads: one sender per forwarder thread; `metrics`, `clock` and the credentials are
// thread-safe and must outlive it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/aws/aws_credentials.h"
#include "daemon/core/log_limiter.h"
#include "daemon/forward/batch_sender.h"
#include "daemon/net/http_client.h"
#include "daemon/otlp_export/export_metrics.h"
#include "daemon/otlp_export/otlp_encode.h"
#include "proto/clock.h"
#include "proto/result.h"

namespace xrayd::daemon::otlp_export {

struct OtlpSenderOptions {
  std::string
      url;  // "http://127.0.0.1:4318/v1/traces", "https://xray.us-east-1.amazonaws.com/v1/traces".
  OtlpProtocol protocol = OtlpProtocol::kHttpProtobuf;
  HeaderList headers{};  // --otlp-header K=V, sent as given (and signed when signing).
  bool gzip = true;
  // SigV4 for X-Ray's OTLP endpoint: service xray, this region, these credentials (not null when
  // signing; must outlive the sender).
  bool sigv4 = false;
  std::string region{};
  CredentialsProvider* credentials = nullptr;
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds backoff_initial{200};
  std::chrono::milliseconds backoff_max{5000};
};

// The refusal of --otlp-sigv4 with --otlp-protocol grpc.
inline constexpr const char* kSigV4NeedsHttp =
    "--otlp-sigv4 needs --otlp-protocol http/protobuf or http/json: X-Ray's OTLP endpoint is "
    "OTLP/HTTP only";
// The refusals of settings the gRPC channel does not apply: cfg.yaml NoVerifySSL with an https://
// endpoint (the channel always verifies), and -p/--proxy-address (the channel does not use it).
inline constexpr const char* kGrpcVerifiesTls =
    "NoVerifySSL is not applied to --otlp-protocol grpc (its TLS channel always verifies the "
    "endpoint's certificate): use --otlp-protocol http/protobuf or http/json, or a trusted "
    "certificate";
inline constexpr const char* kGrpcNoProxy =
    "-p/--proxy-address is not applied to --otlp-protocol grpc (the gRPC channel does not use "
    "it): use --otlp-protocol http/protobuf or http/json";

// kInvalidArgument unless `options.url` is an http(s) URL (for kGrpc: a ParseGrpcTarget endpoint,
// and no signing) and, when signing, a region and credentials are set.
[[nodiscard]] Status ValidateSenderOptions(const OtlpSenderOptions& options);

class OtlpSender : public BatchSender {
 public:
  // REQUIRES: ValidateSenderOptions(options) succeeded.
  OtlpSender(OtlpSenderOptions options, ExportMetrics& metrics, const proto::Clock& clock,
             SendFunction send, SleepFunction sleep, std::uint64_t seed);

  bool SendBatch(const std::vector<std::string_view>& raws) override;

 private:
  enum class Outcome { kAccepted, kRetry, kRejected, kStopping };
  struct Encoded {
    std::string body;
    std::vector<std::string_view> kept;  // The documents converted, in batch order.
    std::size_t documents = 0;
    std::size_t spans = 0;
  };
  Encoded Convert(const std::vector<std::string_view>& raws);
  Outcome SendOnce(const Encoded& encoded, std::chrono::milliseconds& retry_after);
  std::optional<ClientRequest> BuildRequest(const std::string& body);
  std::chrono::milliseconds NextBackoff(int& attempt, std::chrono::milliseconds retry_after);

  OtlpSenderOptions options_;
  std::string host_;   // Host header and signed host.
  std::string path_;   // Path as sent, for the signature.
  std::string query_;  // Query as sent, without '?'.
  ExportMetrics& metrics_;
  const proto::Clock& clock_;
  SendFunction send_;
  SleepFunction sleep_;
  std::mt19937_64 random_;
  LogLimiter limiter_{std::chrono::seconds(10)};
};

}  // namespace xrayd::daemon::otlp_export
