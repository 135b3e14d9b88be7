#pragma once
// DaemonConfig: the daemon's settings as a plain struct, and the pure functions that build it from
// command-line flags and the environment. No I/O beyond reading the environment map it is given.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "proto/result.h"

namespace xrayd::daemon {

struct Endpoint {
  std::string host;  // IPv4 or IPv6 literal (no brackets), or "localhost".
  std::uint16_t port = 0;

  // "host:port", IPv6 as "[::1]:2000".
  std::string ToString() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Parses "host:port", "[v6]:port", ":port" (loopback) or a bare port "2000" (loopback).
// Fails with kInvalidArgument naming the problem.
[[nodiscard]] Result<Endpoint> ParseEndpoint(std::string_view text);

enum class LogLevel { kDev, kDebug, kInfo, kWarn, kError, kProd };
[[nodiscard]] Result<LogLevel> ParseLogLevel(std::string_view text);

struct DaemonConfig {
  Endpoint udp{"127.0.0.1", 2000};
  Endpoint tcp{"127.0.0.1", 2000};
  std::string data_dir;  // Directory of the SQLite store; created if missing.
  bool offline = false;
  LogLevel log_level = LogLevel::kInfo;
  std::size_t receive_buffer_bytes = 16u << 20;  // SO_RCVBUF asked of the kernel.
  std::size_t queue_capacity_bytes = 64u << 20;  // Hand-off queue to the storage writer.
  std::size_t writer_batch_documents = 4096;

  // The SQLite file inside data_dir.
  std::string StorePath() const { return data_dir + "/traces.db"; }
};

using Environment = std::map<std::string, std::string, std::less<>>;

// The data directory used when none is given: $XRAYD_DATA_DIR, else $XDG_DATA_HOME/xrayd, else
// $HOME/.local/share/xrayd, else ./xrayd-data.
std::string DefaultDataDir(const Environment& env);

struct ParsedFlags {
  DaemonConfig config;
  bool show_help = false;
  bool show_version = false;
};

// Parses daemon flags (argv without the program name). Unknown flags and bad values fail with
// kInvalidArgument and a message naming the flag.
[[nodiscard]] Result<ParsedFlags> ParseDaemonFlags(const std::vector<std::string>& args,
                                                   const Environment& env);

// Usage text for `xrayd -h`.
std::string DaemonUsage();

// The process environment as an Environment.
Environment ProcessEnvironment();

}  // namespace xrayd::daemon
