#include "query/inferred_segments.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace xrayd::query {
namespace {

using Json = nlohmann::ordered_json;

Json InferredDocument(const TraceModel& model, const TraceSegment& segment) {
  Json doc;
  doc["id"] = segment.id;
  doc["name"] = model.nodes[segment.node].name;
  doc["start_time"] = segment.start_time;
  doc["trace_id"] = model.id;
  if (segment.end_time) {
    doc["end_time"] = *segment.end_time;
  } else {
    doc["in_progress"] = true;
  }
  doc["parent_id"] = segment.parent_id;
  Json http = Json::object();
  if (segment.http.method)
    http["request"]["method"] = *segment.http.method;
  if (segment.http.url)
    http["request"]["url"] = *segment.http.url;
  if (segment.http.status)
    http["response"]["status"] = *segment.http.status;
  if (!http.empty())
    doc["http"] = std::move(http);
  if (segment.status.fault)
    doc["fault"] = true;
  if (segment.status.error)
    doc["error"] = true;
  if (segment.status.throttle)
    doc["throttle"] = true;
  doc["inferred"] = true;
  if (!segment.aws.empty()) {
    Json aws = Json::parse(segment.aws, nullptr, /*allow_exceptions=*/false);
    if (aws.is_object())
      doc["aws"] = std::move(aws);
  }
  if (const auto& type = model.nodes[segment.node].type)
    doc["origin"] = *type;
  return doc;
}

}  // namespace

void AppendInferredSegments(const TraceModel& model, nlohmann::json& trace) {
  nlohmann::json& segments = trace["Segments"];
  if (!segments.is_array()) {
    segments = nlohmann::json::array();
  }
  struct Keyed {
    double start_time;
    std::string id;
    nlohmann::json entry;
  };
  std::vector<Keyed> entries;
  for (nlohmann::json& entry : segments) {
    double start = 0;
    const Json doc = Json::parse(entry.value("Document", std::string()), nullptr, false);
    if (doc.is_object() && doc.contains("start_time") && doc["start_time"].is_number()) {
      start = doc["start_time"].get<double>();
    }
    entries.push_back({start, entry.value("Id", std::string()), std::move(entry)});
  }
  for (const TraceSegment& segment : model.segments) {
    if (!segment.inferred)
      continue;
    const Json doc = InferredDocument(model, segment);
    entries.push_back({segment.start_time,
                       segment.id,
                       {{"Id", segment.id},
                        {"Document", doc.dump(-1, ' ', false, Json::error_handler_t::replace)}}});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Keyed& a, const Keyed& b) {
    return std::tie(a.start_time, a.id) < std::tie(b.start_time, b.id);
  });
  segments = nlohmann::json::array();
  for (Keyed& keyed : entries) {
    segments.push_back(std::move(keyed.entry));
  }
}

}  // namespace xrayd::query
