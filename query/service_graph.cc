#include "query/service_graph.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace xrayd::query {
namespace {

using Json = nlohmann::json;

NodeKey KeyOf(const TraceNode& node) {
  return NodeKey(node.name, node.type, node.account_id);
}

// Real beats inferred beats client when traces disagree about one identity.
int KindRank(NodeKind kind) {
  switch (kind) {
    case NodeKind::kReal:
      return 2;
    case NodeKind::kInferred:
      return 1;
    case NodeKind::kClient:
      return 0;
  }
  return 0;
}

void Widen(std::optional<double>& start, std::optional<double>& end, double start_time,
           const std::optional<double>& end_time) {
  if (!start || start_time < *start) {
    start = start_time;
  }
  if (end_time && (!end || *end_time > *end)) {
    end = end_time;
  }
}

}  // namespace

void GraphStatistics::Add(const DerivedStatus& status, double response_time) {
  ++total_count;
  total_response_time += response_time;
  if (status.ok) {
    ++ok_count;
  }
  if (status.error) {
    ++error_total;
    if (status.throttle) {
      ++error_throttle;
    } else {
      ++error_other;
    }
  }
  if (status.fault) {
    ++fault_total;
    ++fault_other;
  }
}

void GraphStatistics::Merge(const GraphStatistics& other) {
  ok_count += other.ok_count;
  error_throttle += other.error_throttle;
  error_other += other.error_other;
  error_total += other.error_total;
  fault_other += other.fault_other;
  fault_total += other.fault_total;
  total_count += other.total_count;
  total_response_time += other.total_response_time;
}

void AddToHistogram(Histogram& histogram, double seconds) {
  if (!std::isfinite(seconds)) {
    return;
  }
  // Clamped so that a hostile document cannot overflow the conversion (about 292 years).
  const double millis = std::clamp(std::round(seconds * 1000.0), -9.2e15, 9.2e15);
  ++histogram[static_cast<std::int64_t>(millis)];
}

void MergeHistogram(Histogram& into, const Histogram& from) {
  for (const auto& [millis, count] : from) {
    into[millis] += count;
  }
}

ServiceGraphBuilder::ServiceGraphBuilder(std::optional<TimeWindow> window) : window_(window) {}

bool ServiceGraphBuilder::Counts(double start_time, const std::optional<double>& end_time) const {
  if (!window_) {
    return true;
  }
  if (end_time) {
    return *end_time >= window_->start && *end_time <= window_->end;
  }
  return start_time <= window_->end;
}

ServiceGraphBuilder::ServiceAcc& ServiceGraphBuilder::ServiceFor(const TraceNode& node) {
  auto [it, inserted] = services_.try_emplace(KeyOf(node));
  if (inserted || KindRank(node.kind) > KindRank(it->second.kind)) {
    it->second.kind = node.kind;
  }
  return it->second;
}

void ServiceGraphBuilder::Add(const TraceModel& model) {
  ++traces_;
  for (std::size_t i = 0; i < model.segments.size(); ++i) {
    const TraceSegment& segment = model.segments[i];
    if (segment.node >= model.nodes.size() || !Counts(segment.start_time, segment.end_time)) {
      continue;
    }
    ServiceAcc& service = ServiceFor(model.nodes[segment.node]);
    Widen(service.start_time, service.end_time, segment.start_time, segment.end_time);
    if (model.root_segment && *model.root_segment == i) {
      service.root = true;
    }
    if (segment.in_progress || !segment.response_time) {
      continue;  // docs/service-graph.md#statistics: in progress counts only in StartTime.
    }
    service.statistics.Add(segment.status, *segment.response_time);
    AddToHistogram(service.response_time, *segment.response_time);
    AddToHistogram(service.duration, segment.duration.value_or(*segment.response_time));
  }
  for (const TraceCall& call : model.calls) {
    if (call.from >= model.nodes.size() || call.to >= model.nodes.size() ||
        !Counts(call.start_time, call.end_time)) {
      continue;
    }
    const TraceNode& from = model.nodes[call.from];
    const TraceNode& to = model.nodes[call.to];
    ServiceFor(to);  // The destination exists even if none of its own segments is in the window.
    ServiceAcc& source = ServiceFor(from);
    if (from.kind == NodeKind::kClient) {
      Widen(source.start_time, source.end_time, call.start_time, call.end_time);
    }
    EdgeAcc& edge = source.edges[KeyOf(to)];
    Widen(edge.start_time, edge.end_time, call.start_time, call.end_time);
    if (call.in_progress || !call.response_time) {
      continue;
    }
    edge.statistics.Add(call.status, *call.response_time);
    AddToHistogram(edge.response_time, *call.response_time);
  }
}

std::vector<GraphService> ServiceGraphBuilder::Finish() const {
  std::map<NodeKey, std::size_t> index;
  std::vector<GraphService> out;
  out.reserve(services_.size());
  for (const auto& [key, acc] : services_) {
    index.emplace(key, out.size());
    GraphService& service = out.emplace_back();
    service.reference_id = static_cast<int>(out.size() - 1);
    std::tie(service.name, service.type, service.account_id) = key;
    service.kind = acc.kind;
    service.root = acc.root;
    service.start_time = acc.start_time;
    service.end_time = acc.end_time;
    service.statistics = acc.statistics;
    service.duration = acc.duration;
    service.response_time = acc.response_time;
  }
  for (const auto& [key, acc] : services_) {
    GraphService& service = out[index.at(key)];
    for (const auto& [to_key, edge_acc] : acc.edges) {
      GraphEdge& edge = service.edges.emplace_back();
      edge.to = index.at(to_key);
      edge.start_time = edge_acc.start_time;
      edge.end_time = edge_acc.end_time;
      edge.statistics = edge_acc.statistics;
      edge.response_time = edge_acc.response_time;
    }
    // Map order of keys is ReferenceId order, so edges are already ascending by destination.
  }
  return out;
}

Json StatisticsToJson(const GraphStatistics& s) {
  return Json{{"OkCount", s.ok_count},
              {"ErrorStatistics",
               {{"ThrottleCount", s.error_throttle},
                {"OtherCount", s.error_other},
                {"TotalCount", s.error_total}}},
              {"FaultStatistics", {{"OtherCount", s.fault_other}, {"TotalCount", s.fault_total}}},
              {"TotalCount", s.total_count},
              {"TotalResponseTime", std::round(s.total_response_time * 1e6) / 1e6}};
}

Json HistogramToJson(const Histogram& histogram) {
  Json out = Json::array();
  for (const auto& [millis, count] : histogram) {
    out.push_back({{"Value", static_cast<double>(millis) / 1000.0}, {"Count", count}});
  }
  return out;
}

Json ServiceToJson(const GraphService& service, const std::vector<GraphService>& all) {
  Json out = {{"ReferenceId", service.reference_id},
              {"Name", service.name},
              {"Names", Json::array({service.name})}};
  if (service.root) {
    out["Root"] = true;
  }
  if (service.account_id) {
    out["AccountId"] = *service.account_id;
  }
  if (service.type) {
    out["Type"] = *service.type;
  }
  out["State"] = service.kind == NodeKind::kReal ? "active" : "unknown";
  if (service.start_time) {
    out["StartTime"] = *service.start_time;
  }
  if (service.end_time) {
    out["EndTime"] = *service.end_time;
  }
  Json edges = Json::array();
  for (const GraphEdge& edge : service.edges) {
    Json e = {{"ReferenceId", all[edge.to].reference_id}};
    if (edge.start_time) {
      e["StartTime"] = *edge.start_time;
    }
    if (edge.end_time) {
      e["EndTime"] = *edge.end_time;
    }
    e["SummaryStatistics"] = StatisticsToJson(edge.statistics);
    e["ResponseTimeHistogram"] = HistogramToJson(edge.response_time);
    e["Aliases"] = Json::array();
    edges.push_back(std::move(e));
  }
  out["Edges"] = std::move(edges);
  if (service.kind != NodeKind::kClient) {
    out["SummaryStatistics"] = StatisticsToJson(service.statistics);
    out["DurationHistogram"] = HistogramToJson(service.duration);
    out["ResponseTimeHistogram"] = HistogramToJson(service.response_time);
  }
  return out;
}

}  // namespace xrayd::query
