#include "daemon/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace xrayd::daemon {

void ConfigureLogging(LogLevel level) {
  auto logger = spdlog::stderr_logger_mt("xrayd");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
  switch (level) {
    case LogLevel::kDev:
    case LogLevel::kDebug:
      spdlog::set_level(spdlog::level::debug);
      break;
    case LogLevel::kInfo:
    case LogLevel::kProd:
      spdlog::set_level(spdlog::level::info);
      break;
    case LogLevel::kWarn:
      spdlog::set_level(spdlog::level::warn);
      break;
    case LogLevel::kError:
      spdlog::set_level(spdlog::level::err);
      break;
  }
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace xrayd::daemon
