#pragma once
// AlarmActions: runs an alarm's SNS topic actions locally (docs/alarms.md#actions). The topic
// ARN's last part (arn:aws:sns:REGION:ACCOUNT:NAME) names a webhook (POST of the SNS alarm message
// as JSON) or a command (run with `/bin/sh -c PROGRAM`, the message on stdin, exit 0 = delivered).
// Deliveries run on the actions' own thread, in order; a failed delivery is retried with
// exponential backoff up to `max_attempts`. Notify is thread-safe and never blocks on delivery.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/alarms/alarm_service.h"

namespace xrayd::daemon::alarms {

struct AlarmActionsOptions {
  std::map<std::string, std::string> webhooks;  // Topic name -> http(s) URL.
  std::map<std::string, std::string> commands;  // Topic name -> program.
  int max_attempts = 5;
  std::chrono::milliseconds first_backoff{500};  // Doubles after each failed attempt.
  std::chrono::milliseconds timeout{5000};       // Per webhook request.
};

struct AlarmActionCounters {
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> retries{0};   // Failed attempts that were tried again.
  std::atomic<std::uint64_t> failed{0};    // Deliveries given up after max_attempts.
  std::atomic<std::uint64_t> unmapped{0};  // Topics with no webhook or command.
};

class AlarmActions final : public AlarmNotifier {
 public:
  explicit AlarmActions(AlarmActionsOptions options);
  ~AlarmActions() override;
  AlarmActions(const AlarmActions&) = delete;
  AlarmActions& operator=(const AlarmActions&) = delete;

  void Notify(const std::string& topic_arn, const nlohmann::json& message) override;
  // Appends the Prometheus lines of the counters (xrayd_alarm_actions_total{result=...}).
  void RenderPrometheus(std::string& out) const;
  const AlarmActionCounters& Counters() const { return counters_; }
  // Stops the thread after the deliveries already queued were tried once more at most.
  void Stop();

 private:
  struct Delivery {
    std::string topic;
    std::string body;
  };
  void Run();
  bool Deliver(const Delivery& delivery, std::string& error);

  AlarmActionsOptions options_;
  AlarmActionCounters counters_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Delivery> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;       // GUARDED_BY(mu_)
  std::thread thread_;
};

// The topic name of an SNS ARN (its last ':' part), or "" if it is not an SNS ARN.
std::string TopicName(const std::string& arn);

}  // namespace xrayd::daemon::alarms
