#include "daemon/alarms/alarm_model.h"

#include <array>
#include <cmath>
#include <cstdlib>

#include "daemon/alarms/cloudwatch_params.h"

namespace xrayd::daemon::alarms {
namespace {

template <typename E, std::size_t N>
std::optional<E> Find(const std::array<std::pair<E, const char*>, N>& table,
                      const std::string& name) {
  for (const auto& [value, text] : table) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

template <typename E, std::size_t N>
const char* NameOf(const std::array<std::pair<E, const char*>, N>& table, E value) {
  for (const auto& [v, text] : table) {
    if (v == value) {
      return text;
    }
  }
  return "";
}

constexpr std::array<std::pair<AlarmState, const char*>, 3> kStates = {{
    {AlarmState::kOk, "OK"},
    {AlarmState::kAlarm, "ALARM"},
    {AlarmState::kInsufficientData, "INSUFFICIENT_DATA"},
}};
constexpr std::array<std::pair<Comparison, const char*>, 4> kComparisons = {{
    {Comparison::kGreaterThanOrEqual, "GreaterThanOrEqualToThreshold"},
    {Comparison::kGreaterThan, "GreaterThanThreshold"},
    {Comparison::kLessThan, "LessThanThreshold"},
    {Comparison::kLessThanOrEqual, "LessThanOrEqualToThreshold"},
}};
constexpr std::array<std::pair<Statistic, const char*>, 5> kStatistics = {{
    {Statistic::kSum, "Sum"},
    {Statistic::kAverage, "Average"},
    {Statistic::kMinimum, "Minimum"},
    {Statistic::kMaximum, "Maximum"},
    {Statistic::kSampleCount, "SampleCount"},
}};
constexpr std::array<std::pair<MissingData, const char*>, 4> kMissingModes = {{
    {MissingData::kMissing, "missing"},
    {MissingData::kNotBreaching, "notBreaching"},
    {MissingData::kBreaching, "breaching"},
    {MissingData::kIgnore, "ignore"},
}};

ApiError Missing(const char* parameter) {
  return {400, "MissingParameter", std::string("The parameter ") + parameter + " is required."};
}

ApiError Invalid(const std::string& message) {
  return {400, "ValidationError", message};
}

}  // namespace

const char* StateName(AlarmState state) {
  return NameOf(kStates, state);
}
std::optional<AlarmState> ParseState(const std::string& name) {
  return Find(kStates, name);
}
const char* ComparisonName(Comparison op) {
  return NameOf(kComparisons, op);
}
std::optional<Comparison> ParseComparison(const std::string& name) {
  return Find(kComparisons, name);
}
const char* StatisticName(Statistic statistic) {
  return NameOf(kStatistics, statistic);
}
std::optional<Statistic> ParseStatistic(const std::string& name) {
  return Find(kStatistics, name);
}
const char* MissingDataName(MissingData mode) {
  return NameOf(kMissingModes, mode);
}
std::optional<MissingData> ParseMissingData(const std::string& name) {
  return Find(kMissingModes, name);
}

std::string AlarmDefinition::GroupName() const {
  for (const Dimension& d : dimensions) {
    if (d.name == kGroupDimension) {
      return d.value;
    }
  }
  return "";
}

std::pair<std::optional<AlarmDefinition>, ApiError> ParsePutMetricAlarm(
    const nlohmann::json& params) {
  auto fail = [](ApiError error) {
    return std::pair<std::optional<AlarmDefinition>, ApiError>{std::nullopt, std::move(error)};
  };
  if (!params.is_object()) {
    return fail(Invalid("The request body is not an object."));
  }
  AlarmDefinition d;
  auto name = TextParam(params, "AlarmName");
  if (!name) {
    return fail(Missing("AlarmName"));
  }
  if (name->empty() || name->size() > 255) {
    return fail(
        Invalid("1 validation error detected: Value at 'alarmName' failed to satisfy "
                "constraint: Member must have length between 1 and 255"));
  }
  d.name = *name;
  d.description = TextParam(params, "AlarmDescription").value_or("");
  if (HasParam(params, "Metrics")) {
    return fail(
        Invalid("Metric math alarms (Metrics) are not served by this endpoint; use "
                "MetricName, Namespace, Dimensions, Statistic and Period."));
  }
  if (HasParam(params, "ExtendedStatistic")) {
    return fail(
        Invalid("ExtendedStatistic is not supported for AWS/X-Ray metrics here; use "
                "Statistic."));
  }
  const char* required[] = {"EvaluationPeriods", "ComparisonOperator", "Threshold",
                            "MetricName",        "Namespace",          "Period",
                            "Statistic"};
  for (const char* key : required) {
    if (!HasParam(params, key)) {
      return fail(Missing(key));
    }
  }
  d.namespace_name = TextParam(params, "Namespace").value_or("");
  d.metric_name = TextParam(params, "MetricName").value_or("");
  auto evaluation_periods = NumberParam(params, "EvaluationPeriods");
  auto threshold = NumberParam(params, "Threshold");
  auto period = NumberParam(params, "Period");
  if (!evaluation_periods || *evaluation_periods < 1 ||
      *evaluation_periods != std::floor(*evaluation_periods)) {
    return fail(
        Invalid("1 validation error detected: Value at 'evaluationPeriods' failed to "
                "satisfy constraint: Member must have value greater than or equal to 1"));
  }
  if (!threshold) {
    return fail({400, "InvalidParameterValue", "The parameter Threshold must be a number."});
  }
  if (!period || *period != std::floor(*period) || *period < 1) {
    return fail(
        Invalid("1 validation error detected: Value at 'period' failed to satisfy "
                "constraint: Member must have value greater than or equal to 1"));
  }
  constexpr double kWeek = 7 * 86400;
  if (*period > kWeek || *evaluation_periods > kWeek) {  // Before the casts: no overflow.
    return fail(
        Invalid("Metrics cannot be checked across more than a week "
                "(EvaluationPeriods * Period must be <= 604800)"));
  }
  d.period = static_cast<std::int64_t>(*period);
  if (d.period != 10 && d.period != 30 && d.period % 60 != 0) {
    return fail(Invalid("Period must be 10, 30 or a multiple of 60"));
  }
  d.evaluation_periods = static_cast<std::int64_t>(*evaluation_periods);
  if (d.evaluation_periods * d.period > 7 * 86400) {
    return fail(
        Invalid("Metrics cannot be checked across more than a week "
                "(EvaluationPeriods * Period must be <= 604800)"));
  }
  d.datapoints_to_alarm = d.evaluation_periods;
  if (HasParam(params, "DatapointsToAlarm")) {
    auto m = NumberParam(params, "DatapointsToAlarm");
    if (!m || *m < 1 || *m != std::floor(*m)) {
      return fail(
          Invalid("1 validation error detected: Value at 'datapointsToAlarm' failed to "
                  "satisfy constraint: Member must have value greater than or equal to 1"));
    }
    if (*m > static_cast<double>(d.evaluation_periods)) {
      return fail(Invalid("DatapointsToAlarm must be less than or equal to EvaluationPeriods"));
    }
    d.datapoints_to_alarm = static_cast<std::int64_t>(*m);
  }
  d.threshold = *threshold;
  auto comparison = ParseComparison(TextParam(params, "ComparisonOperator").value_or(""));
  if (!comparison) {
    return fail({400, "ValidationError",
                 "1 validation error detected: Value at 'comparisonOperator' failed to satisfy "
                 "constraint: Member must satisfy enum value set: [GreaterThanOrEqualToThreshold, "
                 "GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold]"});
  }
  d.comparison = *comparison;
  auto statistic = ParseStatistic(TextParam(params, "Statistic").value_or(""));
  if (!statistic) {
    return fail({400, "ValidationError",
                 "1 validation error detected: Value at 'statistic' failed to satisfy "
                 "constraint: Member must satisfy enum value set: [Maximum, SampleCount, Sum, "
                 "Minimum, Average]"});
  }
  d.statistic = *statistic;
  if (HasParam(params, "TreatMissingData")) {
    auto mode = ParseMissingData(TextParam(params, "TreatMissingData").value_or(""));
    if (!mode) {
      return fail(
          Invalid("TreatMissingData must be one of breaching, notBreaching, ignore, "
                  "missing"));
    }
    d.missing_data = *mode;
  }
  d.actions_enabled = BoolParam(params, "ActionsEnabled").value_or(true);
  d.alarm_actions = StringsParam(params, "AlarmActions");
  d.ok_actions = StringsParam(params, "OKActions");
  d.insufficient_data_actions = StringsParam(params, "InsufficientDataActions");
  for (const auto* list : {&d.alarm_actions, &d.ok_actions, &d.insufficient_data_actions}) {
    for (const std::string& arn : *list) {
      if (arn.rfind("arn:aws:sns:", 0) != 0) {
        return fail(
            Invalid("Invalid arn syntax: " + arn + " (this endpoint runs SNS topic actions only)"));
      }
    }
  }
  d.unit = TextParam(params, "Unit").value_or("");
  if (auto it = params.find("Dimensions"); it != params.end() && it->is_array()) {
    for (const auto& item : *it) {
      if (!item.is_object()) {
        continue;
      }
      d.dimensions.push_back(
          {TextParam(item, "Name").value_or(""), TextParam(item, "Value").value_or("")});
    }
  }
  if (d.namespace_name != kXrayNamespace) {
    return fail(Invalid("Namespace " + d.namespace_name +
                        " is not served here: this endpoint serves the AWS/X-Ray namespace"));
  }
  if (d.metric_name != kTraceCountMetric) {
    return fail(Invalid("MetricName " + d.metric_name +
                        " is not served here: AWS/X-Ray publishes ApproximateTraceCount"));
  }
  if (d.dimensions.size() != 1 || d.GroupName().empty()) {
    return fail(Invalid("ApproximateTraceCount takes exactly one dimension, GroupName"));
  }
  return {std::move(d), ApiError{}};
}

nlohmann::json DefinitionToJson(const AlarmDefinition& d) {
  nlohmann::json dimensions = nlohmann::json::array();
  for (const Dimension& dim : d.dimensions) {
    dimensions.push_back({{"Name", dim.name}, {"Value", dim.value}});
  }
  nlohmann::json out = {
      {"AlarmName", d.name},
      {"AlarmDescription", d.description},
      {"Namespace", d.namespace_name},
      {"MetricName", d.metric_name},
      {"Dimensions", dimensions},
      {"Statistic", StatisticName(d.statistic)},
      {"Period", d.period},
      {"EvaluationPeriods", d.evaluation_periods},
      {"DatapointsToAlarm", d.datapoints_to_alarm},
      {"Threshold", d.threshold},
      {"ComparisonOperator", ComparisonName(d.comparison)},
      {"TreatMissingData", MissingDataName(d.missing_data)},
      {"ActionsEnabled", d.actions_enabled},
      {"AlarmActions", d.alarm_actions},
      {"OKActions", d.ok_actions},
      {"InsufficientDataActions", d.insufficient_data_actions},
  };
  if (!d.unit.empty()) {
    out["Unit"] = d.unit;
  }
  return out;
}

std::optional<AlarmDefinition> DefinitionFromJson(const nlohmann::json& json) {
  auto [definition, error] = ParsePutMetricAlarm(json);
  return definition;
}

}  // namespace xrayd::daemon::alarms
