#pragma once
// AlarmService: the alarms of state.db and their life (docs/alarms.md): PutMetricAlarm's
// configuration history, evaluation of every alarm against the per-minute group counts, state
// changes with their history, one log line each and the actions of the new state.
// Thread-safe: API handlers (HTTP threads), the summary worker's member hook and the evaluator
// thread call it concurrently; one mutex orders state changes.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/alarms/alarm_eval.h"
#include "daemon/alarms/alarm_model.h"
#include "daemon/core/background_thread.h"
#include "proto/clock.h"
#include "storage/alarm_store.h"

namespace xrayd::daemon::alarms {

// Runs the actions of a state change. Notify must not block for long (queue the work).
class AlarmNotifier {
 public:
  virtual ~AlarmNotifier() = default;
  // `topic_arn` is one of the alarm's actions for the new state; `message` the SNS alarm message.
  virtual void Notify(const std::string& topic_arn, const nlohmann::json& message) = 0;
};

struct AlarmServiceOptions {
  std::string region = "us-east-1";
  std::string account = "000000000000";
  // Time between evaluation rounds; a round also runs soon after new data was counted.
  std::chrono::milliseconds interval{10000};
};

class AlarmService {
 public:
  // `store` and `clock` must outlive the service; `notifier` may be null (no actions run).
  AlarmService(storage::AlarmStore& store, const proto::Clock& clock, AlarmNotifier* notifier,
               AlarmServiceOptions options = {});
  ~AlarmService();
  AlarmService(const AlarmService&) = delete;
  AlarmService& operator=(const AlarmService&) = delete;

  // Creates or replaces an alarm (ConfigurationUpdate history), then evaluates it. A new alarm
  // starts INSUFFICIENT_DATA; a replaced one keeps its state until evaluated.
  [[nodiscard]] Status Put(const AlarmDefinition& definition);
  // Sets the state as SetAlarmState does (history, log line, actions); the next evaluation may
  // change it again. kNotFound if there is no such alarm.
  [[nodiscard]] Status SetState(const std::string& name, AlarmState state,
                                const std::string& reason, const std::string& reason_data);
  // Evaluates every alarm now.
  void EvaluateAll();

  // The alarm's ARN: arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME.
  std::string AlarmArn(const std::string& name) const;
  const AlarmServiceOptions& Options() const { return options_; }
  storage::AlarmStore& Store() { return store_; }
  const proto::Clock& Clock() const { return clock_; }

  // Records `traces` traces of `group` first received at `first_received` (epoch seconds; its
  // minute counts) and asks for an evaluation round. For the group counter (group_counts.h).
  void CountGroupTrace(const std::string& group, double first_received, std::int64_t traces = 1);

  // Starts/stops the evaluator thread (rounds every options.interval, or soon after data).
  void Start();
  void Stop();

  // The samples of `group`'s ApproximateTraceCount with timestamps in [from, to).
  std::vector<Sample> GroupSamples(const std::string& group, double from, double to) const;

 private:
  // REQUIRES: mu_ held (both).
  void Evaluate(const storage::AlarmRecord& record, const AlarmDefinition& definition);
  void Transition(const storage::AlarmRecord& record, const AlarmDefinition& definition,
                  AlarmState to, const std::string& reason, const std::string& reason_data,
                  double now);

  storage::AlarmStore& store_;
  const proto::Clock& clock_;
  AlarmNotifier* notifier_;
  AlarmServiceOptions options_;
  std::mutex mu_;  // Orders evaluations and state changes.
  std::atomic<bool> dirty_{false};
  BackgroundThread thread_;
  bool started_ = false;
};

// The SNS alarm message CloudWatch publishes for a state change (docs/alarms.md#actions).
nlohmann::json AlarmMessage(const AlarmDefinition& definition, const std::string& alarm_arn,
                            const std::string& region, const std::string& account,
                            AlarmState old_state, AlarmState new_state, const std::string& reason,
                            double when);

}  // namespace xrayd::daemon::alarms
