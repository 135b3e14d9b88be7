#include "daemon/config.h"

#include <cstdlib>
#include <optional>

namespace xrayd::daemon {

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
       xrayd alarms list [-t HOST:PORT] [--json]         CloudWatch alarms and their states
       (`xrayd capture --help` lists the assertions)

Flags of the official X-Ray daemon (same meaning):
  -a, --resource-arn ARN      ARN of the AWS resource running the daemon
  -o, --local-mode            do not query EC2 instance metadata
  -m, --buffer-memory MB      cap on documents held in memory (min 3, default 32): 3/4 ingest
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
API security (docs/security.md):
      --allowed-host NAME     a Host name browsers may use to reach the API besides localhost, IP
                              addresses and this machine's name (repeatable; * = any)
      --cors-origin ORIGIN    a console origin (http://host:port) allowed cross-site (repeatable)
      --api-auth MODE         sigv4: every request but /healthz and the SDKs' sampling polls
                              must be SigV4-signed with a key below; none (default)
      --api-key ID:SECRET     an access key pair accepted by --api-auth sigv4 (repeatable; visible
                              in ps: prefer --api-keys-file)
      --api-keys-file FILE    one ID:SECRET per line (# comments)
      --metrics-auth          /metrics needs a signature too (with --api-auth sigv4)
Web console (README "Console"): / and /ui/ on the TCP address, same origin as the API:
      --ui on|off             serve the console (default on)
Alarms (docs/alarms.md): CloudWatch alarms on AWS/X-Ray ApproximateTraceCount; an alarm action
arn:aws:sns:REGION:ACCOUNT:NAME runs the local action named NAME:
      --alarm-webhook NAME=URL      POST CloudWatch's SNS alarm message (JSON) to URL (repeatable)
      --alarm-command NAME=PROGRAM  run /bin/sh -c PROGRAM with that message on stdin (repeatable)
      --alarm-eval-interval T       time between evaluation rounds (default 10s; 250ms, 5s, 1m)
OpenTelemetry (docs/otlp-mapping.md): OTLP/HTTP POST /v1/traces on the TCP address and on:
      --otlp-http ADDRESS     also serve it here (default 127.0.0.1:4318; off disables)
      --otlp-grpc ADDRESS     OTLP/gRPC TraceService/Export (default 127.0.0.1:4317; off disables)
      --otlp-index-attribute KEY  store span attribute KEY as an annotation (repeatable)
      --otlp-index-all        store every scalar span attribute as an annotation
OTLP export (docs/otlp-mapping.md#export): every stored document, as spans, through the spool:
      --otlp-endpoint URL     OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces
                              (grpc: http://HOST:PORT, https://HOST:PORT or HOST:PORT)
      --otlp-protocol P       http/protobuf (default), http/json or grpc (gzipped)
      --otlp-header K=V       header sent with each request (repeatable)
      --otlp-sigv4            sign for X-Ray's OTLP endpoint (SigV4, service xray)
Precedence: flags, then the -c file, then the environment (AWS_XRAY_DAEMON_ADDRESS, AWS_REGION,
AWS_DEFAULT_REGION, XRAYD_DATA_DIR), then defaults.
)";
}

}  // namespace xrayd::daemon
