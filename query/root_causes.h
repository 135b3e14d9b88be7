#pragma once
// Internal to the trace model: the [local] root-cause heuristic of docs/api.md#gettracesummaries
// over the entity tree of query/trace_graph.h. Pure, thread-safe.

#include "query/trace_graph.h"
#include "query/trace_model.h"

namespace xrayd::query::internal {

// Fills model->fault_root_causes, error_root_causes and response_time_root_causes (each at most one
// element: the descent below follows one path, so there is one leaf).
// Fault/error: from the root segment, descend into the child (subsegment, or the downstream segment
// of a call) whose subtree holds the kind, preferring the latest-ending, until the entity has no
// such child. [local] Services = the services along that path (entry first, root-cause service
// last, as the DG rootcause.json example lists them), each with the entities of the path inside it;
// every entity carries its cause.exceptions {type, message}; Remote = namespace aws/remote, an
// exception with remote true, or an inferred segment (which carries no exceptions: they are on its
// caller). ClientImpacting = the root segment has the kind. Nothing when no entity has the kind.
// Response time: [local] from the root, descend into the child with the largest response time;
// Coverage = entity response time / root response time; ClientImpacting true. Nothing without a
// complete root segment.
// REQUIRES: model != nullptr; `tree` built by BuildGraph for *model.
void ComputeRootCauses(const TraceTree& tree, TraceModel* model);

}  // namespace xrayd::query::internal
