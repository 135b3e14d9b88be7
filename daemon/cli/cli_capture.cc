#include "daemon/cli/cli_capture.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <thread>

#include "daemon/cli/cli_alarms.h"
#include "daemon/cli/cli_assert.h"
#include "daemon/cli/cli_parse.h"
#include "daemon/cli/xray_query_client.h"
#include "daemon/daemon.h"
#include "daemon/logging.h"

namespace xrayd::daemon {

namespace {

struct CaptureArgs {
  std::string out_path;
  std::string data_dir;  // Empty: a temporary directory, removed at the end.
  double quiet_seconds = 1;
  double timeout_seconds = 30;
  ReportArgs report;
  AssertionFlags assertions;
  std::vector<AlarmExpectation> alarms;  // --alarm-fired / --no-alarm, in order.
  std::vector<std::string> command;
};

// Parses `args` into `parsed`; nullopt when the capture should run, else the exit code.
std::optional<int> ParseCaptureArgs(const std::vector<std::string>& args, CaptureArgs& parsed,
                                    std::ostream& out, std::ostream& err) {
  // Everything after the first "--" is the command, verbatim.
  const auto separator = std::find(args.begin(), args.end(), "--");
  const std::vector<std::string> options(args.begin(), separator);
  CLI::App app(
      "Runs COMMAND against a private xrayd (free loopback ports, temporary store unless "
      "--data-dir), waits until no segment arrived for --quiet (default 1s, at most --timeout, "
      "default 30s, after COMMAND exits), writes the traces (--out, BatchGetTraces JSON) and "
      "checks the assertions.\n"
      "Usage: xrayd capture [OPTIONS] [ASSERTION...] -- COMMAND [ARGS...]\n"
      "Exit status: COMMAND's if it failed, else 1 if an assertion failed, else 0; 2 for usage "
      "errors.",
      "xrayd capture");
  app.add_option("--out", parsed.out_path, "write the captured traces to FILE")->type_name("FILE");
  app.add_option("--data-dir", parsed.data_dir, "keep the store in DIR (default: temporary)")
      ->type_name("DIR");
  AddDurationOption(app, "--quiet", parsed.quiet_seconds,
                    "done once no segment arrived for this long (default 1s)");
  AddDurationOption(app, "--timeout", parsed.timeout_seconds,
                    "wait at most this long after COMMAND exits (default 30s)");
  AddReportOptions(app, parsed.report);
  parsed.assertions.AddTo(app);
  for (const auto& option : {std::pair{"--alarm-fired", true}, {"--no-alarm", false}}) {
    const char* flag = option.first;
    const bool fired = option.second;  // A copy: clang 14 cannot capture a structured binding.
    app.add_option(
           flag,
           [&parsed, fired](const CLI::results_t& values) {
             parsed.alarms.push_back({values.front(), fired});
             return true;
           },
           fired ? "fail unless CloudWatch alarm NAME went to ALARM during the run (repeatable)"
                 : "fail if CloudWatch alarm NAME went to ALARM during the run (repeatable)")
        ->expected(1)
        ->type_name("NAME")
        ->trigger_on_parse()
        ->group("Alarm assertions (docs/alarms.md)");
  }
  if (auto code = ParseCommandLine(app, options, out, err)) {
    return code;
  }
  if (separator == args.end() || separator + 1 == args.end()) {
    err << "xrayd capture: give the command to run after --\n"
        << "Run 'xrayd capture --help' for more information.\n";
    return 2;
  }
  parsed.command.assign(separator + 1, args.end());
  return std::nullopt;
}

// Everything the private daemon has been handed so far; it changes while segments arrive.
std::uint64_t Activity(const Metrics& m) {
  std::uint64_t total = m.datagrams_received.load() + m.segments_accepted.load();
  for (const auto& rejected : m.rejected) {
    total += rejected.load();
  }
  return total;
}

// True once every accepted document is committed (or counted as dropped).
bool Settled(const Metrics& m) {
  std::uint64_t done = m.segments_stored.load();
  for (const auto& dropped : m.dropped) {
    done += dropped.load();
  }
  return done >= m.segments_accepted.load();
}

// Waits until nothing arrived for `quiet` and the writer caught up, at most `timeout`.
// Returns false on timeout.
bool WaitQuiet(const Metrics& metrics, double quiet, double timeout, const proto::Clock& clock) {
  const auto deadline =
      clock.SteadyNow() + std::chrono::duration_cast<proto::Clock::SteadyTime::duration>(
                              std::chrono::duration<double>(timeout));
  std::uint64_t last = Activity(metrics);
  auto last_change = clock.SteadyNow();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    const auto now = clock.SteadyNow();
    if (const std::uint64_t activity = Activity(metrics); activity != last) {
      last = activity;
      last_change = now;
    }
    if (Settled(metrics) && now - last_change >= std::chrono::duration<double>(quiet)) {
      return true;
    }
    if (now >= deadline) {
      return false;
    }
  }
}

struct CommandResult {
  int exit_code = 0;   // The capture's exit status for this outcome.
  std::string status;  // "exited with status 3", "killed by signal 9 (Killed)", ...
};

// Runs `command` with `env` and waits for it. SIGINT/SIGQUIT are ignored here meanwhile (the
// terminal sends them to the command too; it decides), as shells do for foreground jobs.
CommandResult RunCommand(const std::vector<std::string>& command, const Environment& env) {
  std::vector<std::string> env_strings;
  for (const auto& [name, value] : env) {
    env_strings.push_back(name + "=" + value);
  }
  std::vector<char*> envp;
  for (std::string& entry : env_strings) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings = command;
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGQUIT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_int {};
  struct sigaction old_quit {};
  sigaction(SIGINT, &ignore, &old_int);
  sigaction(SIGQUIT, &ignore, &old_quit);

  pid_t pid = 0;
  const int spawn_error = posix_spawnp(&pid, argv[0], nullptr, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  CommandResult result;
  if (spawn_error != 0) {
    result.exit_code = 127;
    result.status = std::string("could not be started: ") + std::strerror(spawn_error);
  } else {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
      result.status = "exited with status " + std::to_string(result.exit_code);
    } else if (WIFSIGNALED(status)) {
      result.exit_code = 128 + WTERMSIG(status);
      result.status = "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                      strsignal(WTERMSIG(status)) + ")";
    }
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGQUIT, &old_quit, nullptr);
  return result;
}

std::string CommandText(const std::vector<std::string>& command) {
  std::string text;
  for (const std::string& arg : command) {
    text += (text.empty() ? "" : " ") + arg;
  }
  return text;
}

Result<std::string> MakeTemporaryDataDir(const Environment& env) {
  auto tmpdir = env.find("TMPDIR");
  std::string pattern = (tmpdir != env.end() && !tmpdir->second.empty() ? tmpdir->second : "/tmp") +
                        "/xrayd-capture.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return MakeError(ErrorCode::kIOError,
                     "cannot create a temporary store in " + pattern + ": " + std::strerror(errno));
  }
  return pattern;
}

// The private daemon: offline, loopback, free ports, warnings only; nothing from the user's
// environment or config files.
Result<DaemonConfig> PrivateDaemonConfig(const std::string& data_dir) {
  XRAYD_TRY_ASSIGN(auto flags,
                   ParseDaemonFlags({"--offline", "-b", "127.0.0.1:0", "-t", "127.0.0.1:0",
                                     "--data-dir", data_dir, "-l", "warn"},
                                    Environment{}));
  return flags.config;
}

int Capture(const CaptureArgs& args, const std::string& data_dir, const Environment& env,
            const proto::Clock& clock, std::ostream& err) {
  const double started = clock.NowSeconds();
  auto config = PrivateDaemonConfig(data_dir);
  if (!config) {
    err << "xrayd capture: " << config.error().message << "\n";
    return 2;
  }
  Daemon daemon(*config);
  if (Status s = daemon.Start(); !s) {
    err << "xrayd capture: cannot start the private daemon: " << s.error().message << "\n";
    return 2;
  }
  const std::string udp = daemon.UdpEndpoint().ToString();
  const std::string tcp = daemon.TcpEndpoint().ToString();
  XrayQueryClient client("http://" + tcp);
  auto sampling =
      client.Call("/UpdateSamplingRule",
                  {{"SamplingRuleUpdate", {{"RuleName", "Default"}, {"FixedRate", 1.0}}}});
  if (!sampling) {
    err << "xrayd capture: cannot set the private daemon's sampling rule: "
        << sampling.error().message << "\n";
  }

  Environment command_env = env;
  command_env["AWS_XRAY_DAEMON_ADDRESS"] = "udp:" + udp + " tcp:" + tcp;
  command_env["AWS_ENDPOINT_URL_XRAY"] = "http://" + tcp;
  // CloudWatch alarms on the private daemon's groups (docs/alarms.md).
  command_env["AWS_ENDPOINT_URL_CLOUDWATCH"] = "http://" + tcp;
  const CommandResult command = RunCommand(args.command, command_env);
  if (!WaitQuiet(daemon.GetMetrics(), args.quiet_seconds, args.timeout_seconds, clock)) {
    err << "xrayd capture: segments still arriving after --timeout " << args.timeout_seconds
        << " s; checking what arrived so far\n";
  }

  const TraceWindow window{.start = started - 1, .end = clock.NowSeconds() + 1};
  JUnitCase command_case{.name = "command: " + CommandText(args.command),
                         .passed = command.exit_code == 0,
                         .message = "the command " + command.status,
                         .details = ""};
  std::vector<JUnitCase> extra_cases = {command_case};
  // The last traces are counted into their groups' alarms once summarized (about a second after
  // they went quiet), so alarm expectations wait that long at most.
  for (JUnitCase& c : CheckAlarmExpectations("http://" + tcp, args.alarms, started - 1,
                                             std::chrono::milliseconds(2500), err)) {
    extra_cases.push_back(std::move(c));
  }
  const ReportSink sink{err, err, UseColor(args.report.color, STDERR_FILENO, env)};
  std::vector<nlohmann::json> traces;
  const int checked =
      CheckAndReport(client, args.assertions.assertions(), window, args.report, "xrayd capture",
                     extra_cases, clock.NowSeconds() - started, sink, &traces);
  daemon.Stop();
  std::size_t segments = 0;
  for (const nlohmann::json& trace : traces) {
    segments += TraceDocuments(trace).size();
  }
  err << "xrayd capture: " << traces.size() << (traces.size() == 1 ? " trace" : " traces") << ", "
      << segments << (segments == 1 ? " segment" : " segments") << " captured; the command "
      << command.status << "\n";
  if (traces.empty()) {
    err << "xrayd capture: nothing was captured: does the command use an X-Ray SDK and honour "
           "AWS_XRAY_DAEMON_ADDRESS?\n";
  }
  if (!args.out_path.empty()) {
    const nlohmann::json document = {{"Traces", traces},
                                     {"UnprocessedTraceIds", nlohmann::json::array()}};
    if (Status s = WriteFileAtomically(args.out_path, document.dump(2) + "\n"); !s) {
      err << "xrayd capture: " << s.error().message << "\n";
      return command.exit_code != 0 ? command.exit_code : 2;
    }
  }
  if (command.exit_code != 0) {
    return command.exit_code;
  }
  return checked;
}

}  // namespace

int RunCaptureCommand(const std::vector<std::string>& args, const Environment& env,
                      std::ostream& out, std::ostream& err, const proto::Clock& clock) {
  CaptureArgs capture;
  if (auto code = ParseCaptureArgs(args, capture, out, err)) {
    return *code;
  }
  const CaptureArgs* parsed = &capture;
  LoggingOptions logging;
  logging.level = EffectiveLogLevel::kWarn;
  if (Status s = ConfigureLogging(logging); !s) {
    err << "xrayd capture: " << s.error().message << "\n";
    return 2;
  }
  std::string data_dir = parsed->data_dir;
  const bool temporary = data_dir.empty();
  if (temporary) {
    auto made = MakeTemporaryDataDir(env);
    if (!made) {
      err << "xrayd capture: " << made.error().message << "\n";
      return 2;
    }
    data_dir = *made;
  }
  const int code = Capture(*parsed, data_dir, env, clock, err);
  if (temporary) {
    std::error_code ignored;
    std::filesystem::remove_all(data_dir, ignored);
  }
  return code;
}

}  // namespace xrayd::daemon
