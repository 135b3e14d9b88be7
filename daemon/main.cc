// xrayd entry point: subcommand dispatch, signals, exit codes. The only file no test links.

#include <pthread.h>

#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "daemon/cli/cli_alarms.h"
#include "daemon/cli/cli_assert.h"
#include "daemon/cli/cli_capture.h"
#include "daemon/cli/cli_groups.h"
#include "daemon/cli/cli_health.h"
#include "daemon/cli/cli_sign.h"
#include "daemon/cli/cli_traces.h"
#include "daemon/cli/store_group_counts.h"
#include "daemon/config.h"
#include "daemon/core/build_info.h"
#include "daemon/daemon.h"
#include "daemon/logging.h"

namespace {

int RunDaemon(const std::vector<std::string>& args) {
  using namespace xrayd::daemon;  // NOLINT(google-build-using-namespace): entry point only.
  auto flags = ParseDaemonFlags(args, ProcessEnvironment());
  if (!flags) {
    std::cerr << "xrayd: " << flags.error().message << "\n";
    return 2;
  }
  if (flags->show_help) {
    std::cout << DaemonUsage();
    return 0;
  }
  if (flags->show_version) {
    std::cout << VersionLine() << "\n";
    return 0;
  }
  if (flags->print_config) {
    std::cout << PrintConfig(*flags);
    return 0;
  }
  if (auto status = ConfigureLogging(LoggingOptionsFrom(flags->config)); !status) {
    std::cerr << "xrayd: " << status.error().message << "\n";
    return 1;
  }

  // Block the stop signals in every thread; this thread waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Daemon daemon(flags->config);
  if (auto status = daemon.Start(); !status) {
    std::cerr << "xrayd: " << status.error().message << "\n";
    return 1;
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cerr << "xrayd: received " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
            << ", draining\n";
  daemon.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args.front() == "traces") {
    args.erase(args.begin());
    return xrayd::daemon::RunTracesCommand(args, xrayd::daemon::ProcessEnvironment(), std::cout,
                                           std::cerr);
  }
  if (!args.empty() && args.front() == "groups") {
    args.erase(args.begin());
    return xrayd::daemon::RunGroupsCommand(args, xrayd::daemon::ProcessEnvironment(), std::cout,
                                           std::cerr, xrayd::daemon::MakeStoreGroupCounts());
  }
  // Hidden: SigV4 checks in tests/e2e.
  if (!args.empty() && (args.front() == "sign-request" || args.front() == "sign")) {
    args.erase(args.begin());
    return xrayd::daemon::RunSignRequestCommandLine(args, std::cin, std::cout, std::cerr);
  }
  if (!args.empty() && args.front() == "capture") {
    args.erase(args.begin());
    return xrayd::daemon::RunCaptureCommand(args, xrayd::daemon::ProcessEnvironment(), std::cout,
                                            std::cerr);
  }
  if (!args.empty() && args.front() == "assert") {
    args.erase(args.begin());
    return xrayd::daemon::RunAssertCommand(args, xrayd::daemon::ProcessEnvironment(), std::cout,
                                           std::cerr);
  }
  if (!args.empty() && args.front() == "alarms") {
    args.erase(args.begin());
    return xrayd::daemon::RunAlarmsCommand(args, std::cout, std::cerr);
  }
  if (!args.empty() && args.front() == "health") {
    args.erase(args.begin());
    return xrayd::daemon::RunHealthCommand(args, std::cout, std::cerr);
  }
  try {
    return RunDaemon(args);
  } catch (const std::exception& e) {
    std::cerr << "xrayd: fatal: " << e.what() << "\n";
    return 1;
  }
}
