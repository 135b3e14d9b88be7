#include "daemon/alarms/cloudwatch_api.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "daemon/alarms/cloudwatch_describe.h"
#include "daemon/alarms/cloudwatch_params.h"
#include "daemon/alarms/cloudwatch_protocol.h"

namespace xrayd::daemon::alarms {
namespace {

using Json = nlohmann::json;
using Outcome = std::pair<Json, std::optional<ApiError>>;

constexpr const char* kOperations[] = {
    "PutMetricAlarm",       "DescribeAlarms",      "DeleteAlarms",  "SetAlarmState",
    "DescribeAlarmHistory", "GetMetricStatistics", "GetMetricData", "ListMetrics",
};

Outcome Error(std::string code, std::string message, int status = 400) {
  return {Json::object(), ApiError{status, std::move(code), std::move(message)}};
}

Outcome Missing(const char* parameter) {
  return Error("MissingParameter", std::string("The parameter ") + parameter + " is required.");
}

// A timestamp parameter, or nullopt when absent or unreadable.
std::optional<double> TimeParam(const Json& params, const char* key) {
  auto it = params.find(key);
  if (it == params.end()) {
    return std::nullopt;
  }
  return ParseTimestamp(*it);
}

// The group of a metric given as Namespace/MetricName/Dimensions; an error for any other metric.
std::pair<std::string, std::optional<ApiError>> GroupOf(const Json& metric) {
  const std::string ns = TextParam(metric, "Namespace").value_or("");
  const std::string name = TextParam(metric, "MetricName").value_or("");
  if (ns.empty()) {
    return {"", ApiError{400, "MissingParameter", "The parameter Namespace is required."}};
  }
  if (name.empty()) {
    return {"", ApiError{400, "MissingParameter", "The parameter MetricName is required."}};
  }
  if (ns != kXrayNamespace || name != kTraceCountMetric) {
    return {"", std::nullopt};  // A metric without data: empty results, as CloudWatch answers.
  }
  auto dims = metric.find("Dimensions");
  if (dims != metric.end() && dims->is_array()) {
    for (const auto& d : *dims) {
      if (d.is_object() && TextParam(d, "Name").value_or("") == kGroupDimension) {
        return {TextParam(d, "Value").value_or(""), std::nullopt};
      }
    }
  }
  return {"", std::nullopt};
}

Outcome PutMetricAlarm(AlarmService& service, const Json& params) {
  auto [definition, error] = ParsePutMetricAlarm(params);
  if (!definition) {
    return {Json::object(), error};
  }
  if (Status s = service.Put(*definition); !s) {
    return Error("InternalServiceError", s.error().message, 500);
  }
  return {Json::object(), std::nullopt};
}

Outcome DeleteAlarms(AlarmService& service, const Json& params) {
  std::vector<std::string> names = StringsParam(params, "AlarmNames");
  if (names.empty()) {
    return Missing("AlarmNames");
  }
  std::vector<std::string> unknown;
  for (const std::string& name : names) {
    if (!service.Store().FindAlarm(name)) {
      unknown.push_back(name);
    }
  }
  if (!unknown.empty()) {
    std::string list;
    for (const std::string& name : unknown) {
      list += (list.empty() ? "" : ", ") + name;
    }
    return Error("ResourceNotFound",
                 std::to_string(unknown.size()) + " of the alarms were not found: " + list, 404);
  }
  for (const std::string& name : names) {
    (void)service.Store().DeleteAlarm(name);
  }
  return {Json::object(), std::nullopt};
}

Outcome SetAlarmState(AlarmService& service, const Json& params) {
  auto name = TextParam(params, "AlarmName");
  if (!name) {
    return Missing("AlarmName");
  }
  auto state_text = TextParam(params, "StateValue");
  if (!state_text) {
    return Missing("StateValue");
  }
  auto reason = TextParam(params, "StateReason");
  if (!reason) {
    return Missing("StateReason");
  }
  auto state = ParseState(*state_text);
  if (!state) {
    return Error("ValidationError",
                 "1 validation error detected: Value '" + *state_text +
                     "' at 'stateValue' failed to satisfy constraint: Member must satisfy enum "
                     "value set: [INSUFFICIENT_DATA, ALARM, OK]");
  }
  std::string data = TextParam(params, "StateReasonData").value_or("");
  if (!data.empty() && Json::parse(data, nullptr, false).is_discarded()) {
    return Error("InvalidFormat", "StateReasonData is not valid JSON.");
  }
  if (Status s = service.SetState(*name, *state, *reason, data); !s) {
    if (s.error().code == ErrorCode::kNotFound) {
      return Error("ResourceNotFound", "Alarm " + *name + " not found", 404);
    }
    return Error("InternalServiceError", s.error().message, 500);
  }
  return {Json::object(), std::nullopt};
}

// Aggregates the group's samples into periods of [start, end) that have data, oldest first.
std::vector<PeriodValue> Periods(AlarmService& service, const std::string& group, double start,
                                 double end, std::int64_t period, Statistic statistic) {
  std::vector<PeriodValue> out;
  if (group.empty()) {
    return out;
  }
  std::vector<Sample> samples = service.GroupSamples(group, start, end);
  std::sort(samples.begin(), samples.end(),
            [](const Sample& a, const Sample& b) { return a.timestamp < b.timestamp; });
  // Walks the samples, not the periods: a 1 s period over a year is 3e7 periods, mostly empty.
  const double p = static_cast<double>(period);
  const double first = std::floor(start / p) * p;
  std::vector<double> values;
  double current = 0;
  auto close = [&] {
    if (!values.empty()) {
      out.push_back({current, Aggregate(statistic, values), values.size()});
      values.clear();
    }
  };
  for (const Sample& s : samples) {
    const double t = std::floor(s.timestamp / p) * p;
    if (t < first || t >= end) {
      continue;
    }
    if (!values.empty() && t != current) {
      close();
    }
    current = t;
    values.push_back(s.value);
  }
  close();
  return out;
}

std::optional<ApiError> CheckPeriod(std::optional<double> period) {
  if (!period) {
    return ApiError{400, "MissingParameter", "The parameter Period is required."};
  }
  // At most a year, so that a period and the loops over periods stay far from overflow.
  const auto p = IntegerInRange(*period, 1, 366LL * 86400);
  if (!p || (*p != 1 && *p != 5 && *p != 10 && *p != 30 && *p % 60 != 0)) {
    return ApiError{400, "InvalidParameterValue",
                    "The parameter Period must be 1, 5, 10, 30 or a multiple of 60."};
  }
  return std::nullopt;
}

Outcome GetMetricStatistics(AlarmService& service, const Json& params) {
  auto start_param = TimeParam(params, "StartTime");
  auto end_param = TimeParam(params, "EndTime");
  if (!start_param) {
    return Missing("StartTime");
  }
  if (!end_param) {
    return Missing("EndTime");
  }
  const double start_time = *start_param;
  const double end_time = *end_param;
  const double* start = &start_time;
  const double* end = &end_time;
  auto period = NumberParam(params, "Period");
  if (auto error = CheckPeriod(period)) {
    return {Json::object(), error};
  }
  std::vector<std::string> statistics = StringsParam(params, "Statistics");
  if (statistics.empty() && !params.contains("ExtendedStatistics")) {
    return Error("MissingParameter", "The parameter Statistics or ExtendedStatistics is required.");
  }
  for (const std::string& s : statistics) {
    if (!ParseStatistic(s)) {
      return Error("InvalidParameterValue",
                   "The parameter Statistics contains " + s + ", which is not a statistic.");
    }
  }
  if (*end <= *start) {
    return Error("InvalidParameterValue", "The parameter StartTime must be before EndTime.");
  }
  auto [group, error] = GroupOf(params);
  if (error) {
    return {Json::object(), error};
  }
  Json datapoints = Json::array();
  const auto p = static_cast<std::int64_t>(*period);
  std::vector<PeriodValue> sums = Periods(service, group, *start, *end, p, Statistic::kSum);
  for (const PeriodValue& base : sums) {
    Json point = {{"Timestamp", Timestamp(base.start)}, {"Unit", "Count"}};
    for (const std::string& s : statistics) {
      auto values = Periods(service, group, base.start, base.start + static_cast<double>(p), p,
                            *ParseStatistic(s));
      point[s] = values.empty() ? 0.0 : *values.front().value;
    }
    datapoints.push_back(point);
  }
  return {Json{{"Label", TextParam(params, "MetricName").value_or("")}, {"Datapoints", datapoints}},
          std::nullopt};
}

Outcome GetMetricData(AlarmService& service, const Json& params) {
  auto start_param = TimeParam(params, "StartTime");
  auto end_param = TimeParam(params, "EndTime");
  if (!start_param) {
    return Missing("StartTime");
  }
  if (!end_param) {
    return Missing("EndTime");
  }
  const double start_time = *start_param;
  const double end_time = *end_param;
  const double* start = &start_time;
  const double* end = &end_time;
  auto queries = params.find("MetricDataQueries");
  if (queries == params.end() || !queries->is_array() || queries->empty()) {
    return Missing("MetricDataQueries");
  }
  const bool ascending = TextParam(params, "ScanBy").value_or("") == "TimestampAscending";
  Json results = Json::array();
  for (const Json& query : *queries) {
    auto id = TextParam(query, "Id");
    if (!id) {
      return Missing("MetricDataQueries.member.N.Id");
    }
    if (query.contains("Expression")) {
      return Error("ValidationError", "Metric math expressions are not served here (query " + *id +
                                          "); use MetricStat.");
    }
    auto stat = query.find("MetricStat");
    if (stat == query.end() || !stat->is_object()) {
      return Missing("MetricDataQueries.member.N.MetricStat");
    }
    auto period = NumberParam(*stat, "Period");
    if (auto error = CheckPeriod(period)) {
      return {Json::object(), error};
    }
    auto statistic = ParseStatistic(TextParam(*stat, "Stat").value_or(""));
    if (!statistic) {
      return Error("InvalidParameterValue", "The Stat of query " + *id +
                                                " must be Sum, Average, Minimum, Maximum or "
                                                "SampleCount.");
    }
    auto metric = stat->find("Metric");
    if (metric == stat->end() || !metric->is_object()) {
      return Missing("MetricDataQueries.member.N.MetricStat.Metric");
    }
    auto [group, error] = GroupOf(*metric);
    if (error) {
      return {Json::object(), error};
    }
    std::vector<PeriodValue> values =
        Periods(service, group, *start, *end, static_cast<std::int64_t>(*period), *statistic);
    if (!ascending) {
      std::reverse(values.begin(), values.end());
    }
    Json timestamps = Json::array();
    Json numbers = Json::array();
    for (const PeriodValue& v : values) {
      timestamps.push_back(Timestamp(v.start));
      numbers.push_back(*v.value);
    }
    auto return_data = query.find("ReturnData");
    if (return_data != query.end() && ((return_data->is_boolean() && !return_data->get<bool>()) ||
                                       (return_data->is_string() && *return_data == "false"))) {
      continue;
    }
    results.push_back({{"Id", *id},
                       {"Label", TextParam(query, "Label").value_or(kTraceCountMetric)},
                       {"Timestamps", timestamps},
                       {"Values", numbers},
                       {"StatusCode", "Complete"}});
  }
  return {Json{{"MetricDataResults", results}, {"Messages", Json::array()}}, std::nullopt};
}

Outcome ListMetrics(AlarmService& service, const Json& params) {
  const std::string ns = TextParam(params, "Namespace").value_or("");
  const std::string name = TextParam(params, "MetricName").value_or("");
  Json metrics = Json::array();
  if ((!ns.empty() && ns != kXrayNamespace) || (!name.empty() && name != kTraceCountMetric)) {
    return {Json{{"Metrics", metrics}}, std::nullopt};
  }
  std::optional<std::string> wanted_group;
  if (auto dims = params.find("Dimensions"); dims != params.end() && dims->is_array()) {
    for (const auto& d : *dims) {
      if (!d.is_object()) {
        continue;
      }
      if (TextParam(d, "Name").value_or("") != kGroupDimension) {
        return {Json{{"Metrics", metrics}}, std::nullopt};
      }
      wanted_group = TextParam(d, "Value");
    }
  }
  // As CloudWatch: metrics with data in the last two weeks.
  auto since = static_cast<std::int64_t>(service.Clock().NowSeconds()) - 14 * 86400;
  auto groups = service.Store().GroupsWithCounts(since);
  if (!groups) {
    return Error("InternalServiceError", groups.error().message, 500);
  }
  for (const std::string& group : *groups) {
    if (wanted_group && *wanted_group != group) {
      continue;
    }
    metrics.push_back(
        {{"Namespace", kXrayNamespace},
         {"MetricName", kTraceCountMetric},
         {"Dimensions", Json::array({{{"Name", kGroupDimension}, {"Value", group}}})}});
  }
  return {Json{{"Metrics", metrics}}, std::nullopt};
}

HttpResponse Serve(AlarmService& service, const HttpRequest& request) {
  auto [decoded, error] = DecodeRequest(request);
  if (!decoded) {
    return EncodeError(DetectProtocol(request), error);
  }
  auto [result, failure] = HandleCloudWatch(service, decoded->operation, decoded->params);
  if (failure) {
    return EncodeError(decoded->protocol, *failure);
  }
  return EncodeResult(decoded->protocol, decoded->operation, result);
}

}  // namespace

std::pair<nlohmann::json, std::optional<ApiError>> HandleCloudWatch(AlarmService& service,
                                                                    const std::string& operation,
                                                                    const nlohmann::json& params) {
  // Exception firewall: nlohmann accessors can throw on unexpected member types.
  try {
    if (operation == "PutMetricAlarm") {
      return PutMetricAlarm(service, params);
    }
    if (operation == "DescribeAlarms") {
      return DescribeAlarms(service, params);
    }
    if (operation == "DeleteAlarms") {
      return DeleteAlarms(service, params);
    }
    if (operation == "SetAlarmState") {
      return SetAlarmState(service, params);
    }
    if (operation == "DescribeAlarmHistory") {
      return DescribeAlarmHistory(service, params);
    }
    if (operation == "GetMetricStatistics") {
      return GetMetricStatistics(service, params);
    }
    if (operation == "GetMetricData") {
      return GetMetricData(service, params);
    }
    if (operation == "ListMetrics") {
      return ListMetrics(service, params);
    }
  } catch (const nlohmann::json::exception& e) {
    return Error("ValidationError", std::string("malformed parameters: ") + e.what());
  }
  return Error("InvalidAction", "The action " + operation +
                                    " is not valid for this web service (xrayd serves "
                                    "PutMetricAlarm, DescribeAlarms, DeleteAlarms, SetAlarmState, "
                                    "DescribeAlarmHistory, GetMetricStatistics, GetMetricData, "
                                    "ListMetrics).");
}

void RegisterCloudWatchApi(ApiRouter& router, AlarmService& service) {
  router.Add("POST", "/",
             [&service](const HttpRequest& request) { return Serve(service, request); });
  for (const char* op : kOperations) {
    router.Add("POST", std::string(kCborPathPrefix) + op,
               [&service](const HttpRequest& request) { return Serve(service, request); });
  }
}

}  // namespace xrayd::daemon::alarms
