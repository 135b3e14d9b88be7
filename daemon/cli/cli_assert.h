#pragma once
// `xrayd assert`: checks assertions (daemon/trace_assertions.h) against a running xrayd's X-Ray
// API, prints what passed and, for what failed, what was expected, what was found and the
// closest traces drawn as timelines; `--junit FILE` writes a JUnit XML report.
// `xrayd capture` (daemon/cli_capture.h) shares the report options and the reporting below.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "daemon/cli/assert_report.h"
#include "daemon/cli/trace_assertions.h"
#include "daemon/config.h"
#include "proto/clock.h"

#include <CLI/CLI.hpp>

namespace xrayd::daemon {

// Options both commands take besides the assertions.
struct ReportArgs {
  std::string junit_path;      // --junit FILE
  std::string color = "auto";  // --color auto|always|never
  std::size_t max_traces = 10000;
};

// Adds --junit, --color and --max-traces to `app`, parsed into `*out` (which must outlive the
// parse).
void AddReportOptions(CLI::App& app, ReportArgs& out);

// Where a report goes: the stream, and whether it may carry ANSI colours.
struct ReportSink {
  std::ostream& out;
  std::ostream& err;
  bool color = false;
};

// True for --color always, or auto when `fd` is a terminal and NO_COLOR is unset.
[[nodiscard]] bool UseColor(const std::string& when, int fd, const Environment& env);

// Checks `assertions`, prints the report, writes the JUnit file (`extra_cases` first, e.g.
// capture's command; `seconds` is the suite's time). Returns 0 when everything passed, 1 when an
// assertion or an extra case failed, 2 when the checks could not run (message on `sink.err`).
// `traces`, when not null, receives every trace of the window.
int CheckAndReport(XrayQueryClient& client, const std::vector<Assertion>& assertions,
                   const TraceWindow& window, const ReportArgs& args, const std::string& suite,
                   const std::vector<JUnitCase>& extra_cases, double seconds,
                   const ReportSink& sink, std::vector<nlohmann::json>* traces);

// Runs `xrayd assert <args>`. --since counts back from `clock`'s wall time, which must outlive
// the call.
int RunAssertCommand(const std::vector<std::string>& args, const Environment& env,
                     std::ostream& out, std::ostream& err,
                     const proto::Clock& clock = proto::SystemClock::Instance());

}  // namespace xrayd::daemon
