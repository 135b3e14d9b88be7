#include "daemon/config.h"

#include <charconv>
#include <cstdlib>
#include <optional>

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

Result<DaemonAddress> ParseDaemonAddress(std::string_view text) {
  const auto invalid = [&](std::string_view why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid address '" + std::string(text) + "': " + std::string(why));
  };
  DaemonAddress address;
  const auto parse_part = [&](std::string_view part) -> Status {
    const bool is_udp = part.rfind("udp:", 0) == 0;
    const bool is_tcp = part.rfind("tcp:", 0) == 0;
    if (!is_udp && !is_tcp) {
      return invalid("each part of the two-part form starts with udp: or tcp:");
    }
    auto endpoint = ParseEndpoint(part.substr(4));
    if (!endpoint) {
      return tl::unexpected(endpoint.error());
    }
    std::optional<Endpoint>& slot = is_udp ? address.udp : address.tcp;
    if (slot) {
      return invalid(is_udp ? "udp given twice" : "tcp given twice");
    }
    slot = *endpoint;
    return {};
  };
  const std::size_t space = text.find(' ');
  if (space != std::string_view::npos) {
    if (text.find(' ', space + 1) != std::string_view::npos) {
      return invalid("expected 'udp:host:port tcp:host:port' (two parts, one space)");
    }
    for (std::string_view part : {text.substr(0, space), text.substr(space + 1)}) {
      if (Status s = parse_part(part); !s) {
        return tl::unexpected(s.error());
      }
    }
    if (!address.udp || !address.tcp) {
      return invalid("the two-part form needs one udp: and one tcp: part");
    }
    return address;
  }
  if (text.rfind("udp:", 0) == 0 || text.rfind("tcp:", 0) == 0) {
    if (Status s = parse_part(text); !s) {
      return tl::unexpected(s.error());
    }
    return address;
  }
  auto endpoint = ParseEndpoint(text);
  if (!endpoint) {
    return tl::unexpected(endpoint.error());
  }
  address.plain = *endpoint;
  return address;
}

const char* LogLevelName(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kDev:
      return "dev";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kProd:
      return "prod";
  }
  return "info";
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

std::string DaemonUsage() {
  return R"(usage: xrayd [flags]                 run the daemon
       xrayd --print-config [flags]  print the effective settings and where each came from
       xrayd traces list [--filter EXPR] [--since 1h] [--limit N] [--data-dir DIR]
       xrayd traces get|show TRACE_ID [--data-dir DIR]   JSON, or drawn as a timeline
       xrayd traces tail [--filter EXPR] [--data-dir DIR] print traces as they complete
       xrayd groups list [--data-dir DIR]
       xrayd capture [ASSERTION...] [--out F] [--junit F] -- COMMAND   run COMMAND, check its traces
       xrayd assert [-t HOST:PORT] [--since 15m] ASSERTION...        check a running daemon
       xrayd health [-t HOST:PORT] [--timeout SECONDS]   exit 0 if the daemon answers /healthz
       (`xrayd capture --help` lists the assertions)

Flags of the official X-Ray daemon (same meaning):
  -a, --resource-arn ARN      ARN of the AWS resource running the daemon
  -o, --local-mode            do not query EC2 instance metadata
  -m, --buffer-memory MB      cap on documents held in memory (min 3, default 64): 3/4 ingest
                              queue, 1/4 writer transaction; beyond it documents are dropped
  -n, --region REGION         region to forward to (default $AWS_REGION)
  -b, --bind ADDRESS          UDP address (default 127.0.0.1:2000)
  -t, --bind-tcp ADDRESS      TCP address for the X-Ray API, /healthz, /metrics (127.0.0.1:2000)
                              ADDRESS: host:port, [::1]:2000, or udp:host:port tcp:host:port
                              (sets both). Port 0 picks a free port (logged at start-up).
  -r, --role-arn ARN          IAM role assumed to upload segments
  -c, --config FILE           cfg.yaml (Version 1 or 2; xrayd settings under Xrayd:)
  -f, --log-file FILE         log to FILE, rotated at 50 MB (Logging.LogRotation)
  -l, --log-level LEVEL       dev, debug, info (default), warn, error, prod
  -p, --proxy-address URL     HTTPS proxy for uploads
  -v, --version               print the version
  -h, --help                  this text
xrayd flags:
      --offline               never forward to AWS
      --endpoint URL          X-Ray endpoint to forward to (default: the region's)
      --data-dir DIR          SQLite store directory (default $XRAYD_DATA_DIR,
                              $XDG_DATA_HOME/xrayd or ~/.local/share/xrayd)
      --retention-age AGE     delete traces not updated for AGE (default 7d; 0 = keep; s/m/h/d)
      --retention-size-mb N   keep the store (db + WAL) under N MB, oldest traces first (0 = no cap)
      --retention-interval T  time between retention rounds (default 60s)
      --spool-mb N            cap on documents waiting to be forwarded; oldest dropped beyond it
                              (default 1024)
      --receive-buffer-kb N   UDP socket receive buffer asked of the kernel (default 16384)
      --queue-mb N            ingest queue size, overriding its share of --buffer-memory
      --print-config          print the effective settings with their source, then exit
Precedence: flags, then the -c file, then the environment (AWS_XRAY_DAEMON_ADDRESS, AWS_REGION,
AWS_DEFAULT_REGION, XRAYD_DATA_DIR), then defaults.
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
