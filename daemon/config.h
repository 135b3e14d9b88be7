#pragma once
// DaemonConfig: the daemon's settings as a plain struct, and the functions that build it from, in
// order of precedence, command-line flags, the `-c` config file (the official daemon's cfg.yaml,
// Version 1 or 2, plus our `Xrayd:` section), the environment and built-in defaults. Each effective
// setting remembers where it came from (`xrayd --print-config`). The only I/O is reading the config
// file named by -c; the environment comes in as a map.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/endpoint.h"
#include "daemon/core/environment.h"
#include "proto/result.h"

namespace xrayd::daemon {

// The official daemon's levels. Its quirk is kept: `prod` given as a flag logs at info, `prod` from
// cfg.yaml (its default) logs at warn; see EffectiveLogLevel in logging.h.
enum class LogLevel { kDev, kDebug, kInfo, kWarn, kError, kProd };
[[nodiscard]] Result<LogLevel> ParseLogLevel(std::string_view text);
const char* LogLevelName(LogLevel level) noexcept;

// Memory split of -m/--buffer-memory (see README "Memory"): 3/4 for the ingest queue, 1/4 for the
// documents the storage writer holds in one transaction.
inline constexpr std::size_t kDefaultBufferMemoryMb = 32;
inline constexpr std::size_t kMinBufferMemoryMb = 3;

struct DaemonConfig {
  Endpoint udp{"127.0.0.1", 2000};
  Endpoint tcp{"127.0.0.1", 2000};
  std::string data_dir;  // Directory of the SQLite store; created if missing.

  // Forwarding to AWS (consumed by the forwarder).
  bool offline = false;     // --offline / Xrayd.Offline: never forward, never look for credentials.
  bool local_mode = false;  // -o/--local-mode / LocalMode: skip EC2 instance metadata.
  std::string region;       // -n/--region / Region / AWS_REGION / AWS_DEFAULT_REGION.
  std::string endpoint;     // --endpoint / Endpoint: X-Ray endpoint URL; empty = the region's.
  std::string resource_arn;    // -a/--resource-arn / ResourceARN (telemetry).
  std::string role_arn;        // -r/--role-arn / RoleARN: assumed for uploads.
  std::string proxy_address;   // -p/--proxy-address / ProxyAddress: HTTPS proxy for uploads.
  std::string profile;         // Profile: shared-credentials profile; empty = AWS_PROFILE/default.
  bool no_verify_ssl = false;  // NoVerifySSL.
  int concurrency = 8;         // Concurrency: parallel uploads.
  // --spool-mb / Xrayd.SpoolMB: cap on documents waiting to be forwarded; beyond it the oldest are
  // dropped and counted (daemon/forwarder.h).
  std::uint64_t forward_spool_max_bytes = 1024ull << 20;

  // Logging.
  LogLevel log_level = LogLevel::kInfo;
  bool log_level_from_flag = false;       // See LogLevel: decides what kProd means.
  std::string log_file;                   // -f/--log-file / Logging.LogPath; empty = stderr.
  bool log_rotation = true;               // Logging.LogRotation: rotate the log file by size.
  std::size_t log_max_bytes = 50u << 20;  // Xrayd.LogMaxSizeMB (official: 50 MB).
  std::size_t log_max_files = 1;          // Xrayd.LogMaxFiles: rotated files kept (official: 1).

  // Memory: -m/--buffer-memory / TotalBufferSizeMB caps documents held in memory.
  std::size_t buffer_memory_mb = kDefaultBufferMemoryMb;
  std::size_t receive_buffer_bytes = 16u << 20;  // SO_RCVBUF asked of the kernel (kernel memory).
  std::size_t queue_capacity_bytes = 48u << 20;  // Hand-off queue to the storage writer.
  std::size_t writer_batch_bytes = 16u << 20;    // Documents in one writer transaction.
  std::size_t writer_batch_documents = 4096;

  // Retention (daemon/retention.h).
  std::chrono::seconds retention_max_age{7 * 24 * 3600};  // 0 = keep forever.
  std::uint64_t retention_max_bytes = 0;                  // Store file + WAL; 0 = no limit.
  std::chrono::milliseconds retention_interval{60'000};   // Between retention rounds.

  // The TCP port's guard (daemon/api/request_guard.h, docs/security.md).
  std::vector<std::string> allowed_hosts;  // --allowed-host / Xrayd.AllowedHosts; "*" = every name.
  std::vector<std::string> cors_origins;   // --cors-origin / Xrayd.CorsOrigins.
  bool api_auth_sigv4 = false;             // --api-auth sigv4 / Xrayd.ApiAuth.
  // Access key id -> secret, from --api-key ID:SECRET and --api-keys-file / Xrayd.ApiKeysFile.
  std::map<std::string, std::string> api_keys;
  std::string api_keys_file;
  bool metrics_auth = false;  // --metrics-auth / Xrayd.MetricsAuth: /metrics needs a signature.
  // --ui on|off / Xrayd.Ui: the web console (/ and /ui/...) on the TCP address.
  bool ui = true;

  // OTLP/HTTP receiver (daemon/otlp/, docs/otlp-mapping.md). POST /v1/traces is always served on
  // `tcp`; also on this address unless it is unset (--otlp-http off / Xrayd.OtlpHttpAddress).
  std::optional<Endpoint> otlp_http = Endpoint{"127.0.0.1", 4318};
  // Set when the address was given (flag or cfg.yaml): then failing to bind it is a start-up
  // error; the default address that is taken is only a warning.
  bool otlp_http_explicit = false;
  // OTLP/gRPC receiver (TraceService/Export) on this address unless it is unset (--otlp-grpc off /
  // Xrayd.OtlpGrpcAddress); `explicit` as for otlp_http.
  std::optional<Endpoint> otlp_grpc = Endpoint{"127.0.0.1", 4317};
  bool otlp_grpc_explicit = false;
  // --otlp-index-attribute / Xrayd.OtlpIndexAttributes: span attributes stored as annotations.
  std::vector<std::string> otlp_index_attributes;
  bool otlp_index_all = false;  // --otlp-index-all / Xrayd.OtlpIndexAll.

  // OTLP export (daemon/otlp_export/, docs/otlp-mapping.md#export): every stored document is sent
  // as spans to this OTLP/HTTP URL (--otlp-endpoint / Xrayd.OtlpEndpoint; empty: no export).
  std::string otlp_endpoint;
  // --otlp-protocol http/json or grpc (default http/protobuf) / Xrayd.OtlpProtocol; for grpc the
  // endpoint is http://HOST:PORT, https://HOST:PORT or HOST:PORT.
  bool otlp_json = false;
  bool otlp_export_grpc = false;
  // --otlp-header K=V (repeatable) / Xrayd.OtlpHeaders: sent with every export request.
  std::map<std::string, std::string> otlp_headers;
  bool otlp_sigv4 = false;  // --otlp-sigv4 / Xrayd.OtlpSigV4: SigV4, service xray.

  // Alarm actions (docs/alarms.md#actions): SNS topic name -> webhook URL, from --alarm-webhook
  // NAME=URL / Xrayd.AlarmWebhooks, and -> program run with `/bin/sh -c`, from --alarm-command
  // NAME=PROGRAM / Xrayd.AlarmCommands.
  std::map<std::string, std::string> alarm_webhooks;
  std::map<std::string, std::string> alarm_commands;
  // --alarm-eval-interval / Xrayd.AlarmEvalInterval: time between evaluation rounds of every
  // alarm (a round also follows new data within 100 ms). Shorter only makes state changes that
  // come from time passing (data ageing out of the range) visible sooner.
  std::chrono::milliseconds alarm_eval_interval{10'000};

  // The SQLite file inside data_dir.
  std::string StorePath() const { return data_dir + "/traces.db"; }
};

// The data directory used when none is given: $XRAYD_DATA_DIR, else $XDG_DATA_HOME/xrayd, else
// $HOME/.local/share/xrayd, else ./xrayd-data.
std::string DefaultDataDir(const Environment& env);

// Where an effective setting came from.
enum class SettingSource { kDefault, kEnvironment, kConfigFile, kFlag };
struct SettingOrigin {
  SettingSource source = SettingSource::kDefault;
  std::string detail;  // "-b", "AWS_REGION", "/etc/xrayd/cfg.yaml: Socket.UDPAddress", ...
};

struct ParsedFlags {
  DaemonConfig config;
  bool show_help = false;
  bool show_version = false;
  bool print_config = false;
  std::string config_file;                       // -c/--config, empty when none.
  std::map<std::string, SettingOrigin> origins;  // Setting name (print-config) -> origin.
};

// Parses daemon flags (argv without the program name), reads the -c file if any, and layers
// flags > config file > environment > defaults. Fails with kInvalidArgument and a message naming
// the flag, key or variable: unknown flags, bad values, and the official daemon's cfg.yaml errors
// (missing or unsupported Version, retired or unknown keys), --api-auth sigv4 without keys,
// --metrics-auth without --api-auth; kIOError if the file (or an --api-keys-file) cannot be read.
// Secrets never appear in messages.
[[nodiscard]] Result<ParsedFlags> ParseDaemonFlags(const std::vector<std::string>& args,
                                                   const Environment& env);

// `xrayd --print-config`: one line per setting, "name value source".
std::string PrintConfig(const ParsedFlags& parsed);

// Usage text for `xrayd -h`.
std::string DaemonUsage();

}  // namespace xrayd::daemon
