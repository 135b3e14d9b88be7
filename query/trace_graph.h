#pragma once
// Internal to the trace model: assembled segment documents -> the service graph of
// docs/service-graph.md (nodes, real and inferred segments, calls) plus an entity tree that the
// root-cause heuristic walks. Pure, thread-safe; never throws on document content.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "query/trace_model.h"

namespace xrayd::query::internal {

// One segment (real or inferred) or subsegment.
struct Entity {
  const nlohmann::ordered_json* json =
      nullptr;  // The (sub)segment object; for an inferred segment, the
                // caller subsegment it was inferred from.
  std::string name;
  double start_time = 0;
  std::optional<double> end_time;
  DerivedStatus status;
  bool segment = false;  // A real or inferred segment (else a subsegment).
  bool inferred = false;
  bool remote_call = false;  // Subsegment with namespace aws or remote.
  std::size_t node = 0;      // Owning node: a subsegment belongs to its segment's node.
  // Subsegments, and downstream segments: of a call, or ([local]) of a segment whose id another
  // segment names as parent_id. Duplicate ids on hostile input can make this graph cyclic.
  std::vector<std::size_t> children;
};

struct TraceTree {
  std::vector<nlohmann::ordered_json> documents;  // Assembled documents; entities point into them.
  std::vector<Entity> entities;                   // Real segments first, in model->segments order.
  std::optional<std::size_t> root;                // Entity of the root segment.
};

// Builds model->nodes, segments, calls, root_segment, entry_point and has_inferred from
// `documents` (assembled as AssembleTrace does, ordered by (start_time, id)). Documents that are
// not objects or are orphan subsegments ("type":"subsegment") join no graph. Inferred segment ids
// are [local] FNV-1a 64 of trace_id + caller id, as 16 hex digits.
// REQUIRES: model != nullptr, its graph members empty.
[[nodiscard]] TraceTree BuildGraph(std::string_view trace_id,
                                   std::vector<nlohmann::ordered_json> documents,
                                   TraceModel* model);

}  // namespace xrayd::query::internal
