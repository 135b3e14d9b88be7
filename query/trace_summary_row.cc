#include "query/trace_summary_row.h"

namespace xrayd::query {

storage::TraceSummaryRow SummaryRowFromModel(const TraceModel& model) {
  storage::TraceSummaryRow row;
  row.response_time = model.response_time;
  row.duration = model.duration;
  if (model.root_segment) {
    const DerivedStatus& status = model.segments[*model.root_segment].status;
    if (status.ok)
      row.flags |= storage::kSummaryFlagOk;
    if (status.error)
      row.flags |= storage::kSummaryFlagError;
    if (status.fault)
      row.flags |= storage::kSummaryFlagFault;
    if (status.throttle)
      row.flags |= storage::kSummaryFlagThrottle;
  }
  if (model.is_partial)
    row.flags |= storage::kSummaryFlagPartial;
  if (model.has_inferred)
    row.flags |= storage::kSummaryFlagInferred;
  if (model.http.status)
    row.http_status = *model.http.status;
  row.http_url = model.http.url;
  row.http_method = model.http.method;
  row.http_useragent = model.http.user_agent;
  row.http_clientip = model.http.client_ip;
  for (const TraceUser& user : model.users) {
    row.values.emplace_back("$user", user.name);
  }
  for (const std::string& az : model.availability_zones) {
    row.values.emplace_back("$az", az);
  }
  for (const std::string& id : model.instance_ids) {
    row.values.emplace_back("$instance", id);
  }
  for (const std::string& arn : model.resource_arns) {
    row.values.emplace_back("$arn", arn);
  }
  for (const TraceNode& node : model.nodes) {
    row.values.emplace_back("$service", node.name);
  }
  return row;
}

}  // namespace xrayd::query
