#include "daemon/cli/cli_assert.h"

#include <unistd.h>

#include <iostream>
#include <ostream>

#include "daemon/cli/cli_parse.h"
#include "query/trace_timeline.h"

namespace xrayd::daemon {

namespace {

std::string DefaultEndpoint(const Environment& env) {
  if (auto it = env.find("AWS_XRAY_DAEMON_ADDRESS"); it != env.end() && !it->second.empty()) {
    auto address = ParseDaemonAddress(it->second);
    if (address && (address->tcp || address->plain)) {
      return "http://" + (address->tcp ? *address->tcp : *address->plain).ToString();
    }
  }
  return "http://127.0.0.1:2000";
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

void AddReportOptions(CLI::App& app, ReportArgs& out) {
  app.add_option("--junit", out.junit_path, "write a JUnit XML report to FILE")->type_name("FILE");
  AddColorOption(app, out.color);
  AddPositiveOption(app, "--max-traces", out.max_traces,
                    "more traces than N in the window is an error (default 10000)");
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
  CLI::App app(
      "Checks the traces a running xrayd received in the last --since (default 15m) through its "
      "X-Ray API (default: AWS_XRAY_DAEMON_ADDRESS's tcp address, else 127.0.0.1:2000).\n"
      "Exit status: 0 all passed, 1 an assertion failed, 2 usage or connection errors.",
      "xrayd assert");
  CLI::Option* url =
      app.add_option("--endpoint", endpoint, "the X-Ray API's URL")->type_name("URL");
  app.add_option(
         "-t,--tcp",
         [&endpoint](const CLI::results_t& values) {
           auto parsed = ParseEndpoint(values.front());
           if (!parsed) {
             throw CLI::ValidationError("-t", parsed.error().message);
           }
           endpoint = "http://" + parsed->ToString();
           return true;
         },
         "the daemon's TCP address")
      ->type_name("HOST:PORT")
      ->expected(1)
      ->excludes(url);
  AddDurationOption(app, "--since", since_seconds, "how far back to look (default 15m)");
  AddReportOptions(app, report);
  assertion_flags.AddTo(app);
  if (auto code = ParseCommandLine(app, args, out, err)) {
    return *code;
  }
  if (assertion_flags.assertions().empty()) {
    err << "xrayd assert: give at least one assertion\n"
        << "Run 'xrayd assert --help' for more information.\n";
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
