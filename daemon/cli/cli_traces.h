#pragma once
// `xrayd traces ...`: read the store from the command line, safely while the daemon runs (a
// read-only SQLite connection sees committed data). list/get print JSON on `out`, show a timeline
// and tail one line per completed trace (daemon/cli_traces_tail.h); errors go to `err`.

#include <iosfwd>
#include <string>
#include <vector>

#include "daemon/config.h"
#include "proto/clock.h"

namespace xrayd::daemon {

// Runs `xrayd traces <args>`; returns the process exit code (0 ok or --help, 1 not found, 2 usage
// or store errors).
// `tail` runs until SIGINT/SIGTERM (exit 0) or --count traces. --color auto colours only when
// `out` is std::cout on a terminal. `clock` is the "now" that --since counts back from and that
// tail decides completion by; it must outlive the call.
int RunTracesCommand(const std::vector<std::string>& args, const Environment& env,
                     std::ostream& out, std::ostream& err,
                     const proto::Clock& clock = proto::SystemClock::Instance());

}  // namespace xrayd::daemon
