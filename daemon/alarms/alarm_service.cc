#include "daemon/alarms/alarm_service.h"

#include <cmath>
#include <ctime>
#include <utility>

#include <spdlog/spdlog.h>

namespace xrayd::daemon::alarms {
namespace {

std::string IsoMillis(double seconds) {
  std::time_t whole = static_cast<std::time_t>(std::floor(seconds));
  int millis = static_cast<int>((seconds - std::floor(seconds)) * 1000);
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char buffer[48];
  std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buffer + n, sizeof buffer - n, ".%03d+0000", millis);
  return buffer;
}

const std::vector<std::string>& ActionsFor(const AlarmDefinition& d, AlarmState state) {
  switch (state) {
    case AlarmState::kAlarm:
      return d.alarm_actions;
    case AlarmState::kOk:
      return d.ok_actions;
    case AlarmState::kInsufficientData:
      return d.insufficient_data_actions;
  }
  return d.ok_actions;
}

}  // namespace

nlohmann::json AlarmMessage(const AlarmDefinition& d, const std::string& alarm_arn,
                            const std::string& region, const std::string& account,
                            AlarmState old_state, AlarmState new_state, const std::string& reason,
                            double when) {
  nlohmann::json dimensions = nlohmann::json::array();
  for (const Dimension& dim : d.dimensions) {
    dimensions.push_back({{"value", dim.value}, {"name", dim.name}});
  }
  return {
      {"AlarmName", d.name},
      {"AlarmDescription",
       d.description.empty() ? nlohmann::json() : nlohmann::json(d.description)},
      {"AWSAccountId", account},
      {"NewStateValue", StateName(new_state)},
      {"NewStateReason", reason},
      {"StateChangeTime", IsoMillis(when)},
      {"Region", region},
      {"AlarmArn", alarm_arn},
      {"OldStateValue", StateName(old_state)},
      {"Trigger",
       {{"MetricName", d.metric_name},
        {"Namespace", d.namespace_name},
        {"StatisticType", "Statistic"},
        {"Statistic", StatisticName(d.statistic)},
        {"Unit", d.unit.empty() ? nlohmann::json() : nlohmann::json(d.unit)},
        {"Dimensions", dimensions},
        {"Period", d.period},
        {"EvaluationPeriods", d.evaluation_periods},
        {"DatapointsToAlarm", d.datapoints_to_alarm},
        {"ComparisonOperator", ComparisonName(d.comparison)},
        {"Threshold", d.threshold},
        {"TreatMissingData", MissingDataName(d.missing_data)},
        {"EvaluateLowSampleCountPercentile", ""}}},
  };
}

AlarmService::AlarmService(storage::AlarmStore& store, const proto::Clock& clock,
                           AlarmNotifier* notifier, AlarmServiceOptions options)
    : store_(store), clock_(clock), notifier_(notifier), options_(std::move(options)) {}

AlarmService::~AlarmService() {
  Stop();
}

std::string AlarmService::AlarmArn(const std::string& name) const {
  return "arn:aws:cloudwatch:" + options_.region + ":" + options_.account + ":alarm:" + name;
}

std::vector<Sample> AlarmService::GroupSamples(const std::string& group, double from,
                                               double to) const {
  std::vector<Sample> samples;
  auto counts = store_.GroupCounts(group, static_cast<std::int64_t>(std::floor(from)),
                                   static_cast<std::int64_t>(std::ceil(to)));
  if (!counts) {
    spdlog::warn("alarms: cannot read the counts of group {}: {}", group, counts.error().message);
    return samples;
  }
  for (const storage::MinuteCount& c : *counts) {
    if (static_cast<double>(c.minute) >= from && static_cast<double>(c.minute) < to) {
      samples.push_back({static_cast<double>(c.minute), static_cast<double>(c.count)});
    }
  }
  return samples;
}

void AlarmService::CountGroupTrace(const std::string& group, double first_received,
                                   std::int64_t traces) {
  auto minute = static_cast<std::int64_t>(std::floor(first_received / 60)) * 60;
  if (Status s = store_.AddGroupTraces(group, minute, traces); !s) {
    spdlog::warn("alarms: cannot count a trace of group {}: {}", group, s.error().message);
    return;
  }
  dirty_.store(true, std::memory_order_release);
}

Status AlarmService::Put(const AlarmDefinition& definition) {
  std::lock_guard lock(mu_);
  const double now = clock_.NowSeconds();
  storage::AlarmRecord record;
  auto existing = store_.FindAlarm(definition.name);
  const bool created = !existing.has_value();
  if (existing) {
    record = *existing;
  } else {
    record.name = definition.name;
    record.state = StateName(AlarmState::kInsufficientData);
    record.state_reason = "Unchecked: Initial alarm creation";
    record.state_updated = now;
  }
  record.definition = DefinitionToJson(definition).dump();
  record.configuration_updated = now;
  if (Status s = store_.PutAlarm(record); !s) {
    return s;
  }
  nlohmann::json data = {{"version", "1.0"},
                         {"type", created ? "Create" : "Update"},
                         {created ? "createdAlarm" : "updatedAlarm", DefinitionToJson(definition)}};
  (void)store_.AddHistory(
      {definition.name, now, "ConfigurationUpdate",
       std::string("Alarm \"") + definition.name + "\" " + (created ? "created" : "updated"),
       data.dump()});
  Evaluate(record, definition);
  return {};
}

Status AlarmService::SetState(const std::string& name, AlarmState state, const std::string& reason,
                              const std::string& reason_data) {
  std::lock_guard lock(mu_);
  auto record = store_.FindAlarm(name);
  if (!record) {
    return tl::unexpected(record.error());
  }
  auto definition = DefinitionFromJson(nlohmann::json::parse(record->definition, nullptr, false));
  if (!definition) {
    return MakeError(ErrorCode::kInternal, "stored alarm " + name + " is unreadable");
  }
  Transition(*record, *definition, state, reason, reason_data, clock_.NowSeconds());
  return {};
}

void AlarmService::EvaluateAll() {
  std::lock_guard lock(mu_);
  auto records = store_.ListAlarms();
  if (!records) {
    spdlog::warn("alarms: cannot list alarms: {}", records.error().message);
    return;
  }
  for (const storage::AlarmRecord& record : *records) {
    auto definition = DefinitionFromJson(nlohmann::json::parse(record.definition, nullptr, false));
    if (definition) {
      Evaluate(record, *definition);
    }
  }
}

void AlarmService::Evaluate(const storage::AlarmRecord& record, const AlarmDefinition& definition) {
  const double now = clock_.NowSeconds();
  const double span = static_cast<double>(definition.period * definition.evaluation_periods);
  std::vector<Sample> samples = GroupSamples(
      definition.GroupName(), now - span - static_cast<double>(definition.period), now + 1);
  AlarmState current = ParseState(record.state).value_or(AlarmState::kInsufficientData);
  Evaluation e = alarms::Evaluate(definition, current, samples, clock_);
  if (e.state != current) {
    Transition(record, definition, e.state, e.reason, e.reason_data.dump(), now);
  }
}

void AlarmService::Transition(const storage::AlarmRecord& record, const AlarmDefinition& definition,
                              AlarmState to, const std::string& reason,
                              const std::string& reason_data, double now) {
  AlarmState from = ParseState(record.state).value_or(AlarmState::kInsufficientData);
  if (Status s = store_.SetState(record.name, StateName(to), reason, reason_data, now); !s) {
    spdlog::warn("alarms: cannot record the state of {}: {}", record.name, s.error().message);
    return;
  }
  nlohmann::json data = {{"version", "1.0"},
                         {"oldState", {{"stateValue", StateName(from)}}},
                         {"newState", {{"stateValue", StateName(to)}, {"stateReason", reason}}}};
  (void)store_.AddHistory(
      {record.name, now, "StateUpdate",
       "Alarm updated from " + std::string(StateName(from)) + " to " + StateName(to), data.dump()});
  spdlog::info("alarm {} {} -> {}: {}", record.name, StateName(from), StateName(to), reason);
  if (notifier_ == nullptr || !definition.actions_enabled) {
    return;
  }
  const std::vector<std::string>& actions = ActionsFor(definition, to);
  if (actions.empty()) {
    return;
  }
  nlohmann::json message = AlarmMessage(definition, AlarmArn(record.name), options_.region,
                                        options_.account, from, to, reason, now);
  for (const std::string& arn : actions) {
    notifier_->Notify(arn, message);
    (void)store_.AddHistory(
        {record.name, now, "Action", "Successfully executed action " + arn,
         nlohmann::json{{"actionState", "Succeeded"}, {"notificationResource", arn}}.dump()});
  }
}

void AlarmService::Start() {
  if (started_) {
    return;
  }
  started_ = true;
  thread_.Start([this] {
    const auto step = std::min(options_.interval, std::chrono::milliseconds(100));
    auto last = clock_.SteadyNow();
    EvaluateAll();
    while (thread_.Sleep(step)) {
      const bool due = clock_.SteadyNow() - last >= options_.interval;
      if (due || dirty_.exchange(false, std::memory_order_acq_rel)) {
        last = clock_.SteadyNow();
        EvaluateAll();
      }
    }
  });
}

void AlarmService::Stop() {
  thread_.Stop();
}

}  // namespace xrayd::daemon::alarms
