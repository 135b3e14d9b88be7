#pragma once
// Trace assembly for reads: stored documents of one trace -> the BatchGetTraces `Trace` object
// (docs/api.md#batchgettraces, docs/segment-document.md#trace-assembly). Pure functions: no I/O,
// thread-safe, never throw on document content.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/trace_store.h"

namespace xrayd::query {

// Returns {"Id", "Duration", "LimitExceeded": false, "Segments": [{"Id", "Document"}]}.
// Each Segments entry is one segment document, compiled as X-Ray does (docs/api.md#batchgettraces):
// every independent subsegment is appended to its parent's "subsegments" array (the parent may be a
// segment, an embedded subsegment or another independent subsegment), without its "type",
// "trace_id" and "parent_id"; embedded subsegments keep their order and appended ones follow, by
// (start_time, id). Segments are ordered by (start_time, id). [local] An independent subsegment
// whose parent never arrived (or that sits on a parent cycle) is returned as its own entry,
// unchanged, with Id = its id. A stored document that is not a JSON object is returned verbatim as
// its own entry. The result depends only on the set of documents, not on their order in `docs`.
// Duration = max(end_time) - min(start_time); in-progress documents contribute their start only;
// 0 when no document is complete; rounded to the microsecond (epoch-second doubles carry ~1e-7 of
// noise: 1478293361.449 - 1478293361.271 is 0.17799997 before rounding). LimitExceeded is left
// false: the caller owns the size limit. Inferred segments (docs/service-graph.md#inferred-nodes)
// are not generated here.
[[nodiscard]] nlohmann::json AssembleTrace(std::string_view trace_id,
                                           std::span<const storage::StoredDocument> docs);

// A top-level entry of an assembled trace: a segment (or orphan subsegment) with its independent
// subsegments attached, as a JSON tree.
struct AssembledSegment {
  double start_time = 0;
  std::string id;
  nlohmann::ordered_json document;  // Discarded (is_discarded) if the stored text was not JSON.
  std::string raw;                  // The stored text, set only for documents that are not objects.
};

// AssembleTrace's Duration: max(end_time) - min(start_time), in-progress documents contributing
// their start only; 0 when no document is complete; rounded to the microsecond.
[[nodiscard]] double TraceDuration(std::span<const storage::StoredDocument> docs);

// AssembleTrace's Segments as trees, in the same order. `parsed[i]` must be docs[i].raw parsed
// (nlohmann::ordered_json::parse without exceptions); it is consumed. For callers that parse the
// documents once for several purposes (query/trace_model.cc).
[[nodiscard]] std::vector<AssembledSegment> AssembleSegments(
    std::span<const storage::StoredDocument> docs, std::vector<nlohmann::ordered_json> parsed);

// One traces row for the CLI list output: {"Id", "StartTime", "EndTime", "Duration", "UpdatedAt",
// "Documents", "IsPartial", "Revision", "Name"}. Duration is 0 until some document is complete.
[[nodiscard]] nlohmann::json SummarizeTraceInfo(const storage::TraceInfo& info);

// `seconds` rounded to 6 decimals: how durations are reported.
[[nodiscard]] double RoundToMicroseconds(double seconds);

}  // namespace xrayd::query
