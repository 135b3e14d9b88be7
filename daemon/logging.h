#pragma once
// Process-wide logging set-up (spdlog): stderr or a size-rotated file, the official daemon's level
// names. Lines about one document name its trace id (and id); floods are summarised by LogLimiter.

#include <cstddef>
#include <string>
#include <string_view>

#include "daemon/config.h"
#include "proto/result.h"

namespace xrayd::daemon {

// What a configured level lets through (spdlog's level, in our own type so tests need no spdlog).
enum class EffectiveLogLevel { kTrace, kDebug, kInfo, kWarn, kError };

// The official daemon's mapping: dev -> trace, debug -> debug, info -> info, warn -> warn,
// error -> error; prod -> warn when it comes from cfg.yaml or is the default, but info when given
// as a flag (`from_flag`: -l prod that differs from the file's LogLevel).
EffectiveLogLevel EffectiveLevel(LogLevel level, bool from_flag) noexcept;

struct LoggingOptions {
  EffectiveLogLevel level = EffectiveLogLevel::kInfo;
  std::string file;  // Empty: stderr.
  bool rotate = true;
  std::size_t max_bytes = 50u << 20;  // Rotate when the file would pass this size.
  std::size_t max_files = 1;          // Rotated files kept: FILE.1.ext ... FILE.N.ext.
};

LoggingOptions LoggingOptionsFrom(const DaemonConfig& config);

// Installs the default logger. Call at start-up, before any thread logs; calling again replaces
// the logger (tests). kIOError if the log file cannot be opened.
[[nodiscard]] Status ConfigureLogging(const LoggingOptions& options);

// Flushes and restores a stderr logger (tests, and before exit).
void ResetLogging();

// Logs `message` at `level` through the default logger and flushes (tests: they do not include
// spdlog).
void LogForTesting(EffectiveLogLevel level, std::string_view message);

}  // namespace xrayd::daemon
