#pragma once
// Alarm evaluation as CloudWatch does it (docs/alarms.md#evaluation): a pure function of the
// alarm's definition, its current state, the metric's samples and a Clock. No I/O, no threads.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/alarms/alarm_model.h"
#include "proto/clock.h"

namespace xrayd::daemon::alarms {

// One published datapoint of the metric (for ApproximateTraceCount: one per minute that had
// traces, stamped with the minute's start).
struct Sample {
  double timestamp = 0;  // Epoch seconds.
  double value = 0;
};

// One period of the evaluation range: the statistic of the samples whose timestamp falls in
// [start, start + period), or nullopt when there are none (missing data).
struct PeriodValue {
  double start = 0;
  std::optional<double> value;
  std::size_t sample_count = 0;
};

// `statistic` of `values`. REQUIRES: !values.empty().
double Aggregate(Statistic statistic, const std::vector<double>& values);

// The evaluation range: `evaluation_periods` periods aligned to multiples of `period` since the
// epoch, oldest first, the last one being the period that contains `now`.
std::vector<PeriodValue> EvaluationRange(const AlarmDefinition& definition,
                                         const std::vector<Sample>& samples, double now);

// Whether `value` breaches `threshold` under `op`.
bool Breaches(Comparison op, double value, double threshold);

struct Evaluation {
  AlarmState state = AlarmState::kInsufficientData;
  std::string reason;              // StateReason, in CloudWatch's wording.
  nlohmann::json reason_data;      // StateReasonData (JSON object).
  std::vector<PeriodValue> range;  // What was evaluated.
};

// The state the alarm should be in now. With N = EvaluationPeriods and M = DatapointsToAlarm over
// the evaluation range: breaching/notBreaching count a missing period as breaching/not breaching;
// missing/ignore leave it out. ALARM when at least M periods breach, otherwise OK; when every
// period is missing, missing gives INSUFFICIENT_DATA and ignore keeps `current`.
Evaluation Evaluate(const AlarmDefinition& definition, AlarmState current,
                    const std::vector<Sample>& samples, const proto::Clock& clock);

}  // namespace xrayd::daemon::alarms
