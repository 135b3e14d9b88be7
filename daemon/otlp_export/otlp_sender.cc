#include "daemon/otlp_export/otlp_sender.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include <spdlog/spdlog.h>

#include "daemon/aws/sigv4.h"
#include "daemon/forward/forward_batch.h"
#include "daemon/otlp_export/otlp_grpc_sender.h"

namespace xrayd::daemon::otlp_export {
namespace {

// The OTLP specification's retryable statuses (429, 502, 503, 504) and every other 5xx, plus 401
// and 403: credentials or headers may be fixed while the documents wait in the spool.
bool IsRetryable(int status) {
  return status == 429 || status >= 500 || status == 401 || status == 403 || status == 408;
}

// A Retry-After of whole seconds; 0 when absent or an HTTP date.
std::chrono::milliseconds RetryAfter(const ClientResponse& response) {
  const std::string value = response.Header("Retry-After");
  int seconds = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || seconds < 0) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::seconds(seconds);
}

}  // namespace

Status ValidateSenderOptions(const OtlpSenderOptions& options) {
  if (options.protocol == OtlpProtocol::kGrpc) {
    if (options.sigv4) {
      return MakeError(ErrorCode::kInvalidArgument, kSigV4NeedsHttp);
    }
    XRAYD_TRY(ParseGrpcTarget(options.url));
    return {};
  }
  XRAYD_TRY(ParseUrl(options.url));
  if (options.sigv4 && (options.region.empty() || options.credentials == nullptr)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--otlp-sigv4 needs a region (-n, AWS_REGION, or the endpoint's host "
                     "xray.REGION.amazonaws.com) and credentials");
  }
  return {};
}

OtlpSender::OtlpSender(OtlpSenderOptions options, ExportMetrics& metrics, const proto::Clock& clock,
                       SendFunction send, SleepFunction sleep, std::uint64_t seed)
    : options_(std::move(options)),
      metrics_(metrics),
      clock_(clock),
      send_(std::move(send)),
      sleep_(std::move(sleep)),
      random_(seed) {
  if (auto url = ParseUrl(options_.url)) {
    host_ = url->HostHeader();
    const std::size_t q = url->target.find('?');
    path_ = url->target.substr(0, q);
    query_ = q == std::string::npos ? std::string() : url->target.substr(q + 1);
  }
}

OtlpSender::Encoded OtlpSender::Convert(const std::vector<std::string_view>& raws) {
  ExportRequest request;
  Encoded encoded;
  for (std::string_view raw : raws) {
    std::size_t spans = 0;
    switch (AppendDocument(raw, request, spans)) {
      case DocumentOutcome::kConverted:
        ++encoded.documents;
        encoded.spans += spans;
        encoded.kept.push_back(raw);
        break;
      case DocumentOutcome::kInProgress:
        metrics_.skipped_in_progress.fetch_add(1, std::memory_order_relaxed);
        break;
      case DocumentOutcome::kInvalid:
        metrics_.dropped_invalid.fetch_add(1, std::memory_order_relaxed);
        if (auto s = limiter_.Admit(1, clock_.SteadyNow())) {
          const DocumentIds ids = ExtractIds(raw);
          spdlog::warn("otlp export: document {} of trace {} cannot be converted to spans: dropped",
                       ids.id, ids.trace_id);
        }
        break;
    }
  }
  if (encoded.documents > 0) {
    encoded.body = Encode(request, options_.protocol);
    if (options_.gzip) {
      encoded.body = Gzip(encoded.body);
    }
  }
  return encoded;
}

std::optional<ClientRequest> OtlpSender::BuildRequest(const std::string& body) {
  ClientRequest request;
  request.method = "POST";
  request.url = options_.url;
  request.timeout = options_.request_timeout;
  HeaderList headers = {{"content-type", ContentTypeOf(options_.protocol)}};
  if (options_.gzip) {
    headers.emplace_back("content-encoding", "gzip");
  }
  for (const auto& header : options_.headers) {
    headers.push_back(header);
  }
  if (options_.sigv4) {
    auto creds = options_.credentials->Get();
    if (!creds) {
      metrics_.spool.CountError(ForwardErrorKind::kCredentials);
      if (auto s = limiter_.Admit(2, clock_.SteadyNow())) {
        spdlog::error("otlp export: no credentials to sign with ({}): retrying",
                      creds.error().message);
      }
      return std::nullopt;
    }
    SigningRequest signing;
    signing.host = host_;
    signing.path = path_;
    signing.query = query_;
    signing.headers = headers;
    signing.body = body;
    auto signed_headers = SignRequest(signing, *creds, options_.region, "xray", clock_.WallNow());
    if (!signed_headers) {
      metrics_.spool.CountError(ForwardErrorKind::kCredentials);
      if (auto s = limiter_.Admit(3, clock_.SteadyNow())) {
        spdlog::error("otlp export: cannot sign: {}", signed_headers.error().message);
      }
      return std::nullopt;
    }
    headers.insert(headers.end(), signed_headers->begin(), signed_headers->end());
  }
  request.headers.emplace_back("Host", host_);
  request.headers.emplace_back("User-Agent", "xrayd/" XRAYD_VERSION);
  request.headers.insert(request.headers.end(), headers.begin(), headers.end());
  request.body = body;
  return request;
}

OtlpSender::Outcome OtlpSender::SendOnce(const Encoded& encoded,
                                         std::chrono::milliseconds& retry_after) {
  retry_after = std::chrono::milliseconds(0);
  if (!sleep_(std::chrono::milliseconds(0))) {
    return Outcome::kStopping;
  }
  std::optional<ClientRequest> request = BuildRequest(encoded.body);
  if (!request) {
    return Outcome::kRetry;
  }
  metrics_.spool.requests.fetch_add(1, std::memory_order_relaxed);
  auto response = send_(*request);
  if (!response) {
    const HttpErrorKind kind = response.error().kind;
    metrics_.spool.CountError(ForwardErrorKindOf(kind));
    if (auto s = limiter_.Admit(20 + static_cast<int>(kind), clock_.SteadyNow())) {
      spdlog::warn("otlp export: POST {} failed ({}: {}); retrying", options_.url,
                   HttpErrorKindName(kind), response.error().message);
    }
    return Outcome::kRetry;
  }
  if (response->status >= 200 && response->status < 300) {
    const PartialSuccess partial = ParsePartialSuccess(response->body, options_.protocol);
    const auto rejected =
        static_cast<std::size_t>(std::max<std::int64_t>(partial.rejected_spans, 0));
    metrics_.spans_rejected.fetch_add(rejected, std::memory_order_relaxed);
    metrics_.spans_sent.fetch_add(encoded.spans - std::min(rejected, encoded.spans),
                                  std::memory_order_relaxed);
    metrics_.spool.forwarded.fetch_add(encoded.documents, std::memory_order_relaxed);
    if (rejected > 0) {
      if (auto s = limiter_.Admit(4, clock_.SteadyNow())) {
        spdlog::warn("otlp export: the endpoint rejected {} of {} spans: {}", rejected,
                     encoded.spans, partial.error_message);
      }
    }
    return Outcome::kAccepted;
  }
  const bool retry = IsRetryable(response->status);
  metrics_.spool.CountError(response->status >= 500 ? ForwardErrorKind::kHttp5xx
                                                    : ForwardErrorKind::kHttp4xx);
  if (auto s = limiter_.Admit(100 + response->status, clock_.SteadyNow())) {
    spdlog::warn("otlp export: POST {} answered HTTP {}{}", options_.url, response->status,
                 retry ? "; retrying" : "; not retryable");
  }
  retry_after = RetryAfter(*response);
  return retry ? Outcome::kRetry : Outcome::kRejected;
}

std::chrono::milliseconds OtlpSender::NextBackoff(int& attempt,
                                                  std::chrono::milliseconds retry_after) {
  const auto backoff = Backoff(attempt++, options_.backoff_initial, options_.backoff_max, random_);
  return std::max(backoff, std::min(retry_after, options_.backoff_max));
}

bool OtlpSender::SendBatch(const std::vector<std::string_view>& raws) {
  const Encoded encoded = Convert(raws);
  if (encoded.documents == 0) {
    return true;
  }
  int attempt = 0;
  while (true) {
    std::chrono::milliseconds retry_after{0};
    switch (SendOnce(encoded, retry_after)) {
      case Outcome::kStopping:
        return false;
      case Outcome::kAccepted:
        return true;
      case Outcome::kRetry:
        metrics_.spool.retried.fetch_add(1, std::memory_order_relaxed);
        if (!sleep_(NextBackoff(attempt, retry_after))) {
          return false;
        }
        continue;
      case Outcome::kRejected:
        if (encoded.kept.size() > 1) {
          // Halves hold only convertible documents: none is counted twice.
          const auto& kept = encoded.kept;
          const std::size_t half = kept.size() / 2;
          const std::vector<std::string_view> left(kept.begin(), kept.begin() + half);
          const std::vector<std::string_view> right(kept.begin() + half, kept.end());
          return SendBatch(left) && SendBatch(right);
        }
        metrics_.spool.unprocessed.fetch_add(encoded.documents, std::memory_order_relaxed);
        if (auto s = limiter_.Admit(5, clock_.SteadyNow())) {
          const DocumentIds ids = ExtractIds(encoded.kept.front());
          spdlog::error("otlp export: the endpoint refused document {} of trace {}: dropped",
                        ids.id, ids.trace_id);
        }
        return true;
    }
  }
}

}  // namespace xrayd::daemon::otlp_export
