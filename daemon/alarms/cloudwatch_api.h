#pragma once
// The CloudWatch API subset served on the TCP address (docs/alarms.md#api): PutMetricAlarm,
// DescribeAlarms, DeleteAlarms, SetAlarmState, DescribeAlarmHistory, GetMetricStatistics,
// GetMetricData and ListMetrics, for the AWS/X-Ray namespace, in RPC v2 CBOR, AWS JSON 1.0 and
// the query protocol (daemon/alarms/cloudwatch_protocol.h). Handlers run on HTTP threads.

#include <string>

#include <nlohmann/json.hpp>

#include "daemon/alarms/alarm_service.h"
#include "daemon/api/api_router.h"

namespace xrayd::daemon::alarms {

// One operation on decoded parameters: the result object, or the CloudWatch error.
// Exposed for tests; `service` must be valid.
std::pair<nlohmann::json, std::optional<ApiError>> HandleCloudWatch(AlarmService& service,
                                                                    const std::string& operation,
                                                                    const nlohmann::json& params);

// Registers POST / (JSON 1.0 and query) and POST /service/GraniteServiceVersion20100801/
// operation/<Op> (CBOR). REQUIRES: `service` outlives the router.
void RegisterCloudWatchApi(ApiRouter& router, AlarmService& service);

}  // namespace xrayd::daemon::alarms
