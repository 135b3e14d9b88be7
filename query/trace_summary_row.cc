#include "query/trace_summary_row.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "query/trace_assembler.h"
#include "query/trace_fields.h"

namespace xrayd::query {
namespace {

// Reserved keys of TraceSummaryRow::values (query/filter_sql.cc tests them).
constexpr const char* kUserKey = "$user";
constexpr const char* kAvailabilityZoneKey = "$az";
constexpr const char* kInstanceKey = "$instance";
constexpr const char* kResourceArnKey = "$arn";
constexpr const char* kServiceKey = "$service";

std::int64_t StatusFlags(const DerivedStatus& status) {
  std::int64_t flags = 0;
  if (status.ok)
    flags |= storage::kSummaryFlagOk;
  if (status.error)
    flags |= storage::kSummaryFlagError;
  if (status.fault)
    flags |= storage::kSummaryFlagFault;
  if (status.throttle)
    flags |= storage::kSummaryFlagThrottle;
  return flags;
}

std::int64_t TraceFlags(bool partial, bool inferred) {
  return (partial ? storage::kSummaryFlagPartial : 0) |
         (inferred ? storage::kSummaryFlagInferred : 0);
}

void AddValue(storage::TraceSummaryRow& row, const char* key,
              const std::optional<std::string>& value) {
  if (value) {
    row.values.emplace_back(key, *value);
  }
}

}  // namespace

storage::TraceSummaryRow SummaryRowFromModel(const TraceModel& model) {
  storage::TraceSummaryRow row;
  row.response_time = model.response_time;
  row.duration = model.duration;
  if (model.root_segment) {
    row.flags |= StatusFlags(model.segments[*model.root_segment].status);
  }
  row.flags |= TraceFlags(model.is_partial, model.has_inferred);
  if (model.http.status)
    row.http_status = *model.http.status;
  row.http_url = model.http.url;
  row.http_method = model.http.method;
  row.http_useragent = model.http.user_agent;
  row.http_clientip = model.http.client_ip;
  for (const TraceUser& user : model.users) {
    row.values.emplace_back(kUserKey, user.name);
  }
  for (const std::string& az : model.availability_zones) {
    row.values.emplace_back(kAvailabilityZoneKey, az);
  }
  for (const std::string& id : model.instance_ids) {
    row.values.emplace_back(kInstanceKey, id);
  }
  for (const std::string& arn : model.resource_arns) {
    row.values.emplace_back(kResourceArnKey, arn);
  }
  for (const TraceNode& node : model.nodes) {
    row.values.emplace_back(kServiceKey, node.name);
  }
  return row;
}

namespace {

bool Contains(const std::vector<std::uint64_t>& set, std::uint64_t id) {
  return std::find(set.begin(), set.end(), id) != set.end();
}

// The trace model's root (query/trace_graph.h): of the segments whose parent_id is absent or names
// no id in the trace, the first by (start_time, id).
const proto::SummaryInputRef* FindRoot(std::span<const proto::SummaryInputRef> docs,
                                       const std::vector<std::uint64_t>& ids) {
  const proto::SummaryInputRef* root = nullptr;
  for (const proto::SummaryInputRef& doc : docs) {
    if (doc.kind != proto::DocumentKind::kSegment ||
        (doc.has_parent && Contains(ids, doc.facts->parent_id))) {
      continue;
    }
    if (root == nullptr ||
        std::pair(doc.start_time, doc.facts->id) < std::pair(root->start_time, root->facts->id)) {
      root = &doc;
    }
  }
  return root;
}

void AddRootFacts(const proto::SummaryInputRef& root, storage::TraceSummaryRow& row) {
  const proto::SummaryFacts& facts = *root.facts;
  if (root.end_time) {
    row.response_time = RoundToMicroseconds(*root.end_time - root.start_time);
  }
  row.flags |=
      StatusFlags(internal::DeriveStatus(root.error, root.fault, root.throttle, facts.http_status));
  if (facts.http_status)
    row.http_status = *facts.http_status;
  row.http_url = facts.http_url;
  row.http_method = facts.http_method;
  row.http_useragent = facts.http_user_agent;
  row.http_clientip = facts.http_client_ip;
}

}  // namespace

// Mirrors BuildTraceModel: ids, parents and the root come from every document; a remote call
// infers a node unless a segment names it as its parent; the duration counts only documents
// stored as complete; users, zones, instances and ARNs come from segments.
std::optional<storage::TraceSummaryRow> TraceSummaryRowOf(
    std::span<const proto::SummaryInputRef> docs) {
  // Reused per thread: the writer calls this for every new trace.
  thread_local std::vector<std::uint64_t> ids;
  thread_local std::vector<std::uint64_t> segment_ids;
  thread_local std::vector<std::uint64_t> parents;  // Of segments: calls that reach a segment.
  ids.clear();
  segment_ids.clear();
  parents.clear();
  if (docs.empty()) {
    return std::nullopt;
  }
  for (const proto::SummaryInputRef& doc : docs) {
    if (doc.facts == nullptr) {
      return std::nullopt;
    }
    const proto::SummaryFacts& facts = *doc.facts;
    ids.push_back(facts.id);
    ids.insert(ids.end(), facts.embedded_ids.begin(), facts.embedded_ids.end());
    if (doc.kind == proto::DocumentKind::kSegment) {
      segment_ids.push_back(facts.id);
      segment_ids.insert(segment_ids.end(), facts.embedded_ids.begin(), facts.embedded_ids.end());
      if (doc.has_parent) {
        parents.push_back(facts.parent_id);
      }
    }
  }
  storage::TraceSummaryRow row;
  bool partial = false;
  bool inferred = false;
  double min_start = docs.front().start_time;
  std::optional<double> max_end;
  for (const proto::SummaryInputRef& doc : docs) {
    const proto::SummaryFacts& facts = *doc.facts;
    if (doc.kind == proto::DocumentKind::kSubsegment && !Contains(segment_ids, facts.parent_id)) {
      return std::nullopt;
    }
    min_start = std::min(min_start, doc.start_time);
    partial = partial || doc.in_progress;
    if (!doc.in_progress && doc.end_time) {
      max_end = max_end ? std::max(*max_end, *doc.end_time) : *doc.end_time;
    }
    for (const proto::RemoteCall& call : facts.remote_calls) {
      if (!Contains(parents, call.id)) {
        inferred = true;
        row.values.emplace_back(kServiceKey, call.service);
      }
    }
    if (doc.kind != proto::DocumentKind::kSegment) {
      continue;
    }
    row.values.emplace_back(kServiceKey, doc.name);
    AddValue(row, kUserKey, facts.user);
    AddValue(row, kAvailabilityZoneKey, facts.availability_zone);
    AddValue(row, kInstanceKey, facts.instance_id);
    AddValue(row, kResourceArnKey, facts.resource_arn);
  }
  row.duration = max_end ? RoundToMicroseconds(std::max(0.0, *max_end - min_start)) : 0.0;
  if (const proto::SummaryInputRef* root = FindRoot(docs, ids)) {
    AddRootFacts(*root, row);
  }
  row.flags |= TraceFlags(partial, inferred);
  return row;
}

std::optional<storage::TraceSummaryRow> NewTraceSummaryRow(
    std::span<const proto::Document* const> docs) {
  std::vector<proto::SummaryInputRef> inputs;
  inputs.reserve(docs.size());
  for (const proto::Document* doc : docs) {
    inputs.push_back(proto::SummaryInputOf(*doc));
  }
  return TraceSummaryRowOf(inputs);
}

}  // namespace xrayd::query
