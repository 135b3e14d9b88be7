#pragma once
// The alarm model of the CloudWatch subset (docs/alarms.md): a metric alarm's definition as
// PutMetricAlarm takes it, its validation with CloudWatch's error codes, and its JSON form (the
// member names of the CloudWatch API, also what state.db stores). Plain values; no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace xrayd::daemon::alarms {

inline constexpr char kXrayNamespace[] = "AWS/X-Ray";
inline constexpr char kTraceCountMetric[] = "ApproximateTraceCount";
inline constexpr char kGroupDimension[] = "GroupName";

enum class AlarmState { kOk, kAlarm, kInsufficientData };
enum class Comparison {
  kGreaterThanOrEqual,
  kGreaterThan,
  kLessThan,
  kLessThanOrEqual,
};
enum class Statistic { kSum, kAverage, kMinimum, kMaximum, kSampleCount };
enum class MissingData { kMissing, kNotBreaching, kBreaching, kIgnore };

const char* StateName(AlarmState state);  // "OK", "ALARM", "INSUFFICIENT_DATA".
std::optional<AlarmState> ParseState(const std::string& name);
const char* ComparisonName(Comparison op);  // "GreaterThanOrEqualToThreshold", ...
std::optional<Comparison> ParseComparison(const std::string& name);
const char* StatisticName(Statistic statistic);  // "Sum", ...
std::optional<Statistic> ParseStatistic(const std::string& name);
const char* MissingDataName(MissingData mode);  // "missing", "notBreaching", ...
std::optional<MissingData> ParseMissingData(const std::string& name);

struct Dimension {
  std::string name;
  std::string value;
};

struct AlarmDefinition {
  std::string name;
  std::string description;
  std::string namespace_name;
  std::string metric_name;
  std::vector<Dimension> dimensions;
  Statistic statistic = Statistic::kSum;
  std::int64_t period = 60;  // Seconds: 10, 30 or a multiple of 60.
  std::int64_t evaluation_periods = 1;
  std::int64_t datapoints_to_alarm = 1;  // M of N; defaults to evaluation_periods.
  double threshold = 0;
  Comparison comparison = Comparison::kGreaterThanOrEqual;
  MissingData missing_data = MissingData::kMissing;
  bool actions_enabled = true;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> ok_actions;
  std::vector<std::string> insufficient_data_actions;
  std::string unit;

  // The GroupName dimension's value, or "" if there is none.
  std::string GroupName() const;
};

// A CloudWatch client error: `code` is the query-protocol error code (ValidationError,
// MissingParameter, InvalidParameterValue, InvalidParameterCombination, ResourceNotFound,
// LimitExceeded), `message` what CloudWatch would say.
struct ApiError {
  int status = 400;
  std::string code;
  std::string message;
};

// Reads PutMetricAlarm's parameters (CloudWatch member names, numbers as numbers or strings) into
// a definition and checks it as CloudWatch does: MissingParameter for a missing AlarmName,
// EvaluationPeriods, ComparisonOperator, Threshold, MetricName, Namespace, Period or Statistic;
// ValidationError for a period that is not 10, 30 or a multiple of 60, a DatapointsToAlarm above
// EvaluationPeriods, and a namespace or metric this subset does not serve (only AWS/X-Ray
// ApproximateTraceCount with a GroupName dimension); InvalidParameterValue for unknown enum values.
[[nodiscard]] std::pair<std::optional<AlarmDefinition>, ApiError> ParsePutMetricAlarm(
    const nlohmann::json& params);

// The definition as CloudWatch's MetricAlarm members (without state fields and ARNs).
nlohmann::json DefinitionToJson(const AlarmDefinition& definition);
// Reverse of DefinitionToJson for what state.db holds; nullopt if it is not a definition.
std::optional<AlarmDefinition> DefinitionFromJson(const nlohmann::json& json);

}  // namespace xrayd::daemon::alarms
