#pragma once
// Pure helpers of the forwarder: the PutTraceSegments request body, the answer's
// UnprocessedTraceSegments, which failures are worth retrying and how they are counted. No I/O,
// no threads.

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/forward_metrics.h"
#include "daemon/net/http_client.h"
#include "proto/result.h"

namespace xrayd::daemon {

// X-Ray's limit on documents per PutTraceSegments (docs/forwarding.md#batching-and-retries,
// docs/api.md#puttracesegments).
inline constexpr std::size_t kMaxSegmentsPerRequest = 50;

// {"TraceSegmentDocuments":["<doc>",...]}: each raw document as a JSON string. REQUIRES: each raw
// is valid UTF-8 (validated JSON), so only '"', '\\' and control characters need escaping.
std::string BuildPutTraceSegmentsBody(const std::vector<std::string_view>& raw_documents);

struct UnprocessedSegment {
  std::string id;
  std::string error_code;
  std::string message;
};
// The UnprocessedTraceSegments of a 2xx answer (empty when absent). kMalformed if the body is not a
// JSON object.
[[nodiscard]] Result<std::vector<UnprocessedSegment>> ParseUnprocessed(std::string_view body);

// An unprocessed segment's error code that means "try again later" (throttling, internal errors).
bool IsRetryableErrorCode(std::string_view error_code);
// An HTTP answer to retry: 5xx, 429, or a throttling error type on another 4xx; also 401/403, since
// credentials are refreshed on the next attempt.
bool IsRetryableStatus(int status, std::string_view error_type);

// The forwarding error counter of a failed request to X-Ray.
ForwardErrorKind ForwardErrorKindOf(HttpErrorKind kind);

// "id" and "trace_id" of a raw document ("" when absent); for logs and matching unprocessed ids.
struct DocumentIds {
  std::string id;
  std::string trace_id;
};
DocumentIds ExtractIds(std::string_view raw);

// Exponential backoff with jitter: attempt 0 waits about `initial`, each later one twice as long,
// capped at `max`; the wait is uniformly drawn in [d/2, d].
std::chrono::milliseconds Backoff(int attempt, std::chrono::milliseconds initial,
                                  std::chrono::milliseconds max, std::mt19937_64& random);

}  // namespace xrayd::daemon
