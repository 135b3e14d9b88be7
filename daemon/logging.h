#pragma once
// Process-wide logging set-up (spdlog): stderr, the official daemon's level names.

#include "daemon/config.h"

namespace xrayd::daemon {

// dev and debug -> debug, info -> info, warn -> warn, error -> error, prod -> info without source
// details. Call once at start-up, before any thread starts.
void ConfigureLogging(LogLevel level);

}  // namespace xrayd::daemon
