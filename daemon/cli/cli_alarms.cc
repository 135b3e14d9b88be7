#include "daemon/cli/cli_alarms.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <ostream>
#include <thread>

#include "daemon/cli/cli_parse.h"
#include "daemon/config.h"
#include "daemon/net/http_client.h"

namespace xrayd::daemon {

namespace {

std::string IsoTime(double epoch_seconds) {
  const std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

std::string Number(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  std::string text = std::to_string(value);
  text.erase(text.find_last_not_of('0') + 1);
  return text;
}

const char* OperatorSymbol(const std::string& op) {
  if (op == "GreaterThanOrEqualToThreshold") {
    return ">=";
  }
  if (op == "GreaterThanThreshold") {
    return ">";
  }
  if (op == "LessThanThreshold") {
    return "<";
  }
  if (op == "LessThanOrEqualToThreshold") {
    return "<=";
  }
  return "?";
}

// A JSON 1.0 timestamp (epoch seconds) or "".
std::string TimeOf(const nlohmann::json& alarm, const char* key) {
  auto it = alarm.find(key);
  return it != alarm.end() && it->is_number() ? IsoTime(it->get<double>()) : "";
}

}  // namespace

Result<nlohmann::json> CallCloudWatch(const std::string& base_url, const std::string& operation,
                                      const nlohmann::json& params) {
  HttpClient http;
  ClientRequest request;
  request.method = "POST";
  request.url = base_url + "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "GraniteServiceVersion20100801." + operation}};
  request.body = params.dump();
  request.timeout = std::chrono::milliseconds(10000);
  XRAYD_TRY_ASSIGN(auto response, http.Send(request));
  nlohmann::json parsed = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status / 100 != 2) {
    const std::string code = response.Header("x-amzn-query-error");
    const std::string message = parsed.is_object() ? parsed.value("message", "") : "";
    const std::string text = operation + ": HTTP " + std::to_string(response.status) +
                             (code.empty() ? "" : " " + code.substr(0, code.find(';'))) +
                             (message.empty() ? "" : ": " + message);
    if (code.rfind("ResourceNotFound", 0) == 0) {
      return MakeError(ErrorCode::kNotFound, text);
    }
    return MakeError(response.status / 100 == 4 ? ErrorCode::kInvalidArgument : ErrorCode::kIOError,
                     text);
  }
  if (!parsed.is_object()) {
    return MakeError(ErrorCode::kIOError, operation + ": the answer is not a JSON object");
  }
  return parsed;
}

Result<bool> AlarmFiredSince(const std::string& base_url, const std::string& name, double since) {
  XRAYD_TRY_ASSIGN(auto described,
                   CallCloudWatch(base_url, "DescribeAlarms", {{"AlarmNames", {name}}}));
  if (described.value("MetricAlarms", nlohmann::json::array()).empty()) {
    return MakeError(ErrorCode::kNotFound, "no alarm named " + name);
  }
  XRAYD_TRY_ASSIGN(auto history, CallCloudWatch(base_url, "DescribeAlarmHistory",
                                                {{"AlarmName", name},
                                                 {"HistoryItemType", "StateUpdate"},
                                                 {"StartDate", since},
                                                 {"MaxRecords", 100}}));
  for (const auto& item : history.value("AlarmHistoryItems", nlohmann::json::array())) {
    const nlohmann::json data =
        nlohmann::json::parse(item.value("HistoryData", ""), nullptr, false);
    if (data.is_object() && data.contains("newState") && data["newState"].is_object() &&
        data["newState"].value("stateValue", "") == "ALARM") {
      return true;
    }
  }
  return false;
}

std::vector<JUnitCase> CheckAlarmExpectations(const std::string& base_url,
                                              const std::vector<AlarmExpectation>& expectations,
                                              double since, std::chrono::milliseconds settle,
                                              std::ostream& err) {
  const auto deadline = std::chrono::steady_clock::now() + settle;
  std::vector<Result<bool>> fired(expectations.size(), false);
  for (;;) {
    bool waiting = false;
    for (std::size_t i = 0; i < expectations.size(); ++i) {
      fired[i] = AlarmFiredSince(base_url, expectations[i].name, since);
      // A fired alarm stays fired; one that has not fired yet may still fire.
      waiting = waiting || (fired[i] && !*fired[i]);
    }
    if (!waiting || std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    // The poll interval of a bounded wait for the evaluator; the condition is the history.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::vector<JUnitCase> cases;
  for (std::size_t i = 0; i < expectations.size(); ++i) {
    const AlarmExpectation& e = expectations[i];
    JUnitCase c{.name = std::string(e.fired ? "alarm fired: " : "alarm not fired: ") + e.name,
                .passed = true,
                .message = "",
                .details = ""};
    if (!fired[i]) {
      c.passed = false;
      c.message = fired[i].error().message;
    } else if (*fired[i] != e.fired) {
      c.passed = false;
      c.message = e.fired ? "alarm " + e.name + " never went to ALARM during the run"
                          : "alarm " + e.name + " went to ALARM during the run";
    }
    if (!c.passed) {
      err << "xrayd capture: FAILED " << c.name << ": " << c.message << "\n";
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

std::string FormatAlarmTable(const nlohmann::json& metric_alarms) {
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "STATE", "GROUP", "CONDITION", "SINCE", "REASON"}};
  for (const auto& alarm : metric_alarms) {
    std::string group;
    for (const auto& dimension : alarm.value("Dimensions", nlohmann::json::array())) {
      if (dimension.value("Name", "") == "GroupName") {
        group = dimension.value("Value", "");
      }
    }
    const int periods = alarm.value("EvaluationPeriods", 0);
    const std::string condition =
        alarm.value("Statistic", "") + " " + OperatorSymbol(alarm.value("ComparisonOperator", "")) +
        " " + Number(alarm.value("Threshold", 0.0)) + ", " +
        std::to_string(alarm.value("DatapointsToAlarm", periods)) + " of " +
        std::to_string(periods) + " x " + std::to_string(alarm.value("Period", 0)) + "s";
    rows.push_back({alarm.value("AlarmName", ""), alarm.value("StateValue", ""), group, condition,
                    TimeOf(alarm, "StateUpdatedTimestamp"), alarm.value("StateReason", "")});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i + 1 < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line.append(widths[i] + 2 - row[i].size(), ' ');
      }
    }
    out += line + "\n";
  }
  return out;
}

int RunAlarmsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app("CloudWatch alarms of a running xrayd (docs/alarms.md).", "xrayd alarms");
  app.require_subcommand(1);
  CLI::App* list = app.add_subcommand("list", "the alarms with their state, condition and reason");
  Endpoint address{"127.0.0.1", 2000};
  bool as_json = false;
  list->add_option(
          "-t,--bind-tcp",
          [&address](const CLI::results_t& values) {
            auto endpoint = ParseEndpoint(values.front());
            if (!endpoint) {
              throw CLI::ValidationError("-t", endpoint.error().message);
            }
            if (endpoint->host == "0.0.0.0") {  // A daemon bound everywhere is asked on loopback.
              endpoint->host = "127.0.0.1";
            } else if (endpoint->host == "::") {
              endpoint->host = "::1";
            }
            address = *endpoint;
            return true;
          },
          "the daemon's TCP address (default 127.0.0.1:2000)")
      ->type_name("HOST:PORT")
      ->expected(1);
  list->add_flag("--json", as_json, "print DescribeAlarms' MetricAlarms as JSON");
  if (auto code = ParseCommandLine(app, args, out, err)) {
    return *code;
  }
  const std::string host =
      address.host.find(':') != std::string::npos ? "[" + address.host + "]" : address.host;
  const std::string base_url = "http://" + host + ":" + std::to_string(address.port);
  nlohmann::json alarms = nlohmann::json::array();
  std::string next_token;
  do {
    nlohmann::json params = {{"MaxRecords", 100}};
    if (!next_token.empty()) {
      params["NextToken"] = next_token;
    }
    auto page = CallCloudWatch(base_url, "DescribeAlarms", params);
    if (!page) {
      err << "xrayd alarms list: " << page.error().message << "\n";
      return 1;
    }
    for (const auto& alarm : page->value("MetricAlarms", nlohmann::json::array())) {
      alarms.push_back(alarm);
    }
    next_token = page->value("NextToken", "");
  } while (!next_token.empty());
  if (as_json) {
    out << alarms.dump(2) << "\n";
  } else if (alarms.empty()) {
    out << "no alarms on " << address.ToString() << "\n";
  } else {
    out << FormatAlarmTable(alarms);
  }
  return 0;
}

}  // namespace xrayd::daemon
