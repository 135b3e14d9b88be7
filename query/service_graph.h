#pragma once
// The service graph of docs/service-graph.md aggregated over many traces: TraceModels in, the
// `Services` list of GetServiceGraph / GetTraceGraph out (xray-service-2.json `Service`, `Edge`,
// `EdgeStatistics`, `ServiceStatistics`, `HistogramEntry`). Pure: no I/O, no clock; one builder per
// request, used by one thread.
//
// Aggregation rules (docs/service-graph.md):
// * One service per node identity (Name, Type, AccountId) across all traces; the trace-local node
//   kind (real, inferred, client) decides State ("active" for real nodes, "unknown" for inferred
//   and client nodes) and whether the service has statistics (client nodes have only Edges).
// * Node statistics and histograms come from its segments (real segments, or for inferred nodes
//   the inferred segments = the caller subsegments); edge statistics from the calls (the caller's
//   subsegment; for the client edge the root segment). Edges are keyed by (source, destination).
// * With a window, a segment or call counts when its end_time is in [start, end]; in-progress ones
//   count in no statistics or histogram, but their start_time widens StartTime if it is <= end.
// * Root: the node owns a counted root segment.
// * ReferenceId: services are sorted by (Name, Type, AccountId) and numbered 0, 1, ... so the same
//   data always gives the same ids (pages of one request agree).
// * [local] Histograms (docs/service-graph.md#statistics): each value rounded to the millisecond
// (one bucket per distinct
//   millisecond), Count = occurrences, ascending by Value.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "query/trace_model.h"

namespace xrayd::query {

// EdgeStatistics / ServiceStatistics (identical members), docs/service-graph.md#statistics.
struct GraphStatistics {
  std::int64_t ok_count = 0;
  std::int64_t error_throttle = 0;  // ErrorStatistics.ThrottleCount
  std::int64_t error_other = 0;     // ErrorStatistics.OtherCount: error and not throttle.
  std::int64_t error_total = 0;     // ErrorStatistics.TotalCount
  std::int64_t fault_other = 0;     // FaultStatistics.OtherCount
  std::int64_t fault_total = 0;     // FaultStatistics.TotalCount
  std::int64_t total_count = 0;     // Completed segments/calls.
  double total_response_time = 0;   // Sum of their end - start, seconds.

  // Counts one completed segment or call.
  void Add(const DerivedStatus& status, double response_time);
  void Merge(const GraphStatistics& other);
};

// Milliseconds (value rounded to the millisecond) -> count.
using Histogram = std::map<std::int64_t, std::int64_t>;

void AddToHistogram(Histogram& histogram, double seconds);
void MergeHistogram(Histogram& into, const Histogram& from);

// Window filter of docs/service-graph.md#time-window-and-paging (inclusive at both ends, epoch
// seconds).
struct TimeWindow {
  double start = 0;
  double end = 0;
};

struct GraphEdge {
  std::size_t to = 0;  // Index of the destination in the service list.
  std::optional<double> start_time;
  std::optional<double> end_time;
  GraphStatistics statistics;
  Histogram response_time;
};

struct GraphService {
  int reference_id = 0;  // == its index in the list returned by Finish().
  std::string name;
  std::optional<std::string> type;
  std::optional<std::string> account_id;
  NodeKind kind = NodeKind::kReal;  // kReal if any trace saw it as a real node.
  bool root = false;
  std::optional<double> start_time;
  std::optional<double> end_time;
  GraphStatistics statistics;
  Histogram duration;
  Histogram response_time;
  std::vector<GraphEdge> edges;  // Ascending by destination ReferenceId.
};

// Node identity (Name, Type, AccountId).
using NodeKey = std::tuple<std::string, std::optional<std::string>, std::optional<std::string>>;

class ServiceGraphBuilder {
 public:
  // No window: every segment and call counts (GetTraceGraph).
  explicit ServiceGraphBuilder(std::optional<TimeWindow> window = std::nullopt);

  // Adds one trace. Traces may come in any order; the result depends only on the set.
  void Add(const TraceModel& model);

  // Number of traces added.
  std::size_t TraceCount() const { return traces_; }

  // The services, by ReferenceId. Services with nothing counted in the window are left out.
  [[nodiscard]] std::vector<GraphService> Finish() const;

 private:
  struct EdgeAcc {
    std::optional<double> start_time;
    std::optional<double> end_time;
    GraphStatistics statistics;
    Histogram response_time;
  };
  struct ServiceAcc {
    NodeKind kind = NodeKind::kClient;
    bool root = false;
    std::optional<double> start_time;
    std::optional<double> end_time;
    GraphStatistics statistics;
    Histogram duration;
    Histogram response_time;
    std::map<NodeKey, EdgeAcc> edges;
  };

  ServiceAcc& ServiceFor(const TraceNode& node);
  bool Counts(double start_time, const std::optional<double>& end_time) const;

  std::optional<TimeWindow> window_;
  std::map<NodeKey, ServiceAcc> services_;
  std::size_t traces_ = 0;
};

// The wire objects. Every member the model has is written except EdgeType and
// ReceivedEventAgeHistogram (out of scope, docs/service-graph.md#edges); Root only when true;
// Type/AccountId only when known; client services have no SummaryStatistics or histograms.
[[nodiscard]] nlohmann::json StatisticsToJson(const GraphStatistics& statistics);
[[nodiscard]] nlohmann::json HistogramToJson(const Histogram& histogram);
[[nodiscard]] nlohmann::json ServiceToJson(const GraphService& service,
                                           const std::vector<GraphService>& all);

}  // namespace xrayd::query
