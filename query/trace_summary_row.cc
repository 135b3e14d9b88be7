#include "query/trace_summary_row.h"

#include <algorithm>

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

// Mirrors BuildTraceModel for one segment document: it is the root segment, its node and the
// client node carry its name, each aws/remote subsegment adds an inferred node, and the trace's
// duration counts only documents stored as complete (subsegments included).
std::optional<storage::TraceSummaryRow> SoleDocumentSummaryRow(const proto::Document& doc) {
  if (!doc.sole_trace) {
    return std::nullopt;
  }
  const proto::SoleTraceFacts& facts = *doc.sole_trace;
  storage::TraceSummaryRow row;
  if (doc.end_time) {
    row.response_time = RoundToMicroseconds(*doc.end_time - doc.start_time);
  }
  row.duration = doc.in_progress || !doc.end_time
                     ? 0.0
                     : RoundToMicroseconds(std::max(0.0, *doc.end_time - doc.start_time));
  row.flags =
      StatusFlags(internal::DeriveStatus(doc.error, doc.fault, doc.throttle, facts.http_status)) |
      TraceFlags(doc.in_progress, !facts.inferred_services.empty());
  if (facts.http_status)
    row.http_status = *facts.http_status;
  row.http_url = facts.http_url;
  row.http_method = facts.http_method;
  row.http_useragent = facts.http_user_agent;
  row.http_clientip = facts.http_client_ip;
  AddValue(row, kUserKey, facts.user);
  AddValue(row, kAvailabilityZoneKey, facts.availability_zone);
  AddValue(row, kInstanceKey, facts.instance_id);
  AddValue(row, kResourceArnKey, facts.resource_arn);
  row.values.emplace_back(kServiceKey, doc.name);
  for (const std::string& service : facts.inferred_services) {
    row.values.emplace_back(kServiceKey, service);
  }
  return row;
}

}  // namespace xrayd::query
