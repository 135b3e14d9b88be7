#include "daemon/alarms/alarm_eval.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <sstream>

namespace xrayd::daemon::alarms {
namespace {

const char* ComparisonWords(Comparison op) {
  switch (op) {
    case Comparison::kGreaterThanOrEqual:
      return "greater than or equal to";
    case Comparison::kGreaterThan:
      return "greater than";
    case Comparison::kLessThan:
      return "less than";
    case Comparison::kLessThanOrEqual:
      return "less than or equal to";
  }
  return "";
}

// "14/11/23 22:13:00", the datapoint time format of CloudWatch's state reasons (UTC).
std::string ReasonTime(double seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%d/%m/%y %H:%M:%S", &tm);
  return buffer;
}

std::string Iso(double seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S.000+0000", &tm);
  return buffer;
}

std::string Number(double value) {
  std::ostringstream out;
  out.precision(15);
  out << value;
  std::string text = out.str();
  if (text.find_first_of(".e") == std::string::npos) {
    text += ".0";
  }
  return text;
}

}  // namespace

double Aggregate(Statistic statistic, const std::vector<double>& values) {
  switch (statistic) {
    case Statistic::kSum: {
      double sum = 0;
      for (double v : values) {
        sum += v;
      }
      return sum;
    }
    case Statistic::kAverage: {
      double sum = 0;
      for (double v : values) {
        sum += v;
      }
      return sum / static_cast<double>(values.size());
    }
    case Statistic::kMinimum:
      return *std::min_element(values.begin(), values.end());
    case Statistic::kMaximum:
      return *std::max_element(values.begin(), values.end());
    case Statistic::kSampleCount:
      return static_cast<double>(values.size());
  }
  return 0;
}

std::vector<PeriodValue> EvaluationRange(const AlarmDefinition& definition,
                                         const std::vector<Sample>& samples, double now) {
  const double period = static_cast<double>(definition.period);
  const double current = std::floor(now / period) * period;
  std::vector<PeriodValue> range;
  for (std::int64_t k = definition.evaluation_periods - 1; k >= 0; --k) {
    PeriodValue p;
    p.start = current - static_cast<double>(k) * period;
    std::vector<double> values;
    for (const Sample& s : samples) {
      if (s.timestamp >= p.start && s.timestamp < p.start + period) {
        values.push_back(s.value);
      }
    }
    p.sample_count = values.size();
    if (!values.empty()) {
      p.value = Aggregate(definition.statistic, values);
    }
    range.push_back(p);
  }
  return range;
}

bool Breaches(Comparison op, double value, double threshold) {
  switch (op) {
    case Comparison::kGreaterThanOrEqual:
      return value >= threshold;
    case Comparison::kGreaterThan:
      return value > threshold;
    case Comparison::kLessThan:
      return value < threshold;
    case Comparison::kLessThanOrEqual:
      return value <= threshold;
  }
  return false;
}

Evaluation Evaluate(const AlarmDefinition& definition, AlarmState current,
                    const std::vector<Sample>& samples, const proto::Clock& clock) {
  const double now = clock.NowSeconds();
  Evaluation result;
  result.range = EvaluationRange(definition, samples, now);
  const std::int64_t n = definition.evaluation_periods;
  const std::int64_t m = definition.datapoints_to_alarm;

  std::int64_t present = 0;
  std::int64_t breaching = 0;
  std::int64_t missing = 0;
  nlohmann::json evaluated = nlohmann::json::array();
  std::vector<std::string> shown;  // Newest first, as CloudWatch lists them.
  for (auto it = result.range.rbegin(); it != result.range.rend(); ++it) {
    if (!it->value) {
      ++missing;
      continue;
    }
    ++present;
    if (Breaches(definition.comparison, *it->value, definition.threshold)) {
      ++breaching;
    }
    shown.push_back(Number(*it->value) + " (" + ReasonTime(it->start) + ")");
    evaluated.push_back({{"timestamp", Iso(it->start)},
                         {"sampleCount", static_cast<double>(it->sample_count)},
                         {"value", *it->value}});
  }
  switch (definition.missing_data) {
    case MissingData::kBreaching:
      breaching += missing;
      break;
    case MissingData::kNotBreaching:
    case MissingData::kMissing:
    case MissingData::kIgnore:
      break;
  }

  const bool all_missing = present == 0;
  if (all_missing && definition.missing_data == MissingData::kMissing) {
    result.state = AlarmState::kInsufficientData;
  } else if (all_missing && definition.missing_data == MissingData::kIgnore) {
    result.state = current;
  } else {
    result.state = breaching >= m ? AlarmState::kAlarm : AlarmState::kOk;
  }

  std::string datapoints = "[";
  for (std::size_t i = 0; i < shown.size(); ++i) {
    datapoints += (i ? ", " : "") + shown[i];
  }
  datapoints += "]";
  const std::string transition =
      std::string(StateName(current)) + " -> " + StateName(result.state) + " transition";
  if (result.state == AlarmState::kInsufficientData) {
    result.reason = "Insufficient Data: " + std::to_string(missing) +
                    (missing == 1 ? " datapoint was" : " datapoints were") + " unknown.";
  } else if (all_missing) {
    result.reason = "No datapoints in the last " + std::to_string(n) +
                    " periods; missing data "
                    "treated as " +
                    MissingDataName(definition.missing_data) + ".";
  } else if (result.state == AlarmState::kAlarm) {
    result.reason = "Threshold Crossed: " + std::to_string(breaching) + " out of the last " +
                    std::to_string(n) + " datapoints " + datapoints + " " +
                    (breaching == 1 ? "was " : "were ") + ComparisonWords(definition.comparison) +
                    " the threshold (" + Number(definition.threshold) + ") (minimum " +
                    std::to_string(m) + (m == 1 ? " datapoint" : " datapoints") + " for " +
                    transition + ").";
  } else {
    result.reason = "Threshold Crossed: " + std::to_string(n - breaching) + " out of the last " +
                    std::to_string(n) + " datapoints " + datapoints + " " +
                    (n - breaching == 1 ? "was not " : "were not ") +
                    ComparisonWords(definition.comparison) + " the threshold (" +
                    Number(definition.threshold) + ") (minimum " + std::to_string(n - m + 1) +
                    (n - m + 1 == 1 ? " datapoint" : " datapoints") + " for " + transition + ").";
  }
  nlohmann::json recent = nlohmann::json::array();
  for (const PeriodValue& p : result.range) {
    if (p.value) {
      recent.push_back(*p.value);
    }
  }
  result.reason_data = {
      {"version", "1.0"},
      {"queryDate", Iso(now)},
      {"startDate", Iso(result.range.front().start)},
      {"statistic", StatisticName(definition.statistic)},
      {"period", definition.period},
      {"recentDatapoints", recent},
      {"threshold", definition.threshold},
      {"evaluatedDatapoints", evaluated},
  };
  return result;
}

}  // namespace xrayd::daemon::alarms
