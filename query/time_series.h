#pragma once
// GetTimeSeriesServiceStatistics (docs/api.md#gettimeseriesservicestatistics): statistics of one
// selected entity (a service or an edge) in time buckets of `Period` seconds. Pure: TraceModels in,
// buckets out; one builder per request, used by one thread.
//
// Rules (xrayd's choices where X-Ray leaves room):
// * EntitySelectorExpression is a filter expression (docs/filter-language.md) that must be exactly
// one selector:
//   service("name"), service(id(...)), id(...) (= service(id(...))), or edge(from, to), without a
//   { block }. Absent: the edge statistics of every client -> root edge ("If no selector
//   expression is specified, edge statistics are returned").
// * A name selects every node of that name; id() parts that are given must all match. Client
//   nodes are selected only by id(type: "client"), so service("api") means the service, not the
//   client node that calls it.
// * A segment (service selector) or call (edge selector) counts in the bucket of its end_time,
//   when end_time is in [start, end]; in-progress ones never count. Buckets are aligned to epoch
//   multiples of the period: Timestamp = floor(end_time / period) * period. Only buckets with data
//   are returned, ascending by Timestamp.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "proto/result.h"
#include "query/service_graph.h"
#include "query/trace_model.h"

namespace xrayd::query {

// Matches nodes by the parts that are set; no part set matches every non-client node.
struct NodeMatcher {
  std::optional<std::string> name;
  std::optional<std::string> type;
  std::optional<std::string> account_id;

  [[nodiscard]] bool Matches(const TraceNode& node) const;
};

struct EntitySelector {
  enum class Kind { kClientEdges, kService, kEdge };
  Kind kind = Kind::kClientEdges;
  NodeMatcher service;  // kService.
  NodeMatcher from;     // kEdge.
  NodeMatcher to;       // kEdge.

  // Statistics of edges (EdgeSummaryStatistics) rather than of a service.
  [[nodiscard]] bool IsEdge() const { return kind != Kind::kService; }
};

// Parses an EntitySelectorExpression. Empty text -> kClientEdges. kInvalidArgument with a message
// naming the problem: a filter syntax error (the parser's message), or an expression that is not a
// single selector (e.g. `service("a") AND fault`, `service("a") { fault }`).
[[nodiscard]] Result<EntitySelector> ParseEntitySelector(std::string_view text);

struct TimeSeriesBucket {
  double timestamp = 0;  // Bucket start, epoch seconds.
  GraphStatistics statistics;
  Histogram response_time;
};

class TimeSeriesBuilder {
 public:
  // REQUIRES: period > 0.
  TimeSeriesBuilder(EntitySelector selector, TimeWindow window, std::int64_t period);

  void Add(const TraceModel& model);

  // Buckets with data, ascending by timestamp.
  [[nodiscard]] std::vector<TimeSeriesBucket> Finish() const;

  [[nodiscard]] const EntitySelector& Selector() const { return selector_; }

 private:
  void Count(double end_time, const DerivedStatus& status, double response_time);

  EntitySelector selector_;
  TimeWindow window_;
  std::int64_t period_;
  std::map<std::int64_t, TimeSeriesBucket> buckets_;  // Keyed by bucket number.
};

// The `TimeSeriesServiceStatistics` list: {Timestamp, EdgeSummaryStatistics or
// ServiceSummaryStatistics, ResponseTimeHistogram} per bucket.
[[nodiscard]] nlohmann::json TimeSeriesToJson(const std::vector<TimeSeriesBucket>& buckets,
                                              bool edge_statistics);

}  // namespace xrayd::query
