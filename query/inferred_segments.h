#pragma once
// Inferred segments as BatchGetTraces returns them (docs/api.md#batchgettraces,
// docs/service-graph.md#inferred-nodes): X-Ray adds to a trace's Segments one generated document
// per downstream call to an AWS service or remote endpoint that has no segment of its own
// ({"id","name","start_time","end_time","parent_id","inferred":true, "http","aws","origin",...}).
// Pure.

#include <nlohmann/json.hpp>

#include "query/trace_model.h"

namespace xrayd::query {

// Appends the inferred segments of `model` to `trace["Segments"]` (an AssembleTrace result) and
// keeps the entries ordered by (start_time, Id).
void AppendInferredSegments(const TraceModel& model, nlohmann::json& trace);

}  // namespace xrayd::query
