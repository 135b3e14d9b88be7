#pragma once
// `xrayd alarms list`: the CloudWatch alarms of a running daemon (docs/alarms.md) in the terminal,
// read over its TCP address with DescribeAlarms (AWS JSON 1.0); and the alarm queries `xrayd
// capture` uses for its alarm assertions. Blocking calls; no state between them.

#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/cli/assert_report.h"
#include "proto/result.h"

namespace xrayd::daemon {

// Runs `xrayd alarms list [-t HOST:PORT] [--json]`. Returns 0 when the daemon answered, 1 if it
// could not be asked (reason on `err`), 2 on usage errors.
int RunAlarmsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// One CloudWatch operation in AWS JSON 1.0 against `base_url` ("http://127.0.0.1:2000"): the
// parsed answer on 2xx; kNotFound for ResourceNotFound, kInvalidArgument for other 4xx (the
// message names the CloudWatch error code), kIOError for transport failures and 5xx.
[[nodiscard]] Result<nlohmann::json> CallCloudWatch(const std::string& base_url,
                                                    const std::string& operation,
                                                    const nlohmann::json& params);

// Whether alarm `name` went into ALARM at or after `since` (epoch seconds), from its StateUpdate
// history. kNotFound if the daemon has no alarm of that name; transport errors as CallCloudWatch.
[[nodiscard]] Result<bool> AlarmFiredSince(const std::string& base_url, const std::string& name,
                                           double since);

// `xrayd capture --alarm-fired NAME` (fired = true) and `--no-alarm NAME` (fired = false).
struct AlarmExpectation {
  std::string name;
  bool fired = false;
};

// Checks each expectation against the alarm's StateUpdate history since `since` (epoch seconds):
// polls until every --alarm-fired alarm fired or `settle` passed (traces are counted a moment
// after they arrive, so an alarm may fire shortly after the run); an alarm that does not exist or
// cannot be asked fails its case. One case per expectation, named "alarm fired: NAME" or "alarm
// not fired: NAME"; failures are also printed on `err`.
std::vector<JUnitCase> CheckAlarmExpectations(const std::string& base_url,
                                              const std::vector<AlarmExpectation>& expectations,
                                              double since, std::chrono::milliseconds settle,
                                              std::ostream& err);

// The table `alarms list` prints for DescribeAlarms' MetricAlarms.
std::string FormatAlarmTable(const nlohmann::json& metric_alarms);

}  // namespace xrayd::daemon
