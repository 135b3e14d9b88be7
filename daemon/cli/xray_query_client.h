#pragma once
// XrayQueryClient: reads traces from a running xrayd (or anything serving the X-Ray API) over
// HTTP, the way `xrayd assert` and `xrayd capture` see them: GetTraceSummaries for filtered
// searches, BatchGetTraces for whole traces. Blocking; one instance per thread.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "proto/result.h"

namespace xrayd::daemon {

class HttpClient;

struct TraceWindow {
  double start = 0;  // Epoch seconds, inclusive (TimeRangeType Event: traces overlapping it).
  double end = 0;
};

class XrayQueryClient {
 public:
  // `base_url`: "http://127.0.0.1:2000" (no trailing path).
  explicit XrayQueryClient(std::string base_url);
  ~XrayQueryClient();
  XrayQueryClient(const XrayQueryClient&) = delete;
  XrayQueryClient& operator=(const XrayQueryClient&) = delete;

  // Ids of the traces in `window` that match `filter` (empty: every trace), newest first, every
  // page followed. Stops with kResourceExhausted once more than `limit` ids were found.
  // kInvalidArgument carries the server's message for a rejected filter (it names the token);
  // kIOError for transport failures and other error answers.
  [[nodiscard]] Result<std::vector<std::string>> FindTraceIds(const std::string& filter,
                                                              const TraceWindow& window,
                                                              std::size_t limit);

  // BatchGetTraces for `ids` (any number: sent five at a time). Returns the Trace objects
  // ({"Id", "Duration", "LimitExceeded", "Segments": [{"Id", "Document" (a string)}]}) in the
  // order of `ids`; ids the server does not know are left out.
  [[nodiscard]] Result<std::vector<nlohmann::json>> GetTraces(const std::vector<std::string>& ids);

  // POST `path` with a JSON body; the parsed answer on 2xx. Errors as FindTraceIds.
  [[nodiscard]] Result<nlohmann::json> Call(const std::string& path, const nlohmann::json& body);

 private:
  std::string base_url_;
  std::unique_ptr<HttpClient> http_;
};

// The documents of a BatchGetTraces Trace object, parsed, without the segments X-Ray infers for
// downstream calls ("inferred": true). Documents that are not JSON objects are skipped.
[[nodiscard]] std::vector<nlohmann::ordered_json> TraceDocuments(const nlohmann::json& trace);

}  // namespace xrayd::daemon
