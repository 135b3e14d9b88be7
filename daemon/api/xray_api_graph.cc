// X-Ray service graph operations (docs/api.md#getservicegraph-and-gettracegraph,
// docs/api.md#gettimeseriesservicestatistics, docs/service-graph.md): GetServiceGraph,
// GetTraceGraph and GetTimeSeriesServiceStatistics. Traces are read from a pooled read-only store
// connection, compiled with BuildTraceModel and aggregated by query/service_graph.h and
// query/time_series.h.
//
// [local] choices: at most GraphApiLimits::max_traces traces per request (newest first) and a
// wall-clock budget; when either cuts a request short the answer covers what was read and the
// daemon logs it (no model member can say so). Services are paged 100 per page; a NextToken is
// base64url("<operation>:<offset>:<hash of the request parameters>"), so a token used with other
// parameters is an InvalidRequestException. GetTimeSeriesServiceStatistics answers in one page.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "daemon/api/api_json.h"
#include "daemon/api/xray_api.h"
#include "proto/base64url.h"
#include "proto/ids.h"
#include "query/service_graph.h"
#include "query/time_series.h"
#include "query/trace_model.h"

namespace xrayd::daemon {
namespace {

using nlohmann::json;

constexpr std::string_view kDefaultGroup = "Default";

// ---- Page tokens -------------------------------------------------------------------------------

using proto::Base64UrlDecode;
using proto::Base64UrlEncode;

std::uint64_t Fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string EncodeToken(std::string_view operation, std::size_t offset, std::uint64_t request) {
  char text[96];
  std::snprintf(text, sizeof text, ":%zu:%016" PRIx64, offset, request);
  return Base64UrlEncode(std::string(operation) + text);
}

// The offset a NextToken resumes at; absent token = 0.
ApiResult<std::size_t> DecodeToken(const json& body, std::string_view operation,
                                   std::uint64_t request) {
  XRAYD_TRY_ASSIGN(auto token, OptionalString(body, "NextToken"));
  if (!token) {
    return std::size_t{0};
  }
  const std::optional<std::string> text = Base64UrlDecode(*token);
  const std::string prefix = std::string(operation) + ":";
  std::size_t offset = 0;
  std::uint64_t hash = 0;
  char tail = 0;
  if (!text || text->rfind(prefix, 0) != 0 ||
      std::sscanf(text->c_str() + prefix.size(), "%zu:%" SCNx64 "%c", &offset, &hash, &tail) != 2) {
    return tl::unexpected(InvalidRequest("Invalid NextToken"));
  }
  if (hash != request) {
    return tl::unexpected(
        InvalidRequest("NextToken does not belong to a request with these parameters"));
  }
  return offset;
}

// ---- Request fields ----------------------------------------------------------------------------

struct Window {
  double start = 0;
  double end = 0;
};

ApiResult<Window> ParseWindow(const json& body) {
  XRAYD_TRY_ASSIGN(auto start, OptionalTimestamp(body, "StartTime"));
  XRAYD_TRY_ASSIGN(auto end, OptionalTimestamp(body, "EndTime"));
  if (!start) {
    return tl::unexpected(InvalidRequest("StartTime is required"));
  }
  if (!end) {
    return tl::unexpected(InvalidRequest("EndTime is required"));
  }
  if (*end < *start) {
    return tl::unexpected(InvalidRequest("EndTime must not be before StartTime"));
  }
  return Window{*start, *end};
}

ApiResult<std::optional<std::string>> BoundedString(const json& body, std::string_view name,
                                                    std::size_t max) {
  auto value = OptionalString(body, name);
  if (value && *value && ((*value)->empty() || (*value)->size() > max)) {
    return tl::unexpected(InvalidRequest(std::string(name) + " must be 1 to " +
                                         std::to_string(max) + " characters long"));
  }
  return value;
}

bool IsDefaultGroup(const std::optional<std::string>& name, const std::optional<std::string>& arn) {
  constexpr std::string_view kDefaultArnTail = ":group/Default";
  const bool default_name = !name || *name == kDefaultGroup;
  const bool default_arn = !arn || (arn->size() >= kDefaultArnTail.size() &&
                                    arn->compare(arn->size() - kDefaultArnTail.size(),
                                                 kDefaultArnTail.size(), kDefaultArnTail) == 0);
  return default_name && default_arn;
}

// GroupName / GroupARN: absent or Default = every trace; another group goes through the hook.
ApiResult<GraphGroupScope> ParseGroup(const json& body, const Window& window,
                                      const ApiServices& services, std::string* key) {
  XRAYD_TRY_ASSIGN(auto name, BoundedString(body, "GroupName", 32));
  XRAYD_TRY_ASSIGN(auto arn, BoundedString(body, "GroupARN", 400));
  *key = name.value_or("") + "\n" + arn.value_or("");
  if (IsDefaultGroup(name, arn)) {
    return GraphGroupScope{};
  }
  const std::string which = name ? "GroupName " + *name : "GroupARN " + *arn;
  if (!services.resolve_graph_group) {
    return tl::unexpected(InvalidRequest("group not found: " + which));
  }
  auto scope = services.resolve_graph_group(name, arn, window.start, window.end);
  if (!scope) {
    if (scope.error().code == ErrorCode::kNotFound ||
        scope.error().code == ErrorCode::kInvalidArgument) {
      return tl::unexpected(InvalidRequest("group not found: " + which));
    }
    return tl::unexpected(JsonError(500, "InternalFailure", scope.error().message));
  }
  return std::move(*scope);
}

std::string WindowKey(const Window& window) {
  char text[64];
  std::snprintf(text, sizeof text, "%.6f:%.6f", window.start, window.end);
  return text;
}

// ---- Reading traces ----------------------------------------------------------------------------

struct ReadStats {
  std::size_t traces = 0;
  bool capped = false;     // More traces than max_traces in the window.
  bool timed_out = false;  // The time budget ran out.
};

class TraceReader {
 public:
  TraceReader(const ApiServices& services, const GraphApiLimits& limits)
      : services_(services), limits_(limits) {}

  // Calls `add` with the model of each trace of the window (newest first) in the group.
  template <class Add>
  ApiResult<ReadStats> ForWindow(const Window& window, const GraphGroupScope& group, Add add) {
    auto lease = services_.traces->Acquire();
    if (!lease) {
      return tl::unexpected(JsonError(500, "InternalFailure", lease.error().message));
    }
    auto ids = (*lease)->TraceIdsInWindow(window.start, window.end, limits_.max_traces + 1);
    if (!ids) {
      return tl::unexpected(JsonError(500, "InternalFailure", ids.error().message));
    }
    ReadStats stats;
    if (ids->size() > limits_.max_traces) {
      ids->resize(limits_.max_traces);
      stats.capped = true;
    }
    return ForIds(**lease, *ids, group, std::move(stats), add);
  }

  // Calls `add` with the model of each known trace of `ids`.
  template <class Add>
  ApiResult<ReadStats> ForTraceIds(const std::vector<std::string>& ids, Add add) {
    auto lease = services_.traces->Acquire();
    if (!lease) {
      return tl::unexpected(JsonError(500, "InternalFailure", lease.error().message));
    }
    return ForIds(**lease, ids, GraphGroupScope{}, ReadStats{}, add);
  }

 private:
  template <class Add>
  ApiResult<ReadStats> ForIds(storage::TraceStore& store, const std::vector<std::string>& ids,
                              const GraphGroupScope& group, ReadStats stats, Add& add) {
    const proto::Clock& clock = *services_.clock;
    const auto deadline =
        clock.SteadyNow() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(limits_.time_budget_seconds));
    for (const std::string& id : ids) {
      if (clock.SteadyNow() > deadline) {
        stats.timed_out = true;
        break;
      }
      if (group.contains && !group.contains(id)) {
        continue;
      }
      auto docs = store.GetDocuments(id);
      if (!docs) {
        return tl::unexpected(JsonError(500, "InternalFailure", docs.error().message));
      }
      if (docs->empty()) {
        continue;  // Unknown id (docs/api.md#getservicegraph-and-gettracegraph: ignored), or
                   // deleted since it was listed.
      }
      add(query::BuildTraceModel(id, *docs));
      ++stats.traces;
    }
    return stats;
  }

  const ApiServices& services_;
  const GraphApiLimits& limits_;
};

void LogIfCut(std::string_view operation, const ReadStats& stats, const GraphApiLimits& limits) {
  if (stats.capped || stats.timed_out) {
    spdlog::warn("{}: answered from {} traces only ({}); narrow the time window", operation,
                 stats.traces,
                 stats.timed_out
                     ? "time budget of " + std::to_string(limits.time_budget_seconds) + " s used up"
                     : "at most " + std::to_string(limits.max_traces) + " traces per request");
  }
}

// Services [offset, offset + page_size) of the list; past the end is an empty page.
// Sets out["Services"] to the page of `services` at `offset` and out["NextToken"] when more
// follow; the token resumes `operation` for the request hashed as `request_hash`.
void AddServicesPage(json& out, std::string_view operation,
                     const std::vector<query::GraphService>& services, std::size_t offset,
                     std::uint64_t request_hash, std::size_t page_size) {
  json page = json::array();
  offset = std::min(offset, services.size());
  const std::size_t end = offset + std::min(page_size, services.size() - offset);
  for (std::size_t i = offset; i < end; ++i) {
    page.push_back(query::ServiceToJson(services[i], services));
  }
  out["Services"] = std::move(page);
  if (end < services.size()) {
    out["NextToken"] = EncodeToken(operation, end, request_hash);
  }
}

// ---- Handlers ----------------------------------------------------------------------------------

class GraphApi {
 public:
  GraphApi(const ApiServices& services, const GraphApiLimits& limits)
      : services_(services), limits_(limits) {}

  HttpResponse GetServiceGraph(const HttpRequest& request) const {
    XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
    XRAYD_API_TRY_ASSIGN(auto window, ParseWindow(body));
    std::string group_key;
    XRAYD_API_TRY_ASSIGN(auto group, ParseGroup(body, window, services_, &group_key));
    const std::uint64_t request_hash = Fnv1a(WindowKey(window) + "\n" + group_key);
    XRAYD_API_TRY_ASSIGN(auto offset, DecodeToken(body, "ServiceGraph", request_hash));
    query::ServiceGraphBuilder builder(query::TimeWindow{window.start, window.end});
    TraceReader reader(services_, limits_);
    XRAYD_API_TRY_ASSIGN(
        auto stats, reader.ForWindow(window, group,
                                     [&](const query::TraceModel& model) { builder.Add(model); }));
    LogIfCut("GetServiceGraph", stats, limits_);
    json out = {{"StartTime", window.start},
                {"EndTime", window.end},
                {"ContainsOldGroupVersions", group.contains_old_group_versions}};
    AddServicesPage(out, "ServiceGraph", builder.Finish(), offset, request_hash,
                    limits_.services_per_page);
    return JsonResponse(out);
  }

  HttpResponse GetTraceGraph(const HttpRequest& request) const {
    XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
    XRAYD_API_TRY_ASSIGN(auto ids, ParseTraceIds(body));
    std::string key;
    for (const std::string& id : ids) {
      key += id + "\n";
    }
    const std::uint64_t request_hash = Fnv1a(key);
    XRAYD_API_TRY_ASSIGN(auto offset, DecodeToken(body, "TraceGraph", request_hash));
    query::ServiceGraphBuilder builder;
    TraceReader reader(services_, limits_);
    XRAYD_API_TRY_ASSIGN(auto stats, reader.ForTraceIds(ids, [&](const query::TraceModel& model) {
      builder.Add(model);
    }));
    LogIfCut("GetTraceGraph", stats, limits_);
    json out = json::object();
    AddServicesPage(out, "TraceGraph", builder.Finish(), offset, request_hash,
                    limits_.services_per_page);
    return JsonResponse(out);
  }

  HttpResponse GetTimeSeriesServiceStatistics(const HttpRequest& request) const {
    XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
    XRAYD_API_TRY_ASSIGN(auto window, ParseWindow(body));
    XRAYD_API_TRY_ASSIGN(auto expression, BoundedString(body, "EntitySelectorExpression", 500));
    XRAYD_API_TRY_ASSIGN(auto period, OptionalInteger(body, "Period"));
    const long long seconds = period.value_or(60);
    if (seconds <= 0 || seconds % 60 != 0) {
      return InvalidRequest("Period must be a positive multiple of 60 seconds");
    }
    if ((window.end - window.start) / static_cast<double>(seconds) >
        static_cast<double>(limits_.max_time_series_buckets)) {
      return InvalidRequest("EndTime - StartTime spans more than " +
                            std::to_string(limits_.max_time_series_buckets) +
                            " periods: narrow the window or use a longer Period");
    }
    XRAYD_API_TRY_ASSIGN(auto forecast, OptionalBool(body, "ForecastStatistics"));
    if (forecast.value_or(false)) {
      return InvalidRequest("ForecastStatistics is not supported by the local daemon");
    }
    XRAYD_API_TRY_ASSIGN(auto token, OptionalString(body, "NextToken"));
    if (token) {
      return InvalidRequest("Invalid NextToken");  // This operation answers in one page.
    }
    auto selector = query::ParseEntitySelector(expression.value_or(""));
    if (!selector) {
      return InvalidRequest(selector.error().message);
    }
    std::string group_key;
    XRAYD_API_TRY_ASSIGN(auto group, ParseGroup(body, window, services_, &group_key));
    query::TimeSeriesBuilder builder(*selector, query::TimeWindow{window.start, window.end},
                                     seconds);
    TraceReader reader(services_, limits_);
    XRAYD_API_TRY_ASSIGN(
        auto stats, reader.ForWindow(window, group,
                                     [&](const query::TraceModel& model) { builder.Add(model); }));
    LogIfCut("GetTimeSeriesServiceStatistics", stats, limits_);
    return JsonResponse({{"TimeSeriesServiceStatistics",
                          query::TimeSeriesToJson(builder.Finish(), selector->IsEdge())},
                         {"ContainsOldGroupVersions", group.contains_old_group_versions}});
  }

 private:
  // TraceIds: required list of 1-35 character strings, in either the X-Ray or the 32-hex form;
  // canonicalised (proto::CanonicalTraceId) and deduplicated in order.
  ApiResult<std::vector<std::string>> ParseTraceIds(const json& body) const {
    auto it = body.find("TraceIds");
    if (it == body.end() || it->is_null()) {
      return tl::unexpected(InvalidRequest("TraceIds is required"));
    }
    if (!it->is_array()) {
      return tl::unexpected(InvalidRequest("TraceIds must be a list of strings"));
    }
    if (it->size() > limits_.max_trace_graph_ids) {
      return tl::unexpected(InvalidRequest("TraceIds: at most " +
                                           std::to_string(limits_.max_trace_graph_ids) +
                                           " trace ids per request"));
    }
    std::vector<std::string> ids;
    std::set<std::string> seen;
    for (const json& value : *it) {
      if (!value.is_string() || value.get_ref<const std::string&>().empty() ||
          value.get_ref<const std::string&>().size() > 35) {
        return tl::unexpected(InvalidRequest("TraceIds must be strings of 1 to 35 characters"));
      }
      std::string id = proto::CanonicalTraceId(value.get_ref<const std::string&>());
      if (seen.insert(id).second) {
        ids.push_back(std::move(id));
      }
    }
    return ids;
  }

  const ApiServices services_;  // A copy: the hook and pointers as they were at registration.
  const GraphApiLimits limits_;
};

}  // namespace

void RegisterGraphApi(ApiRouter& router, const ApiServices& services,
                      const GraphApiLimits& limits) {
  auto api = std::make_shared<const GraphApi>(services, limits);
  router.Add("POST", "/ServiceGraph",
             [api](const HttpRequest& request) { return api->GetServiceGraph(request); });
  router.Add("POST", "/TraceGraph",
             [api](const HttpRequest& request) { return api->GetTraceGraph(request); });
  router.Add("POST", "/TimeSeriesServiceStatistics", [api](const HttpRequest& request) {
    return api->GetTimeSeriesServiceStatistics(request);
  });
}

}  // namespace xrayd::daemon
