#pragma once
// DescribeAlarms and DescribeAlarmHistory (docs/alarms.md#api), with CloudWatch's paging:
// MaxRecords 1..100 (default 50 for DescribeAlarms, 100 for DescribeAlarmHistory) and an opaque
// NextToken that resumes after the last item returned, so items added or deleted meanwhile never
// repeat or shift a page. A token of the other operation, or one that is not ours, is
// InvalidNextToken. Handlers for cloudwatch_api.cc; `service` must be valid.

#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "daemon/alarms/alarm_model.h"
#include "daemon/alarms/alarm_service.h"

namespace xrayd::daemon::alarms {

// Alarms by name, filtered by AlarmNames, AlarmNamePrefix and StateValue.
std::pair<nlohmann::json, std::optional<ApiError>> DescribeAlarms(AlarmService& service,
                                                                  const nlohmann::json& params);

// History items newest first (ScanBy TimestampAscending: oldest first), filtered by AlarmName,
// HistoryItemType, StartDate and EndDate.
std::pair<nlohmann::json, std::optional<ApiError>> DescribeAlarmHistory(
    AlarmService& service, const nlohmann::json& params);

}  // namespace xrayd::daemon::alarms
