#include "daemon/forward/segment_sender.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/aws/sigv4.h"

namespace xrayd::daemon {
namespace {

std::string More(std::uint64_t suppressed, std::string_view what) {
  return suppressed > 0 ? fmt::format(" ({} more{})", suppressed, what) : std::string();
}

}  // namespace

Result<XrayTarget> XrayTargetFor(std::string_view endpoint) {
  auto url = ParseUrl(endpoint);
  if (!url) {
    return tl::unexpected<Error>(std::move(url.error()));
  }
  XrayTarget target;
  target.host = url->HostHeader();
  target.put_url = std::string(endpoint);
  while (!target.put_url.empty() && target.put_url.back() == '/') {
    target.put_url.pop_back();
  }
  target.put_url += "/TraceSegments";
  return target;
}

SegmentSender::SegmentSender(SenderOptions options, CredentialsProvider& credentials,
                             ForwardMetrics& metrics, const proto::Clock& clock, SendFunction send,
                             SleepFunction sleep, std::uint64_t seed)
    : options_(std::move(options)),
      credentials_(credentials),
      metrics_(metrics),
      clock_(clock),
      send_(std::move(send)),
      sleep_(std::move(sleep)),
      random_(seed) {}

std::chrono::milliseconds SegmentSender::NextBackoff(int& attempt) {
  return Backoff(attempt++, options_.backoff_initial, options_.backoff_max, random_);
}

std::optional<ClientRequest> SegmentSender::SignedRequest(
    const std::vector<std::string_view>& raws) {
  auto creds = credentials_.Get();
  if (!creds) {
    metrics_.CountError(ForwardErrorKind::kCredentials);
    if (auto s = limiter_.Admit(10, clock_.SteadyNow())) {
      spdlog::error("forward: no credentials to sign with ({}): retrying", creds.error().message);
    }
    return std::nullopt;
  }
  std::string body = BuildPutTraceSegmentsBody(raws);
  SigningRequest signing;
  signing.host = options_.target.host;
  signing.path = "/TraceSegments";
  signing.headers = {{"content-type", "application/json"}};
  signing.body = body;
  auto signed_headers = SignRequest(signing, *creds, options_.region, "xray", clock_.WallNow());
  if (!signed_headers) {
    metrics_.CountError(ForwardErrorKind::kCredentials);
    if (auto s = limiter_.Admit(11, clock_.SteadyNow())) {
      spdlog::error("forward: cannot sign: {}", signed_headers.error().message);
    }
    return std::nullopt;
  }
  ClientRequest request;
  request.method = "POST";
  request.url = options_.target.put_url;
  request.timeout = options_.request_timeout;
  request.headers.emplace_back("Host", signing.host);
  request.headers.emplace_back("Content-Type", "application/json");
  request.headers.emplace_back("User-Agent", "xrayd/" XRAYD_VERSION " xray-agent/xrayd");
  for (auto& [name, value] : *signed_headers) {
    request.headers.emplace_back(name, value);
  }
  request.body = std::move(body);
  return request;
}

SegmentSender::Outcome SegmentSender::SendOnce(const std::vector<std::string_view>& raws,
                                               std::vector<UnprocessedSegment>& unprocessed) {
  if (!sleep_(std::chrono::milliseconds(0))) {
    return Outcome::kStopping;
  }
  std::optional<ClientRequest> request = SignedRequest(raws);
  if (!request) {
    return Outcome::kRetry;
  }
  metrics_.requests.fetch_add(1, std::memory_order_relaxed);
  auto response = send_(*request);
  if (!response) {
    const HttpErrorKind kind = response.error().kind;
    metrics_.CountError(ForwardErrorKindOf(kind));
    if (auto s = limiter_.Admit(20 + static_cast<int>(kind), clock_.SteadyNow())) {
      spdlog::warn("forward: PutTraceSegments failed ({}: {}); retrying{}", HttpErrorKindName(kind),
                   response.error().message, More(*s, ""));
    }
    return Outcome::kRetry;
  }
  if (response->status >= 200 && response->status < 300) {
    auto parsed = ParseUnprocessed(response->body);
    if (parsed) {
      unprocessed = std::move(*parsed);
    }
    return Outcome::kAccepted;
  }
  return ClassifyStatus(*response);
}

SegmentSender::Outcome SegmentSender::ClassifyStatus(const ClientResponse& response) {
  const bool server = response.status >= 500;
  metrics_.CountError(server ? ForwardErrorKind::kHttp5xx : ForwardErrorKind::kHttp4xx);
  std::string type = response.Header("x-amzn-ErrorType");
  if (type.empty()) {
    const auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (json.is_object() && json.contains("__type") && json["__type"].is_string()) {
      type = json["__type"].get<std::string>();
    }
  }
  const bool retry = IsRetryableStatus(response.status, type);
  if (auto s = limiter_.Admit(100 + response.status, clock_.SteadyNow())) {
    spdlog::warn("forward: PutTraceSegments answered HTTP {} {}{}{}", response.status, type,
                 retry ? "; retrying" : "; not retryable", More(*s, ""));
  }
  return retry ? Outcome::kRetry : Outcome::kRejected;
}

void SegmentSender::LogRefused(std::string_view raw, std::string_view code,
                               std::string_view message) {
  metrics_.unprocessed.fetch_add(1, std::memory_order_relaxed);
  const DocumentIds ids = ExtractIds(raw);
  if (auto s = limiter_.Admit(200, clock_.SteadyNow())) {
    spdlog::error("forward: X-Ray refused segment {} of trace {}: {} {}{}", ids.id, ids.trace_id,
                  code, message, More(*s, " refused"));
  }
}

bool SegmentSender::SendBatch(const std::vector<std::string_view>& raws) {
  int attempt = 0;
  while (true) {
    std::vector<UnprocessedSegment> unprocessed;
    switch (SendOnce(raws, unprocessed)) {
      case Outcome::kStopping:
        return false;
      case Outcome::kRetry:
        metrics_.retried.fetch_add(1, std::memory_order_relaxed);
        if (!sleep_(NextBackoff(attempt))) {
          return false;
        }
        continue;
      case Outcome::kRejected:
        if (raws.size() > 1) {
          // A request-level refusal (e.g. one bad document makes the request invalid): halve
          // until the culprit is alone, so the others still go.
          const std::size_t half = raws.size() / 2;
          const std::vector<std::string_view> left(raws.begin(), raws.begin() + half);
          const std::vector<std::string_view> right(raws.begin() + half, raws.end());
          return SendBatch(left) && SendBatch(right);
        }
        LogRefused(raws.front(), "InvalidRequest", "request refused");
        return true;
      case Outcome::kAccepted:
        return HandleUnprocessed(raws, unprocessed);
    }
  }
}

bool SegmentSender::HandleUnprocessed(const std::vector<std::string_view>& raws,
                                      const std::vector<UnprocessedSegment>& unprocessed) {
  std::size_t left_out = 0;
  std::vector<DocumentIds> ids;
  if (!unprocessed.empty()) {
    ids.reserve(raws.size());
    for (std::string_view raw : raws) {
      ids.push_back(ExtractIds(raw));
    }
  }
  std::vector<bool> taken(raws.size(), false);
  for (const UnprocessedSegment& u : unprocessed) {
    std::size_t index = raws.size();
    for (std::size_t i = 0; i < raws.size(); ++i) {
      if (!taken[i] && ids[i].id == u.id) {
        index = i;
        break;
      }
    }
    if (index == raws.size()) {
      metrics_.unprocessed.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("forward: X-Ray refused an unknown segment id '{}': {} {}", u.id, u.error_code,
                    u.message);
      continue;
    }
    taken[index] = true;
    ++left_out;
    if (!IsRetryableErrorCode(u.error_code)) {
      LogRefused(raws[index], u.error_code, u.message);
      continue;
    }
    if (!RetryOne(raws[index])) {
      return false;
    }
  }
  metrics_.forwarded.fetch_add(raws.size() - std::min(left_out, raws.size()),
                               std::memory_order_relaxed);
  return true;
}

bool SegmentSender::RetryOne(std::string_view raw) {
  const std::vector<std::string_view> one{raw};
  int attempt = 0;
  int unprocessed_attempts = 0;
  while (true) {
    metrics_.retried.fetch_add(1, std::memory_order_relaxed);
    if (!sleep_(NextBackoff(attempt))) {
      return false;
    }
    std::vector<UnprocessedSegment> unprocessed;
    switch (SendOnce(one, unprocessed)) {
      case Outcome::kStopping:
        return false;
      case Outcome::kRetry:
        continue;
      case Outcome::kRejected:
        LogRefused(raw, "InvalidRequest", "request refused");
        return true;
      case Outcome::kAccepted:
        if (unprocessed.empty()) {
          metrics_.forwarded.fetch_add(1, std::memory_order_relaxed);
          return true;
        }
        if (!IsRetryableErrorCode(unprocessed.front().error_code) ||
            ++unprocessed_attempts >= options_.unprocessed_max_attempts) {
          LogRefused(raw, unprocessed.front().error_code, unprocessed.front().message);
          return true;
        }
    }
  }
}

}  // namespace xrayd::daemon
