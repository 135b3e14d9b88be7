#include "query/time_series.h"

#include <cmath>
#include <utility>
#include <variant>

#include "query/filter_parser.h"

namespace xrayd::query {
namespace {

using Json = nlohmann::json;

NodeMatcher MatcherOf(const NodeRef& ref) {
  NodeMatcher matcher;
  if (const auto* name = std::get_if<std::string>(&ref)) {
    matcher.name = *name;
  } else {
    const IdFn& id = std::get<IdFn>(ref);
    matcher.name = id.name;
    matcher.type = id.type;
    matcher.account_id = id.account_id;
  }
  return matcher;
}

Error NotASelector(int column) {
  return Error{ErrorCode::kInvalidArgument,
               "EntitySelectorExpression must be one service(...), id(...) or edge(...) "
               "selector without a { block } (column " +
                   std::to_string(column) + ")"};
}

}  // namespace

bool NodeMatcher::Matches(const TraceNode& node) const {
  if (node.kind == NodeKind::kClient && type != "client") {
    return false;
  }
  return (!name || *name == node.name) && (!type || type == node.type) &&
         (!account_id || account_id == node.account_id);
}

Result<EntitySelector> ParseEntitySelector(std::string_view text) {
  auto parsed = ParseFilter(text);
  if (!parsed) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid EntitySelectorExpression: " + parsed.error().message);
  }
  EntitySelector selector;
  if (!parsed->root) {
    return selector;
  }
  const Node& root = *parsed->root;
  if (const auto* service = std::get_if<ServiceFn>(&root.kind)) {
    if (service->block) {
      return tl::unexpected(NotASelector(root.column));
    }
    selector.kind = EntitySelector::Kind::kService;
    if (service->node) {
      selector.service = MatcherOf(*service->node);
    }
    return selector;
  }
  if (const auto* id = std::get_if<IdFn>(&root.kind)) {
    selector.kind = EntitySelector::Kind::kService;
    selector.service = MatcherOf(NodeRef(*id));
    return selector;
  }
  if (const auto* edge = std::get_if<EdgeFn>(&root.kind)) {
    if (edge->block) {
      return tl::unexpected(NotASelector(root.column));
    }
    selector.kind = EntitySelector::Kind::kEdge;
    selector.from = MatcherOf(edge->from);
    selector.to = MatcherOf(edge->to);
    return selector;
  }
  return tl::unexpected(NotASelector(root.column));
}

TimeSeriesBuilder::TimeSeriesBuilder(EntitySelector selector, TimeWindow window,
                                     std::int64_t period)
    : selector_(std::move(selector)), window_(window), period_(period > 0 ? period : 60) {}

void TimeSeriesBuilder::Count(double end_time, const DerivedStatus& status, double response_time) {
  if (!(end_time >= window_.start && end_time <= window_.end)) {
    return;
  }
  const double number = std::floor(end_time / static_cast<double>(period_));
  if (!(std::fabs(number) < 1e15)) {
    return;  // Far outside any real clock; keeps the conversion below defined.
  }
  const auto bucket = static_cast<std::int64_t>(number);
  TimeSeriesBucket& out = buckets_[bucket];
  out.timestamp = static_cast<double>(bucket * period_);
  out.statistics.Add(status, response_time);
  AddToHistogram(out.response_time, response_time);
}

void TimeSeriesBuilder::Add(const TraceModel& model) {
  if (selector_.kind == EntitySelector::Kind::kService) {
    for (const TraceSegment& segment : model.segments) {
      if (segment.in_progress || !segment.end_time || !segment.response_time ||
          segment.node >= model.nodes.size() ||
          !selector_.service.Matches(model.nodes[segment.node])) {
        continue;
      }
      Count(*segment.end_time, segment.status, *segment.response_time);
    }
    return;
  }
  for (const TraceCall& call : model.calls) {
    if (call.in_progress || !call.end_time || !call.response_time ||
        call.from >= model.nodes.size() || call.to >= model.nodes.size()) {
      continue;
    }
    const TraceNode& from = model.nodes[call.from];
    const TraceNode& to = model.nodes[call.to];
    const bool selected = selector_.kind == EntitySelector::Kind::kClientEdges
                              ? from.kind == NodeKind::kClient
                              : selector_.from.Matches(from) && selector_.to.Matches(to);
    if (selected) {
      Count(*call.end_time, call.status, *call.response_time);
    }
  }
}

std::vector<TimeSeriesBucket> TimeSeriesBuilder::Finish() const {
  std::vector<TimeSeriesBucket> out;
  out.reserve(buckets_.size());
  for (const auto& [number, bucket] : buckets_) {
    out.push_back(bucket);
  }
  return out;
}

Json TimeSeriesToJson(const std::vector<TimeSeriesBucket>& buckets, bool edge_statistics) {
  Json out = Json::array();
  for (const TimeSeriesBucket& bucket : buckets) {
    out.push_back({{"Timestamp", bucket.timestamp},
                   {edge_statistics ? "EdgeSummaryStatistics" : "ServiceSummaryStatistics",
                    StatisticsToJson(bucket.statistics)},
                   {"ResponseTimeHistogram", HistogramToJson(bucket.response_time)}});
  }
  return out;
}

}  // namespace xrayd::query
