#include "daemon/config.h"

#include <charconv>
#include <cstdlib>

extern char** environ;  // POSIX

namespace xrayd::daemon {

namespace {

Result<std::uint16_t> ParsePort(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid port '" + std::string(text) +
                                                      "' in address '" + std::string(whole) +
                                                      "' (expected 0-65535)");
  }
  return static_cast<std::uint16_t>(value);
}

Result<std::size_t> ParseSize(std::string_view flag, std::string_view text) {
  std::size_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(flag) + ": expected a number, got '" + std::string(text) + "'");
  }
  return value;
}

}  // namespace

std::string Endpoint::ToString() const {
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + std::to_string(port);
  }
  return host + ":" + std::to_string(port);
}

Result<Endpoint> ParseEndpoint(std::string_view text) {
  if (text.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "empty address");
  }
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return MakeError(ErrorCode::kInvalidArgument,
                       "invalid address '" + std::string(text) + "' (expected [ipv6]:port)");
    }
    auto port = ParsePort(text.substr(close + 2), text);
    if (!port) {
      return tl::unexpected(port.error());
    }
    return Endpoint{std::string(text.substr(1, close - 1)), *port};
  }
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    auto port = ParsePort(text, text);
    if (!port) {
      return tl::unexpected(port.error());
    }
    return Endpoint{"127.0.0.1", *port};
  }
  if (text.find(':') != colon) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid address '" + std::string(text) +
                         "' (write IPv6 addresses in brackets: [::1]:2000)");
  }
  auto port = ParsePort(text.substr(colon + 1), text);
  if (!port) {
    return tl::unexpected(port.error());
  }
  std::string host(text.substr(0, colon));
  if (host.empty()) {
    host = "127.0.0.1";
  }
  return Endpoint{std::move(host), *port};
}

Result<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "dev")
    return LogLevel::kDev;
  if (text == "debug")
    return LogLevel::kDebug;
  if (text == "info")
    return LogLevel::kInfo;
  if (text == "warn")
    return LogLevel::kWarn;
  if (text == "error")
    return LogLevel::kError;
  if (text == "prod")
    return LogLevel::kProd;
  return MakeError(ErrorCode::kInvalidArgument,
                   "invalid log level '" + std::string(text) +
                       "' (expected dev, debug, info, warn, error or prod)");
}

std::string DefaultDataDir(const Environment& env) {
  auto get = [&env](std::string_view key) -> std::string {
    auto it = env.find(key);
    return it == env.end() ? std::string() : it->second;
  };
  if (std::string dir = get("XRAYD_DATA_DIR"); !dir.empty()) {
    return dir;
  }
  if (std::string xdg = get("XDG_DATA_HOME"); !xdg.empty()) {
    return xdg + "/xrayd";
  }
  if (std::string home = get("HOME"); !home.empty()) {
    return home + "/.local/share/xrayd";
  }
  return "xrayd-data";
}

Result<ParsedFlags> ParseDaemonFlags(const std::vector<std::string>& args, const Environment& env) {
  ParsedFlags parsed;
  DaemonConfig& config = parsed.config;
  config.data_dir = DefaultDataDir(env);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_inline_value = false;
    if (flag.rfind("--", 0) == 0) {
      if (auto eq = flag.find('='); eq != std::string::npos) {
        value = flag.substr(eq + 1);
        flag = flag.substr(0, eq);
        has_inline_value = true;
      }
    }
    auto next = [&](std::string_view name) -> Result<std::string> {
      if (has_inline_value) {
        return value;
      }
      if (i + 1 >= args.size()) {
        return MakeError(ErrorCode::kInvalidArgument, std::string(name) + " needs a value");
      }
      return args[++i];
    };
    auto set_endpoint = [&](Endpoint& out) -> Status {
      auto text = next(flag);
      if (!text) {
        return tl::unexpected(text.error());
      }
      auto endpoint = ParseEndpoint(*text);
      if (!endpoint) {
        return MakeError(ErrorCode::kInvalidArgument, flag + ": " + endpoint.error().message);
      }
      out = *endpoint;
      return {};
    };
    auto set_size = [&](std::size_t& out, std::size_t scale) -> Status {
      auto text = next(flag);
      if (!text) {
        return tl::unexpected(text.error());
      }
      auto size = ParseSize(flag, *text);
      if (!size) {
        return tl::unexpected(size.error());
      }
      out = *size * scale;
      return {};
    };

    Status status;
    if (flag == "-h" || flag == "--help") {
      parsed.show_help = true;
    } else if (flag == "-v" || flag == "--version") {
      parsed.show_version = true;
    } else if (flag == "-b" || flag == "--bind") {
      status = set_endpoint(config.udp);
    } else if (flag == "-t" || flag == "--bind-tcp") {
      status = set_endpoint(config.tcp);
    } else if (flag == "--data-dir") {
      auto dir = next(flag);
      if (!dir) {
        return tl::unexpected(dir.error());
      }
      if (dir->empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "--data-dir needs a directory");
      }
      config.data_dir = *dir;
    } else if (flag == "--offline" || flag == "-o" || flag == "--local-mode") {
      config.offline = true;
    } else if (flag == "-l" || flag == "--log-level") {
      auto text = next(flag);
      if (!text) {
        return tl::unexpected(text.error());
      }
      auto level = ParseLogLevel(*text);
      if (!level) {
        return tl::unexpected(level.error());
      }
      config.log_level = *level;
    } else if (flag == "--receive-buffer-kb") {
      status = set_size(config.receive_buffer_bytes, 1024);
    } else if (flag == "--queue-mb") {
      status = set_size(config.queue_capacity_bytes, 1024 * 1024);
      if (status && config.queue_capacity_bytes == 0) {
        return MakeError(ErrorCode::kInvalidArgument, "--queue-mb must be at least 1");
      }
    } else {
      return MakeError(ErrorCode::kInvalidArgument,
                       "unknown flag '" + flag + "' (see xrayd --help)");
    }
    if (!status) {
      return tl::unexpected(status.error());
    }
  }
  return parsed;
}

std::string DaemonUsage() {
  return R"(usage: xrayd [flags]                 run the daemon
       xrayd traces list [--since 1h] [--limit N] [--data-dir DIR]
       xrayd traces get TRACE_ID [--data-dir DIR]
       xrayd health [-t HOST:PORT] [--timeout SECONDS]   exit 0 if the daemon answers /healthz

daemon flags:
  -b, --bind HOST:PORT        UDP address for segment documents (default 127.0.0.1:2000)
  -t, --bind-tcp HOST:PORT    TCP address for HTTP: /healthz, /metrics (default 127.0.0.1:2000)
                              IPv6: [::1]:2000. Port 0 picks a free port (logged at start-up).
      --data-dir DIR          where the SQLite store lives (default $XRAYD_DATA_DIR,
                              $XDG_DATA_HOME/xrayd or ~/.local/share/xrayd)
  -o, --offline               never forward to AWS (forwarding is not built yet: always offline)
  -l, --log-level LEVEL       dev, debug, info (default), warn, error, prod
      --receive-buffer-kb N   UDP socket receive buffer asked of the kernel (default 16384)
      --queue-mb N            memory for documents waiting to be stored (default 64)
  -v, --version               print the version
  -h, --help                  this text
)";
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view kv(*entry);
    const std::size_t eq = kv.find('=');
    if (eq != std::string_view::npos) {
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
  }
  return env;
}

}  // namespace xrayd::daemon
