#pragma once
// `xrayd traces ...`: read the store from the command line, safely while the daemon runs (a
// read-only SQLite connection sees committed data). Output is JSON on `out`, errors on `err`.

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config.h"
#include "proto/result.h"

namespace xrayd::daemon {

// Parses "90s", "10m", "1h", "7d" or plain seconds "30" into seconds. kInvalidArgument otherwise.
[[nodiscard]] Result<double> ParseDuration(std::string_view text);

// Runs `xrayd traces <args>`; returns the process exit code (0 ok, 1 not found, 2 usage/errors).
int RunTracesCommand(const std::vector<std::string>& args, const Environment& env,
                     std::ostream& out, std::ostream& err);

}  // namespace xrayd::daemon
