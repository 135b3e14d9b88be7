#pragma once
// Internal to proto/ (includes simdjson): reads the members of Document::summary_facts
// (proto/document.h) from a decoded segment and its embedded subsegments, with the rules the trace
// model applies to the stored JSON (query/trace_fields.h, query/trace_graph.h): a repeated key's
// last value wins, and a value of the wrong type counts as absent. Stateless.

#include <simdjson.h>

#include <string>
#include <string_view>

#include "proto/document.h"
#include "proto/entity_fields.h"

namespace xrayd::proto::internal {

// Fills the facts a segment's own fields give: http, user, resource_arn, aws.ec2.*.
// REQUIRES: facts != nullptr.
void ReadSegmentFacts(const EntityFields& fields, SummaryFacts* facts);

// The name of the service-graph node inferred from an embedded subsegment of namespace "aws"
// (`aws`) or "remote" named `name` (docs/service-graph.md#inferred-nodes): the DynamoDB table, the
// SQS queue (last path segment of its URL), the first resource name, else `name`.
[[nodiscard]] std::string InferredServiceName(const EntityFields& fields, std::string_view name,
                                              bool aws);

}  // namespace xrayd::proto::internal
