#include "daemon/alarms/cloudwatch_describe.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "daemon/alarms/cloudwatch_params.h"
#include "daemon/alarms/cloudwatch_protocol.h"
#include "proto/base64url.h"

namespace xrayd::daemon::alarms {
namespace {

using Json = nlohmann::json;
using Outcome = std::pair<Json, std::optional<ApiError>>;

constexpr char kAlarmsTokenTag[] = "alarms:";
constexpr char kHistoryTokenTag[] = "history:";

Outcome Error(std::string code, std::string message, int status = 400) {
  return {Json::object(), ApiError{status, std::move(code), std::move(message)}};
}

Outcome InvalidToken() {
  return Error("InvalidNextToken",
               "The service couldn't process your request because the "
               "NextToken is not valid.");
}

// MaxRecords, or the ValidationError CloudWatch gives for a value outside 1..100.
std::pair<std::size_t, std::optional<ApiError>> MaxRecords(const Json& params,
                                                           std::size_t fallback) {
  if (!HasParam(params, "MaxRecords")) {
    return {fallback, std::nullopt};
  }
  const auto value = NumberParam(params, "MaxRecords");
  if (value && IntegerInRange(*value, 1, 100)) {
    return {static_cast<std::size_t>(*value), std::nullopt};
  }
  std::string shown = params["MaxRecords"].is_string() ? params["MaxRecords"].get<std::string>()
                                                       : params["MaxRecords"].dump();
  const bool low = value && *value < 1;
  return {0,
          ApiError{400, "ValidationError",
                   "1 validation error detected: Value '" + shown +
                       "' at 'maxRecords' failed to satisfy constraint: Member must have value " +
                       (low ? "greater than or equal to 1" : "less than or equal to 100")}};
}

std::string Token(const char* tag, const std::string& cursor) {
  return proto::Base64UrlEncode(tag + cursor);
}

// The cursor inside a token made by Token(tag, ...); nullopt for any other token.
std::optional<std::string> Cursor(const std::string& token, const char* tag) {
  auto decoded = proto::Base64UrlDecode(token);
  const std::string prefix = tag;
  if (!decoded || decoded->rfind(prefix, 0) != 0) {
    return std::nullopt;
  }
  return decoded->substr(prefix.size());
}

Json MetricAlarmJson(const AlarmService& service, const storage::AlarmRecord& record,
                     const AlarmDefinition& d) {
  Json alarm = DefinitionToJson(d);
  alarm["AlarmArn"] = service.AlarmArn(d.name);
  alarm["AlarmConfigurationUpdatedTimestamp"] = Timestamp(record.configuration_updated);
  alarm["StateValue"] = record.state;
  alarm["StateReason"] = record.state_reason;
  if (!record.state_reason_data.empty()) {
    alarm["StateReasonData"] = record.state_reason_data;
  }
  alarm["StateUpdatedTimestamp"] = Timestamp(record.state_updated);
  alarm["StateTransitionedTimestamp"] = Timestamp(record.state_updated);
  return alarm;
}

Outcome StateValueError(const std::string& state) {
  return Error("ValidationError",
               "1 validation error detected: Value '" + state +
                   "' at 'stateValue' failed to satisfy constraint: Member must satisfy enum "
                   "value set: [INSUFFICIENT_DATA, ALARM, OK]");
}

}  // namespace

Outcome DescribeAlarms(AlarmService& service, const Json& params) {
  const std::vector<std::string> names = StringsParam(params, "AlarmNames");
  const std::string prefix = TextParam(params, "AlarmNamePrefix").value_or("");
  const std::string state = TextParam(params, "StateValue").value_or("");
  if (!names.empty() && !prefix.empty()) {
    return Error("InvalidParameterCombination",
                 "AlarmNames and AlarmNamePrefix cannot be given together.");
  }
  if (!state.empty() && !ParseState(state)) {
    return StateValueError(state);
  }
  auto [max, max_error] = MaxRecords(params, 50);
  if (max_error) {
    return {Json::object(), max_error};
  }
  std::optional<std::string> after;
  if (auto token = TextParam(params, "NextToken")) {
    after = Cursor(*token, kAlarmsTokenTag);
    if (!after) {
      return InvalidToken();
    }
  }
  auto records = service.Store().ListAlarms();  // By name.
  if (!records) {
    return Error("InternalServiceError", records.error().message, 500);
  }
  Json alarms = Json::array();
  std::string last;
  bool more = false;
  for (const storage::AlarmRecord& record : *records) {
    if ((after && record.name <= *after) ||
        (!names.empty() && std::find(names.begin(), names.end(), record.name) == names.end()) ||
        record.name.rfind(prefix, 0) != 0 || (!state.empty() && record.state != state)) {
      continue;
    }
    auto definition = DefinitionFromJson(Json::parse(record.definition, nullptr, false));
    if (!definition) {
      continue;
    }
    if (alarms.size() == max) {
      more = true;
      break;
    }
    alarms.push_back(MetricAlarmJson(service, record, *definition));
    last = record.name;
  }
  Json result = {{"MetricAlarms", alarms}, {"CompositeAlarms", Json::array()}};
  if (more) {
    result["NextToken"] = Token(kAlarmsTokenTag, last);
  }
  return {result, std::nullopt};
}

Outcome DescribeAlarmHistory(AlarmService& service, const Json& params) {
  storage::HistoryQuery query;
  query.alarm_name = TextParam(params, "AlarmName");
  query.type = TextParam(params, "HistoryItemType");
  if (query.type && *query.type != "ConfigurationUpdate" && *query.type != "StateUpdate" &&
      *query.type != "Action") {
    return Error("ValidationError",
                 "HistoryItemType must be ConfigurationUpdate, StateUpdate or Action");
  }
  const std::string scan = TextParam(params, "ScanBy").value_or("TimestampDescending");
  if (scan != "TimestampDescending" && scan != "TimestampAscending") {
    return Error("ValidationError",
                 "1 validation error detected: Value '" + scan +
                     "' at 'scanBy' failed to satisfy constraint: Member must satisfy enum value "
                     "set: [TimestampDescending, TimestampAscending]");
  }
  query.ascending = scan == "TimestampAscending";
  if (auto it = params.find("StartDate"); it != params.end()) {
    query.start = ParseTimestamp(*it).value_or(0);
  }
  if (auto it = params.find("EndDate"); it != params.end()) {
    query.end = ParseTimestamp(*it).value_or(1e300);
  }
  auto [max, max_error] = MaxRecords(params, 100);
  if (max_error) {
    return {Json::object(), max_error};
  }
  if (auto token = TextParam(params, "NextToken")) {
    auto cursor = Cursor(*token, kHistoryTokenTag);
    double timestamp = 0;
    long long id = 0;
    char tail = 0;
    if (!cursor || std::sscanf(cursor->c_str(), "%lf/%lld%c", &timestamp, &id, &tail) != 2 ||
        !std::isfinite(timestamp)) {
      return InvalidToken();
    }
    query.after = std::make_pair(timestamp, static_cast<std::int64_t>(id));
  }
  query.limit = max + 1;  // One more tells whether there is a next page.
  auto items = service.Store().History(query);
  if (!items) {
    return Error("InternalServiceError", items.error().message, 500);
  }
  Json out = Json::array();
  for (std::size_t i = 0; i < items->size() && i < max; ++i) {
    const storage::AlarmHistoryRecord& item = (*items)[i];
    out.push_back({{"AlarmName", item.alarm_name},
                   {"AlarmType", "MetricAlarm"},
                   {"Timestamp", Timestamp(item.timestamp)},
                   {"HistoryItemType", item.type},
                   {"HistorySummary", item.summary},
                   {"HistoryData", item.data}});
  }
  Json result = {{"AlarmHistoryItems", out}};
  if (items->size() > max) {
    const storage::AlarmHistoryRecord& last = (*items)[max - 1];
    char cursor[64];
    std::snprintf(cursor, sizeof cursor, "%.17g/%lld", last.timestamp,
                  static_cast<long long>(last.id));
    result["NextToken"] = Token(kHistoryTokenTag, cursor);
  }
  return {result, std::nullopt};
}

}  // namespace xrayd::daemon::alarms
