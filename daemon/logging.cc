#include "daemon/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace xrayd::daemon {

namespace {

spdlog::level::level_enum ToSpdlog(EffectiveLogLevel level) {
  switch (level) {
    case EffectiveLogLevel::kTrace:
      return spdlog::level::trace;
    case EffectiveLogLevel::kDebug:
      return spdlog::level::debug;
    case EffectiveLogLevel::kInfo:
      return spdlog::level::info;
    case EffectiveLogLevel::kWarn:
      return spdlog::level::warn;
    case EffectiveLogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

EffectiveLogLevel EffectiveLevel(LogLevel level, bool from_flag) noexcept {
  switch (level) {
    case LogLevel::kDev:
      return EffectiveLogLevel::kTrace;
    case LogLevel::kDebug:
      return EffectiveLogLevel::kDebug;
    case LogLevel::kInfo:
      return EffectiveLogLevel::kInfo;
    case LogLevel::kWarn:
      return EffectiveLogLevel::kWarn;
    case LogLevel::kError:
      return EffectiveLogLevel::kError;
    case LogLevel::kProd:
      return from_flag ? EffectiveLogLevel::kInfo : EffectiveLogLevel::kWarn;
  }
  return EffectiveLogLevel::kInfo;
}

LoggingOptions LoggingOptionsFrom(const DaemonConfig& config) {
  LoggingOptions options;
  options.level = EffectiveLevel(config.log_level, config.log_level_from_flag);
  options.file = config.log_file;
  options.rotate = config.log_rotation;
  options.max_bytes = config.log_max_bytes;
  options.max_files = config.log_max_files;
  return options;
}

Status ConfigureLogging(const LoggingOptions& options) {
  spdlog::sink_ptr sink;
  // Cold path: spdlog reports a file it cannot open by throwing.
  try {
    if (options.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else if (options.rotate) {
      sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(options.file, options.max_bytes,
                                                                    options.max_files);
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file);
    }
  } catch (const spdlog::spdlog_ex& e) {
    return MakeError(ErrorCode::kIOError, "cannot open log file " + options.file + ": " + e.what());
  }
  auto logger = std::make_shared<spdlog::logger>("xrayd", std::move(sink));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
  logger->set_level(ToSpdlog(options.level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
  return {};
}

void ResetLogging() {
  spdlog::default_logger()->flush();
  (void)ConfigureLogging(LoggingOptions{});
}

void LogForTesting(EffectiveLogLevel level, std::string_view message) {
  spdlog::log(ToSpdlog(level), "{}", message);
  spdlog::default_logger()->flush();
}

}  // namespace xrayd::daemon
