#pragma once
// TraceModel: one stored trace compiled into what the filter language (docs/filter-language.md) and
// the X-Ray API (TraceSummary, docs/api.md#gettracesummaries; graph, docs/service-graph.md) need.
// Plain values, no references into the input: safe to copy and move across threads. Built by a pure
// function; nothing here does I/O.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/document.h"
#include "storage/trace_store.h"

namespace xrayd::query {

// Derived status of a segment or call (docs/segment-document.md#errors-faults-and-causes): flags
// win, http status is the fallback.
struct DerivedStatus {
  bool ok = true;
  bool error = false;     // error || throttle || 4xx.
  bool fault = false;     // fault || 5xx.
  bool throttle = false;  // throttle || 429.
};

// http.request.* / http.response.status; each member absent when the document lacks it.
struct HttpFields {
  std::optional<std::string> url;
  std::optional<int> status;
  std::optional<std::string> method;
  std::optional<std::string> user_agent;
  std::optional<std::string> client_ip;
};

enum class NodeKind { kReal, kInferred, kClient };

// A service-graph node (docs/service-graph.md): identity (name, type, account id) plus its kind.
// Type is the segment origin for real nodes, "AWS::..." or "remote" for inferred ones, "client" for
// client.
struct TraceNode {
  std::string name;
  std::optional<std::string> type;
  std::optional<std::string> account_id;
  NodeKind kind = NodeKind::kReal;
};

// A segment as seen by a service(){} block: one per real segment, one per inferred segment.
struct TraceSegment {
  std::size_t node = 0;  // Index into TraceModel::nodes.
  std::string id;
  std::string name;
  DerivedStatus status;
  bool in_progress = false;  // The segment or one of its subsegments is in progress.
  bool inferred = false;
  bool root = false;
  double start_time = 0;
  std::optional<double> end_time;       // Absent when in progress.
  std::optional<double> response_time;  // end - start; absent when in progress.
  std::optional<double> duration;       // Latest end over it and its subsegments - start.
  HttpFields http;
  std::optional<std::string> user;
  // Inferred segments only: the id of the aws/remote subsegment that made the call, and that
  // subsegment's "aws" object as JSON text (empty when it has none).
  std::string parent_id;
  std::string aws;
  // Real segments only: resource_arn, aws.ec2.instance_id, aws.ec2.availability_zone.
  std::optional<std::string> resource_arn;
  std::optional<std::string> instance_id;
  std::optional<std::string> availability_zone;
};

// A call as seen by an edge(){} block: the caller's aws/remote subsegment, or for the client edge
// the root segment.
struct TraceCall {
  std::size_t from = 0;  // Node indexes.
  std::size_t to = 0;
  std::string caller_id;  // Subsegment id, or the root segment id for the client call.
  DerivedStatus status;
  bool in_progress = false;
  double start_time = 0;
  std::optional<double> end_time;
  std::optional<double> response_time;
  HttpFields http;
};

struct AnnotationValueWithNodes {
  proto::AnnotationValue value;
  std::vector<std::size_t> nodes;  // Ascending node indexes.
};

struct TraceAnnotation {
  std::string key;
  std::vector<AnnotationValueWithNodes> values;  // Distinct typed values, first-seen order.
};

struct TraceUser {
  std::string name;
  std::vector<std::size_t> nodes;  // Ascending node indexes.
};

struct RootCauseException {
  std::string name;  // Exception "type".
  std::optional<std::string> message;
};

struct RootCauseEntity {
  std::string name;
  std::vector<RootCauseException> exceptions;  // Fault/error root causes only.
  std::optional<double> coverage;              // Response-time root causes only.
  bool remote = false;
};

struct RootCauseService {
  std::size_t node = 0;  // Name/Names/Type/AccountId come from the node.
  bool inferred = false;
  std::vector<RootCauseEntity> entity_path;
};

struct RootCause {
  std::vector<RootCauseService> services;  // Entry service first, root-cause service last.
  bool client_impacting = false;
};

struct TraceModel {
  // TraceSummary (docs/api.md#gettracesummaries).
  std::string id;
  double start_time = 0;                // Earliest start_time of any document.
  double duration = 0;                  // max(end) - min(start), microseconds; 0 if none complete.
  std::optional<double> response_time;  // Root segment end - start; absent without a complete root.
  bool has_fault = false;               // Root segment derived status.
  bool has_error = false;
  bool has_throttle = false;  // Any document (top level) is a throttle.
  bool is_partial = false;    // Any document in progress.
  HttpFields http;            // Root segment's.
  std::vector<TraceAnnotation>
      annotations;  // First 50 valid keys (docs/segment-document.md#annotations).
  std::vector<TraceUser> users;
  std::vector<std::string> resource_arns;  // Distinct, first-seen order (segments by start, id).
  std::vector<std::string> instance_ids;
  std::vector<std::string> availability_zones;
  std::optional<std::size_t> entry_point;  // Node of the root segment.
  std::int64_t revision = 0;               // [local] number of stored documents.
  bool has_inferred = false;
  std::vector<RootCause> fault_root_causes;
  std::vector<RootCause> error_root_causes;
  std::vector<RootCause> response_time_root_causes;

  // Graph (docs/service-graph.md).
  std::vector<TraceNode> nodes;        // Real nodes first-seen, inferred nodes, then the client.
  std::vector<TraceSegment> segments;  // Real segments by (start, id), then inferred segments.
  std::vector<TraceCall> calls;        // The client call first, then calls in walk order.
  std::optional<std::size_t> root_segment;  // Index into segments.
};

// Compiles the documents of one trace (any order; the result depends only on the set, except the
// 50-key annotation limit, which follows the order of `docs` as
// docs/segment-document.md#annotations does). Independent subsegments are first attached to their
// parents (AssembleTrace). Documents that are not JSON objects are ignored; never throws on
// document content.
[[nodiscard]] TraceModel BuildTraceModel(std::string_view trace_id,
                                         std::span<const storage::StoredDocument> docs);

}  // namespace xrayd::query
