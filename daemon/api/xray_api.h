#pragma once
// The X-Ray API served on the TCP address (docs/api.md, wire model: the public AWS SDK service
// model of X-Ray, 2016-04-12). Each family of operations registers its routes on the ApiRouter from
// its own file; handlers run on HTTP threads (never the UDP thread) and get what they share through
// ApiServices.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/api/api_router.h"
#include "daemon/core/metrics.h"
#include "daemon/core/reader_pool.h"
#include "daemon/ingest/ingest_queue.h"
#include "proto/clock.h"
#include "query/filter_groups.h"
#include "storage/state_store.h"

namespace xrayd::daemon {

// The traces of one (non-Default) group for a graph query (GetServiceGraph,
// GetTimeSeriesServiceStatistics; docs/api.md#getservicegraph-and-gettracegraph,
// docs/groups.md#membership).
struct GraphGroupScope {
  // Membership of one trace (lower-case id). Called on the HTTP thread, once per candidate trace
  // of the window. Null = every trace is a member.
  std::function<bool(std::string_view trace_id)> contains;
  // The group's filter changed during the window (ContainsOldGroupVersions).
  bool contains_old_group_versions = false;
};

// Resolves GroupName / GroupARN (at most one of them may be absent; never the Default group,
// which the graph handlers treat as "every trace" themselves) for the window [start, end].
// kNotFound or kInvalidArgument -> 400 InvalidRequestException "group not found: ..."; any other
// error -> 500. Must be thread-safe.
using GraphGroupResolver = std::function<Result<GraphGroupScope>(
    const std::optional<std::string>& group_name, const std::optional<std::string>& group_arn,
    double start, double end)>;

// Everything handlers share. Owned by the Daemon, which outlives the HTTP server. Members are
// thread-safe (the pool, the queue, the metrics' atomics).
struct ApiServices {
  Metrics* metrics = nullptr;
  IngestQueue* queue = nullptr;          // PutTraceSegments feeds the same pipeline as UDP.
  ReaderPool* traces = nullptr;          // Read-only connections to the trace store.
  storage::StateStore* state = nullptr;  // Groups and sampling rules (state.db); thread-safe.
  // Group membership for the graph API. HOOK, wired by the daemon to group membership:
  // while it is unset, a graph request naming any group but Default is answered 400
  // InvalidRequestException "group not found" (the group is never silently ignored).
  GraphGroupResolver resolve_graph_group = nullptr;
  // Group definitions for filters (daemon/group_lookup.h); may be empty.
  query::GroupLookup groups = {};
  // The time handlers decide by: receive times, creation and modification times, the graph time
  // budget. Never null; must outlive the router.
  const proto::Clock* clock = &proto::SystemClock::Instance();
};

// GetTraceSummaries, BatchGetTraces, PutTraceSegments (daemon/xray_api_traces.cc).
void RegisterTraceApi(ApiRouter& router, const ApiServices& services);

// CreateGroup, GetGroup, GetGroups, UpdateGroup, DeleteGroup (daemon/xray_api_groups.cc).
// REQUIRES: services.state outlives the router.
void RegisterGroupApi(ApiRouter& router, const ApiServices& services);

// GetSamplingRules, GetSamplingTargets, GetSamplingStatisticSummaries, CreateSamplingRule,
// UpdateSamplingRule, DeleteSamplingRule (daemon/xray_api_sampling.cc). Sampling statistics live
// in memory for the life of the router. REQUIRES: services.state outlives the router.
void RegisterSamplingApi(ApiRouter& router, const ApiServices& services);

// [local] Bounds of the graph API's work per request (daemon/xray_api_graph.cc).
struct GraphApiLimits {
  // Traces aggregated per GetServiceGraph / GetTimeSeriesServiceStatistics request, newest first;
  // older traces of the window beyond it are left out (the model has no member to say so: the
  // daemon logs it).
  std::size_t max_traces = 100000;
  // Wall-clock budget for reading and aggregating traces; when it runs out, the answer is built
  // from the traces read so far (logged likewise), so an HTTP thread is never held for long.
  double time_budget_seconds = 10;
  std::size_t max_trace_graph_ids = 1000;       // TraceIds per GetTraceGraph request.
  std::size_t services_per_page = 100;          // docs/service-graph.md#time-window-and-paging.
  std::size_t max_time_series_buckets = 10000;  // (EndTime - StartTime) / Period.
};

// GetServiceGraph, GetTraceGraph, GetTimeSeriesServiceStatistics (daemon/xray_api_graph.cc;
// docs/api.md#getservicegraph-and-gettracegraph, docs/api.md#gettimeseriesservicestatistics,
// docs/service-graph.md). `services` is copied: set resolve_graph_group before calling this.
// REQUIRES: services.traces outlives the router.
void RegisterGraphApi(ApiRouter& router, const ApiServices& services,
                      const GraphApiLimits& limits = {});

}  // namespace xrayd::daemon
