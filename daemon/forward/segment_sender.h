#pragma once
// SegmentSender: delivers one batch of documents to X-Ray PutTraceSegments. Each attempt is signed
// (SigV4, service xray) and its answer classified: accepted (2xx; documents listed in
// UnprocessedTraceSegments with a retryable code are then retried one by one, the others refused),
// retryable (network failure, 5xx, 429/throttling, 401/403, no credentials: again after a backoff
// with jitter, for as long as the daemon runs), or refused for good (another 4xx: the batch is
// halved until the culprit is alone). Counts into ForwardMetrics and logs with rate limits.
//
// Time: signatures take the wall time and log rate limits the steady time of `clock`; waits
// (backoff) are the sleep function's.
//
// Threads: one sender per thread (the send function, the random source and the log limiter are
// its own); `credentials`, `metrics` and `clock` are thread-safe and must outlive it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/aws/aws_credentials.h"
#include "daemon/core/forward_metrics.h"
#include "daemon/core/log_limiter.h"
#include "daemon/forward/batch_sender.h"
#include "daemon/forward/forward_batch.h"
#include "daemon/net/http_client.h"
#include "proto/clock.h"
#include "proto/result.h"

namespace xrayd::daemon {

// Where PutTraceSegments goes for an endpoint such as "https://xray.us-east-1.amazonaws.com".
struct XrayTarget {
  std::string put_url;  // The endpoint + "/TraceSegments".
  std::string host;     // The Host header (and the signature's host).
};
// kInvalidArgument for an endpoint that is not an http(s) URL.
[[nodiscard]] Result<XrayTarget> XrayTargetFor(std::string_view endpoint);

struct SenderOptions {
  XrayTarget target;
  std::string region;  // For the signature's scope.
  std::chrono::milliseconds request_timeout{2000};
  std::chrono::milliseconds backoff_initial{200};
  std::chrono::milliseconds backoff_max{5000};
  int unprocessed_max_attempts = 8;  // One-by-one retries of a retryable unprocessed document.
};

class SegmentSender : public BatchSender {
 public:
  SegmentSender(SenderOptions options, CredentialsProvider& credentials, ForwardMetrics& metrics,
                const proto::Clock& clock, SendFunction send, SleepFunction sleep,
                std::uint64_t seed);

  // Sends `raws` until X-Ray accepted or refused each of them; true when done, false only when
  // stopping (then the batch must stay spooled).
  bool SendBatch(const std::vector<std::string_view>& raws) override;

  // What one attempt came to.
  enum class Outcome { kAccepted, kRetry, kRejected, kStopping };
  // One PutTraceSegments attempt; on kAccepted, `unprocessed` holds X-Ray's list.
  Outcome SendOnce(const std::vector<std::string_view>& raws,
                   std::vector<UnprocessedSegment>& unprocessed);

 private:
  bool HandleUnprocessed(const std::vector<std::string_view>& raws,
                         const std::vector<UnprocessedSegment>& unprocessed);
  bool RetryOne(std::string_view raw);
  // The signed request for `raws`; nullopt (counted, logged) without credentials or signature.
  std::optional<ClientRequest> SignedRequest(const std::vector<std::string_view>& raws);
  Outcome ClassifyStatus(const ClientResponse& response);
  void LogRefused(std::string_view raw, std::string_view code, std::string_view message);
  std::chrono::milliseconds NextBackoff(int& attempt);

  SenderOptions options_;
  CredentialsProvider& credentials_;
  ForwardMetrics& metrics_;
  const proto::Clock& clock_;
  SendFunction send_;
  SleepFunction sleep_;
  std::mt19937_64 random_;
  LogLimiter limiter_{std::chrono::seconds(10)};
};

}  // namespace xrayd::daemon
