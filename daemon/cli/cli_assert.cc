#include "daemon/cli/cli_assert.h"

#include <unistd.h>

#include <charconv>
#include <iostream>
#include <ostream>

#include "query/trace_timeline.h"

namespace xrayd::daemon {

namespace {

constexpr const char* kAssertUsage =
    "usage: xrayd assert [--endpoint URL | -t HOST:PORT] [--since D] [--junit FILE]\n"
    "                    [--color auto|always|never] [--max-traces N] ASSERTION...\n"
    "Checks the traces a running xrayd received in the last --since (default 15m) through its\n"
    "X-Ray API (default: AWS_XRAY_DAEMON_ADDRESS's tcp address, else 127.0.0.1:2000).\n"
    "Exit status: 0 all passed, 1 an assertion failed, 2 usage or connection errors.\n";

std::string DefaultEndpoint(const Environment& env) {
  if (auto it = env.find("AWS_XRAY_DAEMON_ADDRESS"); it != env.end() && !it->second.empty()) {
    auto address = ParseDaemonAddress(it->second);
    if (address && (address->tcp || address->plain)) {
      return "http://" + (address->tcp ? *address->tcp : *address->plain).ToString();
    }
  }
  return "http://127.0.0.1:2000";
}

Result<std::string> NextValue(const std::vector<std::string>& args, std::size_t i) {
  if (i + 1 >= args.size()) {
    return MakeError(ErrorCode::kInvalidArgument, args[i] + " needs a value");
  }
  return args[i + 1];
}

}  // namespace

bool UseColor(const std::string& when, int fd, const Environment& env) {
  if (when == "always") {
    return true;
  }
  if (when == "never") {
    return false;
  }
  return isatty(fd) != 0 && !env.contains("NO_COLOR");
}

Result<bool> ParseReportFlag(const std::vector<std::string>& args, std::size_t& i,
                             ReportArgs& out) {
  const std::string& flag = args[i];
  if (flag != "--junit" && flag != "--color" && flag != "--max-traces") {
    return false;
  }
  auto value = NextValue(args, i);
  if (!value) {
    return tl::unexpected(value.error());
  }
  if (flag == "--junit") {
    out.junit_path = *value;
  } else if (flag == "--color") {
    if (*value != "auto" && *value != "always" && *value != "never") {
      return MakeError(ErrorCode::kInvalidArgument, "--color: expected auto, always or never");
    }
    out.color = *value;
  } else {
    std::size_t n = 0;
    auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
    if (ec != std::errc() || ptr != value->data() + value->size() || n == 0) {
      return MakeError(ErrorCode::kInvalidArgument, "--max-traces: expected a positive number");
    }
    out.max_traces = n;
  }
  i += 2;
  return true;
}

int CheckAndReport(XrayQueryClient& client, const std::vector<Assertion>& assertions,
                   const TraceWindow& window, const ReportArgs& args, const std::string& suite,
                   const std::vector<JUnitCase>& extra_cases, double seconds,
                   const ReportSink& sink, std::vector<nlohmann::json>* traces) {
  AssertionOptions options;
  options.window = window;
  options.max_traces = args.max_traces;
  options.render = [](const nlohmann::json& trace) {
    const std::vector<nlohmann::ordered_json> documents = TraceDocuments(trace);
    return query::RenderTimeline(documents, {.bar_width = 40});
  };
  auto run = RunAssertions(client, assertions, options);
  if (!run) {
    sink.err << "xrayd: cannot check the traces: " << run.error().message << "\n";
    return 2;
  }
  if (!assertions.empty()) {
    PrintAssertionReport(*run, sink.out, sink.color);
  }
  bool failed = run->failed > 0;
  for (const JUnitCase& c : extra_cases) {
    failed = failed || !c.passed;
  }
  if (!args.junit_path.empty()) {
    std::vector<JUnitCase> cases = extra_cases;
    for (JUnitCase& c : JUnitCases(*run)) {
      cases.push_back(std::move(c));
    }
    if (Status s = WriteFileAtomically(args.junit_path, JUnitXml(suite, cases, seconds)); !s) {
      sink.err << "xrayd: " << s.error().message << "\n";
      return 2;
    }
  }
  if (traces != nullptr) {
    *traces = std::move(run->traces);
  }
  return failed ? 1 : 0;
}

int RunAssertCommand(const std::vector<std::string>& args, const Environment& env,
                     std::ostream& out, std::ostream& err, const proto::Clock& clock) {
  const double started = clock.NowSeconds();
  AssertionFlags assertion_flags;
  ReportArgs report;
  std::string endpoint = DefaultEndpoint(env);
  double since_seconds = 15 * 60;
  for (std::size_t i = 0; i < args.size();) {
    auto taken = assertion_flags.Parse(args, i);
    if (taken && !*taken) {
      taken = ParseReportFlag(args, i, report);
    }
    if (!taken) {
      err << "xrayd assert: " << taken.error().message << "\n";
      return 2;
    }
    if (*taken) {
      continue;
    }
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      out << kAssertUsage << kAssertionFlagsUsage;
      return 0;
    }
    auto value = NextValue(args, i);
    if (arg == "--endpoint" && value) {
      endpoint = *value;
    } else if ((arg == "-t" || arg == "--tcp") && value) {
      auto parsed = ParseEndpoint(*value);
      if (!parsed) {
        err << "xrayd assert: " << arg << ": " << parsed.error().message << "\n";
        return 2;
      }
      endpoint = "http://" + parsed->ToString();
    } else if (arg == "--since" && value) {
      auto seconds = ParseDurationSeconds(*value);
      if (!seconds) {
        err << "xrayd assert: --since: " << seconds.error().message << "\n";
        return 2;
      }
      since_seconds = *seconds;
    } else {
      err << "xrayd assert: " << (value ? "unknown argument '" + arg + "'" : value.error().message)
          << "\n"
          << kAssertUsage;
      return 2;
    }
    i += 2;
  }
  if (assertion_flags.assertions().empty()) {
    err << "xrayd assert: give at least one assertion\n" << kAssertUsage << kAssertionFlagsUsage;
    return 2;
  }
  XrayQueryClient client(endpoint);
  const double now = clock.NowSeconds();
  const TraceWindow window{.start = now - since_seconds, .end = now + 1};
  const ReportSink sink{out, err, UseColor(report.color, STDOUT_FILENO, env)};
  return CheckAndReport(client, assertion_flags.assertions(), window, report, "xrayd assert", {},
                        clock.NowSeconds() - started, sink, nullptr);
}

}  // namespace xrayd::daemon
