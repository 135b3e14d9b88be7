#pragma once
// TraceModel -> the X-Ray TraceSummary wire object (xray-service-2.json;
// docs/api.md#gettracesummaries). Pure.

#include <nlohmann/json.hpp>

#include "query/trace_model.h"

namespace xrayd::query {

// Returns the TraceSummary object: absent optional members are omitted; timestamps are epoch
// seconds numbers; ServiceIds lists every node except the client node; MatchedEventTime is left to
// the caller (it depends on the request's time range).
[[nodiscard]] nlohmann::json TraceSummaryToJson(const TraceModel& model);

}  // namespace xrayd::query
