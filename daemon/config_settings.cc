// The settings table behind ParseDaemonFlags and PrintConfig: for each setting, its flags, its
// cfg.yaml key, how a text value is applied to DaemonConfig and how it prints. Every source (flag,
// file, environment) is reduced to text assignments that go through the same apply function, so a
// value is validated the same way wherever it comes from. Layers are applied lowest first
// (defaults, environment, file, flags): the last assignment wins.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "daemon/config.h"
#include "daemon/config_yaml.h"
#include "daemon/net/http_client.h"
#include "daemon/net/http_proxy.h"
#include "proto/duration.h"

namespace xrayd::daemon {

namespace {

using ApplyResult = Result<std::string_view>;  // Name of a second setting also set, or "".

struct Setting {
  std::string_view name;        // As printed by --print-config.
  std::string_view short_flag;  // "-b", or "" when none.
  std::string_view long_flag;   // "--bind", or "" when none.
  std::string_view yaml_key;    // "Socket.UDPAddress", or "" when none.
  bool is_bool = false;         // Flag without a value (accepts --flag=false).
  bool zero_is_unset = false;   // In cfg.yaml, 0 means "default" (official daemon).
  ApplyResult (*apply)(DaemonConfig&, std::string_view) = nullptr;
  std::string (*show)(const DaemonConfig&) = nullptr;
};

Error Bad(std::string_view what) {
  return Error{ErrorCode::kInvalidArgument, std::string(what)};
}

Result<std::uint64_t> ParseUnsigned(std::string_view text) {
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return tl::unexpected(Bad("expected a whole number, got '" + std::string(text) + "'"));
  }
  return value;
}

Result<bool> ParseBool(std::string_view text) {
  // YAML 1.1 spellings, as the official daemon's yaml.v2 accepts them.
  for (std::string_view yes : {"true", "True", "TRUE", "yes", "Yes", "on", "On", "1"}) {
    if (text == yes) {
      return true;
    }
  }
  for (std::string_view no : {"false", "False", "FALSE", "no", "No", "off", "Off", "0"}) {
    if (text == no) {
      return false;
    }
  }
  return tl::unexpected(Bad("expected true or false, got '" + std::string(text) + "'"));
}

// A duration of whole seconds ("90", "90s", "15m", "1.5h", "7d"; proto::ParseDurationSeconds).
Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  auto seconds = proto::ParseDurationSeconds(text);
  if (!seconds || *seconds != std::floor(*seconds) || *seconds > static_cast<double>(1ull << 40)) {
    return tl::unexpected(
        Bad("expected a duration of whole seconds such as 90s, 15m, 12h or 7d, got '" +
            std::string(text) + "'"));
  }
  return std::chrono::seconds(static_cast<std::int64_t>(*seconds));
}

std::string ShowDuration(std::chrono::seconds s) {
  const auto n = s.count();
  if (n != 0 && n % 86400 == 0) {
    return std::to_string(n / 86400) + "d";
  }
  if (n != 0 && n % 3600 == 0) {
    return std::to_string(n / 3600) + "h";
  }
  return std::to_string(n) + "s";
}

std::string Quoted(const std::string& s) {
  return s.empty() ? "\"\"" : s;
}

// Applies an address to the UDP (udp == true) or TCP setting; the two-part form sets both.
ApplyResult ApplyAddress(DaemonConfig& c, std::string_view text, bool udp) {
  XRAYD_TRY_ASSIGN(auto address, ParseDaemonAddress(text));
  if (address.plain) {
    (udp ? c.udp : c.tcp) = *address.plain;
    return std::string_view();
  }
  if (address.udp && address.tcp) {
    c.udp = *address.udp;
    c.tcp = *address.tcp;
    return std::string_view(udp ? "tcp_address" : "udp_address");
  }
  if (udp && address.udp) {
    c.udp = *address.udp;
    return std::string_view();
  }
  if (!udp && address.tcp) {
    c.tcp = *address.tcp;
    return std::string_view();
  }
  return tl::unexpected(Bad(std::string("expected a ") + (udp ? "UDP" : "TCP") + " address, got '" +
                            std::string(text) + "'"));
}

template <typename T>
ApplyResult SetNumber(T& out, std::string_view text, std::uint64_t scale, std::uint64_t min) {
  XRAYD_TRY_ASSIGN(auto value, ParseUnsigned(text));
  if (value < min) {
    return tl::unexpected(Bad("must be at least " + std::to_string(min)));
  }
  out = static_cast<T>(value * scale);
  return std::string_view();
}

ApplyResult SetBool(bool& out, std::string_view text) {
  XRAYD_TRY_ASSIGN(auto value, ParseBool(text));
  out = value;
  return std::string_view();
}

ApplyResult SetString(std::string& out, std::string_view text) {
  out = std::string(text);
  return std::string_view();
}

// Appends each comma-separated item of `text` (repeatable settings and YAML lists).
ApplyResult AppendList(std::vector<std::string>& out, std::string_view text) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) {
      comma = text.size();
    }
    std::string_view item = text.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (item.empty()) {
      return tl::unexpected(Bad("empty name in '" + std::string(text) + "'"));
    }
    if (std::find(out.begin(), out.end(), item) == out.end()) {
      out.emplace_back(item);
    }
    start = comma + 1;
  }
  return std::string_view();
}

ApplyResult AddCorsOrigins(DaemonConfig& c, std::string_view text) {
  std::vector<std::string> origins;
  if (auto added = AppendList(origins, text); !added) {
    return added;
  }
  for (const std::string& origin : origins) {
    const bool http = origin.rfind("http://", 0) == 0 || origin.rfind("https://", 0) == 0;
    if (!http || origin.find('/', origin.find("//") + 2) != std::string::npos || origin == "*") {
      return tl::unexpected(
          Bad("expected an origin such as http://localhost:3000, got '" + origin + "'"));
    }
  }
  return AppendList(c.cors_origins, text);
}

// "ID:SECRET" -> c.api_keys. Messages name the key id, never the secret.
ApplyResult AddApiKey(DaemonConfig& c, std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return tl::unexpected(Bad("expected ACCESS_KEY_ID:SECRET"));
  }
  c.api_keys[std::string(text.substr(0, colon))] = std::string(text.substr(colon + 1));
  return std::string_view();
}

ApplyResult LoadApiKeysFile(DaemonConfig& c, std::string_view path) {
  std::ifstream in{std::string(path)};
  if (!in) {
    return tl::unexpected(Error{ErrorCode::kIOError, "cannot read " + std::string(path)});
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view entry = line;
    while (!entry.empty() && (entry.back() == '\r' || entry.back() == ' ')) {
      entry.remove_suffix(1);
    }
    while (!entry.empty() && entry.front() == ' ') {
      entry.remove_prefix(1);
    }
    if (entry.empty() || entry.front() == '#') {
      continue;
    }
    if (auto added = AddApiKey(c, entry); !added) {
      return tl::unexpected(Bad(std::string(path) + " line " + std::to_string(number) + ": " +
                                added.error().message));
    }
  }
  c.api_keys_file = std::string(path);
  return std::string_view();
}

// "NAME=VALUE" -> `out[NAME] = VALUE` (alarm actions); `what` names VALUE in messages.
ApplyResult AddNamed(std::map<std::string, std::string>& out, std::string_view text,
                     std::string_view what) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) {
    return tl::unexpected(
        Bad("expected NAME=" + std::string(what) + ", got '" + std::string(text) + "'"));
  }
  const std::string_view name = text.substr(0, eq);
  if (name.find_first_of(":/ ,") != std::string_view::npos) {
    return tl::unexpected(Bad("'" + std::string(name) + "' is not an SNS topic name"));
  }
  out[std::string(name)] = std::string(text.substr(eq + 1));
  return std::string_view();
}

ApplyResult AddAlarmWebhook(DaemonConfig& c, std::string_view text) {
  const auto eq = text.find('=');
  if (eq != std::string_view::npos) {
    const std::string_view url = text.substr(eq + 1);
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      return tl::unexpected(
          Bad("expected an http:// or https:// URL, got '" + std::string(url) + "'"));
    }
  }
  return AddNamed(c.alarm_webhooks, text, "URL");
}

// Webhook URLs often carry a token in their path or query: only scheme and authority are shown.
std::string ShowWebhooks(const DaemonConfig& c) {
  std::string out;
  for (const auto& [name, url] : c.alarm_webhooks) {
    const auto authority = url.find("//");
    const auto path = url.find_first_of("/?#", authority == std::string::npos ? 0 : authority + 2);
    out += (out.empty() ? "" : ",") + name + "=" +
           (path == std::string::npos ? url : url.substr(0, path) + "/...");
  }
  return Quoted(out);
}

// "250ms" or a duration ParseDuration accepts -> milliseconds, at least 10 ms.
ApplyResult SetEvalInterval(DaemonConfig& c, std::string_view text) {
  std::chrono::milliseconds interval{0};
  if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
    XRAYD_TRY_ASSIGN(auto ms, ParseUnsigned(text.substr(0, text.size() - 2)));
    interval = std::chrono::milliseconds(ms);
  } else {
    XRAYD_TRY_ASSIGN(auto seconds, ParseDuration(text));
    interval = seconds;
  }
  if (interval < std::chrono::milliseconds(10)) {
    return tl::unexpected(Bad("must be at least 10ms"));
  }
  c.alarm_eval_interval = interval;
  return std::string_view();
}

std::string ShowList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    out += (out.empty() ? "" : ",") + item;
  }
  return Quoted(out);
}

// The official daemon's addresses, mode and AWS settings.
std::vector<Setting> AddressAndAwsSettings() {
  return {
      {"udp_address", "-b", "--bind", "Socket.UDPAddress", false, false,
       [](DaemonConfig& c, std::string_view v) { return ApplyAddress(c, v, true); },
       [](const DaemonConfig& c) { return c.udp.ToString(); }},
      {"tcp_address", "-t", "--bind-tcp", "Socket.TCPAddress", false, false,
       [](DaemonConfig& c, std::string_view v) { return ApplyAddress(c, v, false); },
       [](const DaemonConfig& c) { return c.tcp.ToString(); }},
      {"data_dir", "", "--data-dir", "Xrayd.DataDir", false, false,
       [](DaemonConfig& c, std::string_view v) -> ApplyResult {
         if (v.empty()) {
           return tl::unexpected(Bad("needs a directory"));
         }
         return SetString(c.data_dir, v);
       },
       [](const DaemonConfig& c) { return c.data_dir; }},
      {"offline", "", "--offline", "Xrayd.Offline", true, false,
       [](DaemonConfig& c, std::string_view v) { return SetBool(c.offline, v); },
       [](const DaemonConfig& c) { return std::string(c.offline ? "true" : "false"); }},
      {"local_mode", "-o", "--local-mode", "LocalMode", true, false,
       [](DaemonConfig& c, std::string_view v) { return SetBool(c.local_mode, v); },
       [](const DaemonConfig& c) { return std::string(c.local_mode ? "true" : "false"); }},
      {"region", "-n", "--region", "Region", false, false,
       [](DaemonConfig& c, std::string_view v) { return SetString(c.region, v); },
       [](const DaemonConfig& c) { return Quoted(c.region); }},
      {"endpoint", "", "--endpoint", "Endpoint", false, false,
       [](DaemonConfig& c, std::string_view v) { return SetString(c.endpoint, v); },
       [](const DaemonConfig& c) { return Quoted(c.endpoint); }},
      {"resource_arn", "-a", "--resource-arn", "ResourceARN", false, false,
       [](DaemonConfig& c, std::string_view v) { return SetString(c.resource_arn, v); },
       [](const DaemonConfig& c) { return Quoted(c.resource_arn); }},
      {"role_arn", "-r", "--role-arn", "RoleARN", false, false,
       [](DaemonConfig& c, std::string_view v) { return SetString(c.role_arn, v); },
       [](const DaemonConfig& c) { return Quoted(c.role_arn); }},
      {"proxy_address", "-p", "--proxy-address", "ProxyAddress", false, false,
       [](DaemonConfig& c, std::string_view v) { return SetString(c.proxy_address, v); },
       // Proxy credentials are never printed.
       [](const DaemonConfig& c) { return Quoted(RedactProxyUrl(c.proxy_address)); }},
      {"profile", "", "", "Profile", false, false,
       [](DaemonConfig& c, std::string_view v) { return SetString(c.profile, v); },
       [](const DaemonConfig& c) { return Quoted(c.profile); }},
      {"no_verify_ssl", "", "", "NoVerifySSL", true, false,
       [](DaemonConfig& c, std::string_view v) { return SetBool(c.no_verify_ssl, v); },
       [](const DaemonConfig& c) { return std::string(c.no_verify_ssl ? "true" : "false"); }},
      {"concurrency", "", "", "Concurrency", false, true,
       [](DaemonConfig& c, std::string_view v) { return SetNumber(c.concurrency, v, 1, 1); },
       [](const DaemonConfig& c) { return std::to_string(c.concurrency); }},
  };
}

// Logging.
std::vector<Setting> LoggingSettings() {
  return {
      {"log_level", "-l", "--log-level", "Logging.LogLevel", false, false,
       [](DaemonConfig& c, std::string_view v) -> ApplyResult {
         XRAYD_TRY_ASSIGN(auto level, ParseLogLevel(v));
         c.log_level = level;
         return std::string_view();
       },
       [](const DaemonConfig& c) { return std::string(LogLevelName(c.log_level)); }},
      {"log_file", "-f", "--log-file", "Logging.LogPath", false, false,
       [](DaemonConfig& c, std::string_view v) { return SetString(c.log_file, v); },
       [](const DaemonConfig& c) { return c.log_file.empty() ? "stderr" : c.log_file; }},
      {"log_rotation", "", "", "Logging.LogRotation", true, false,
       [](DaemonConfig& c, std::string_view v) { return SetBool(c.log_rotation, v); },
       [](const DaemonConfig& c) { return std::string(c.log_rotation ? "true" : "false"); }},
      {"log_max_size_mb", "", "", "Xrayd.LogMaxSizeMB", false, false,
       [](DaemonConfig& c, std::string_view v) {
         return SetNumber(c.log_max_bytes, v, 1u << 20, 1);
       },
       [](const DaemonConfig& c) { return std::to_string(c.log_max_bytes >> 20); }},
      {"log_max_files", "", "", "Xrayd.LogMaxFiles", false, false,
       [](DaemonConfig& c, std::string_view v) { return SetNumber(c.log_max_files, v, 1, 1); },
       [](const DaemonConfig& c) { return std::to_string(c.log_max_files); }},
  };
}

// Memory, receive buffers, retention and the forwarding spool.
std::vector<Setting> StorageSettings() {
  return {
      {"buffer_memory_mb", "-m", "--buffer-memory", "TotalBufferSizeMB", false, true,
       [](DaemonConfig& c, std::string_view v) -> ApplyResult {
         XRAYD_TRY_ASSIGN(auto mb, ParseUnsigned(v));
         if (mb == 0) {  // As the official daemon: 0 means "the default".
           c.buffer_memory_mb = kDefaultBufferMemoryMb;
         } else if (mb < kMinBufferMemoryMb || mb > (1u << 20)) {
           // The official daemon's message.
           return tl::unexpected(
               Bad("Not enough Buffers Memory Allocated. Min Buffers Memory required: 3 MB."));
         } else {
           c.buffer_memory_mb = mb;
         }
         return std::string_view();
       },
       [](const DaemonConfig& c) { return std::to_string(c.buffer_memory_mb); }},
      {"queue_mb", "", "--queue-mb", "Xrayd.QueueMB", false, false,
       [](DaemonConfig& c, std::string_view v) {
         return SetNumber(c.queue_capacity_bytes, v, 1u << 20, 1);
       },
       [](const DaemonConfig& c) { return std::to_string(c.queue_capacity_bytes >> 20); }},
      {"receive_buffer_kb", "", "--receive-buffer-kb", "Xrayd.ReceiveBufferKB", false, false,
       [](DaemonConfig& c, std::string_view v) {
         return SetNumber(c.receive_buffer_bytes, v, 1024, 1);
       },
       [](const DaemonConfig& c) { return std::to_string(c.receive_buffer_bytes / 1024); }},
      {"retention_max_age", "", "--retention-age", "Xrayd.RetentionMaxAge", false, false,
       [](DaemonConfig& c, std::string_view v) -> ApplyResult {
         XRAYD_TRY_ASSIGN(auto age, ParseDuration(v));
         c.retention_max_age = age;
         return std::string_view();
       },
       [](const DaemonConfig& c) {
         return c.retention_max_age.count() == 0 ? std::string("0 (keep forever)")
                                                 : ShowDuration(c.retention_max_age);
       }},
      {"retention_max_size_mb", "", "--retention-size-mb", "Xrayd.RetentionMaxSizeMB", false, false,
       [](DaemonConfig& c, std::string_view v) {
         return SetNumber(c.retention_max_bytes, v, 1u << 20, 0);
       },
       [](const DaemonConfig& c) {
         return c.retention_max_bytes == 0 ? std::string("0 (no limit)")
                                           : std::to_string(c.retention_max_bytes >> 20);
       }},
      {"spool_mb", "", "--spool-mb", "Xrayd.SpoolMB", false, false,
       [](DaemonConfig& c, std::string_view v) {
         return SetNumber(c.forward_spool_max_bytes, v, 1u << 20, 1);
       },
       [](const DaemonConfig& c) { return std::to_string(c.forward_spool_max_bytes >> 20); }},
      {"retention_interval", "", "--retention-interval", "Xrayd.RetentionInterval", false, false,
       [](DaemonConfig& c, std::string_view v) -> ApplyResult {
         XRAYD_TRY_ASSIGN(auto interval, ParseDuration(v));
         if (interval.count() == 0) {
           return tl::unexpected(Bad("must be at least 1s"));
         }
         c.retention_interval = interval;
         return std::string_view();
       },
       [](const DaemonConfig& c) {
         return ShowDuration(
             std::chrono::duration_cast<std::chrono::seconds>(c.retention_interval));
       }},
  };
}

// The TCP port's guard: hosts, origins, authentication.
std::vector<Setting> ApiSettings() {
  return {
      {"allowed_hosts", "", "--allowed-host", "Xrayd.AllowedHosts", false, false,
       [](DaemonConfig& c, std::string_view v) { return AppendList(c.allowed_hosts, v); },
       [](const DaemonConfig& c) { return ShowList(c.allowed_hosts); }},
      {"cors_origins", "", "--cors-origin", "Xrayd.CorsOrigins", false, false, AddCorsOrigins,
       [](const DaemonConfig& c) { return ShowList(c.cors_origins); }},
      {"api_auth", "", "--api-auth", "Xrayd.ApiAuth", false, false,
       [](DaemonConfig& c, std::string_view v) -> ApplyResult {
         if (v != "sigv4" && v != "none") {
           return tl::unexpected(Bad("expected sigv4 or none, got '" + std::string(v) + "'"));
         }
         c.api_auth_sigv4 = v == "sigv4";
         return std::string_view();
       },
       [](const DaemonConfig& c) { return std::string(c.api_auth_sigv4 ? "sigv4" : "none"); }},
      {"api_keys", "", "--api-key", "", false, false, AddApiKey,
       // Key ids only: secrets are never printed.
       [](const DaemonConfig& c) {
         std::string ids;
         for (const auto& [id, secret] : c.api_keys) {
           ids += (ids.empty() ? "" : ",") + id;
         }
         return Quoted(ids);
       }},
      {"api_keys_file", "", "--api-keys-file", "Xrayd.ApiKeysFile", false, false, LoadApiKeysFile,
       [](const DaemonConfig& c) { return Quoted(c.api_keys_file); }},
      {"metrics_auth", "", "--metrics-auth", "Xrayd.MetricsAuth", true, false,
       [](DaemonConfig& c, std::string_view v) { return SetBool(c.metrics_auth, v); },
       [](const DaemonConfig& c) { return std::string(c.metrics_auth ? "true" : "false"); }},
      {"ui", "", "--ui", "Xrayd.Ui", false, false,
       [](DaemonConfig& c, std::string_view v) { return SetBool(c.ui, v); },
       [](const DaemonConfig& c) { return std::string(c.ui ? "on" : "off"); }},
  };
}

// The OTLP receiver.
std::vector<Setting> OtlpSettings() {
  return {
      {"otlp_http_address", "", "--otlp-http", "Xrayd.OtlpHttpAddress", false, false,
       [](DaemonConfig& c, std::string_view v) -> ApplyResult {
         c.otlp_http_explicit = true;
         if (v == "off") {
           c.otlp_http.reset();
           return std::string_view();
         }
         XRAYD_TRY_ASSIGN(auto endpoint, ParseEndpoint(v));
         c.otlp_http = endpoint;
         return std::string_view();
       },
       [](const DaemonConfig& c) {
         return c.otlp_http ? c.otlp_http->ToString() : std::string("off");
       }},
      {"otlp_grpc_address", "", "--otlp-grpc", "Xrayd.OtlpGrpcAddress", false, false,
       [](DaemonConfig& c, std::string_view v) -> ApplyResult {
         c.otlp_grpc_explicit = true;
         if (v == "off") {
           c.otlp_grpc.reset();
           return std::string_view();
         }
         XRAYD_TRY_ASSIGN(auto endpoint, ParseEndpoint(v));
         c.otlp_grpc = endpoint;
         return std::string_view();
       },
       [](const DaemonConfig& c) {
         return c.otlp_grpc ? c.otlp_grpc->ToString() : std::string("off");
       }},
      {"otlp_index_attributes", "", "--otlp-index-attribute", "Xrayd.OtlpIndexAttributes", false,
       false,
       [](DaemonConfig& c, std::string_view v) { return AppendList(c.otlp_index_attributes, v); },
       [](const DaemonConfig& c) { return ShowList(c.otlp_index_attributes); }},
      {"otlp_index_all", "", "--otlp-index-all", "Xrayd.OtlpIndexAll", true, false,
       [](DaemonConfig& c, std::string_view v) { return SetBool(c.otlp_index_all, v); },
       [](const DaemonConfig& c) { return std::string(c.otlp_index_all ? "true" : "false"); }},
  };
}

// The OTLP export.
ApplyResult SetOtlpProtocol(DaemonConfig& c, std::string_view v) {
  if (v != "http/protobuf" && v != "http/json" && v != "grpc") {
    return tl::unexpected(
        Bad("expected http/protobuf, http/json or grpc, got '" + std::string(v) + "'"));
  }
  c.otlp_json = v == "http/json";
  c.otlp_export_grpc = v == "grpc";
  return std::string_view();
}

ApplyResult AddOtlpHeader(DaemonConfig& c, std::string_view v) {
  const auto eq = v.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return tl::unexpected(Bad("expected NAME=VALUE, got '" + std::string(v) + "'"));
  }
  const std::string_view name = v.substr(0, eq);
  if (name.find_first_of(" :\t\r\n") != std::string_view::npos ||
      v.find_first_of("\r\n") != std::string_view::npos) {
    return tl::unexpected(Bad("'" + std::string(name) + "' is not a header name"));
  }
  c.otlp_headers[std::string(name)] = std::string(v.substr(eq + 1));
  return std::string_view();
}

std::vector<Setting> OtlpExportSettings() {
  return {
      {"otlp_endpoint", "", "--otlp-endpoint", "Xrayd.OtlpEndpoint", false, false,
       [](DaemonConfig& c, std::string_view v) -> ApplyResult {
         // HOST:PORT (no scheme) is for grpc only: the exporter refuses it at start otherwise.
         if (!v.empty() && v.find("://") != std::string_view::npos) {
           XRAYD_TRY(ParseUrl(v));
         }
         c.otlp_endpoint = std::string(v);
         return std::string_view();
       },
       [](const DaemonConfig& c) { return Quoted(c.otlp_endpoint); }},
      {"otlp_protocol", "", "--otlp-protocol", "Xrayd.OtlpProtocol", false, false, SetOtlpProtocol,
       [](const DaemonConfig& c) {
         return std::string(c.otlp_export_grpc ? "grpc"
                            : c.otlp_json      ? "http/json"
                                               : "http/protobuf");
       }},
      // Names only: header values are often API keys.
      {"otlp_headers", "", "--otlp-header", "Xrayd.OtlpHeaders", false, false, AddOtlpHeader,
       [](const DaemonConfig& c) {
         std::string names;
         for (const auto& [name, value] : c.otlp_headers) {
           names += (names.empty() ? "" : ",") + name;
         }
         return Quoted(names);
       }},
      {"otlp_sigv4", "", "--otlp-sigv4", "Xrayd.OtlpSigV4", true, false,
       [](DaemonConfig& c, std::string_view v) { return SetBool(c.otlp_sigv4, v); },
       [](const DaemonConfig& c) { return std::string(c.otlp_sigv4 ? "true" : "false"); }},
  };
}

// Alarm actions and evaluation.
std::vector<Setting> AlarmSettings() {
  return {
      {"alarm_webhooks", "", "--alarm-webhook", "Xrayd.AlarmWebhooks", false, false,
       AddAlarmWebhook, ShowWebhooks},
      {"alarm_commands", "", "--alarm-command", "Xrayd.AlarmCommands", false, false,
       [](DaemonConfig& c, std::string_view v) { return AddNamed(c.alarm_commands, v, "PROGRAM"); },
       [](const DaemonConfig& c) {
         std::string out;
         for (const auto& [name, program] : c.alarm_commands) {
           out += (out.empty() ? "" : ",") + name + "=" + program;
         }
         return Quoted(out);
       }},
      {"alarm_eval_interval", "", "--alarm-eval-interval", "Xrayd.AlarmEvalInterval", false, false,
       SetEvalInterval,
       [](const DaemonConfig& c) { return std::to_string(c.alarm_eval_interval.count()) + "ms"; }},

  };
}

// Every setting, in --print-config order.
const std::vector<Setting>& Settings() {
  static const std::vector<Setting> kSettings = [] {
    std::vector<Setting> all;
    for (auto* part : {AddressAndAwsSettings, LoggingSettings, StorageSettings, ApiSettings,
                       OtlpSettings, OtlpExportSettings, AlarmSettings}) {
      std::vector<Setting> rows = part();
      all.insert(all.end(), rows.begin(), rows.end());
    }
    return all;
  }();
  return kSettings;
}

const Setting* FindByFlag(std::string_view flag) {
  for (const Setting& s : Settings()) {
    if ((!s.short_flag.empty() && flag == s.short_flag) ||
        (!s.long_flag.empty() && flag == s.long_flag)) {
      return &s;
    }
  }
  return nullptr;
}

const Setting* FindByName(std::string_view name) {
  for (const Setting& s : Settings()) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

struct Assignment {
  const Setting* setting = nullptr;
  std::string value;
  SettingOrigin origin;
};

Status Apply(ParsedFlags& parsed, const Assignment& a) {
  auto also = a.setting->apply(parsed.config, a.value);
  if (!also) {
    return MakeError(also.error().code, a.origin.detail + ": " + also.error().message);
  }
  parsed.origins[std::string(a.setting->name)] = a.origin;
  if (!also->empty()) {
    parsed.origins[std::string(*also)] = a.origin;
  }
  return {};
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kIOError, "cannot read config file " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<Assignment> EnvironmentAssignments(const Environment& env) {
  std::vector<Assignment> out;
  auto get = [&env](std::string_view key) -> std::string {
    auto it = env.find(key);
    return it == env.end() ? std::string() : it->second;
  };
  auto add = [&](std::string_view setting, std::string value, std::string_view var) {
    out.push_back({FindByName(setting), std::move(value),
                   SettingOrigin{SettingSource::kEnvironment, std::string(var)}});
  };
  if (std::string address = get("AWS_XRAY_DAEMON_ADDRESS"); !address.empty()) {
    // "host:port" there means both protocols (SDK semantics).
    auto parsed = ParseDaemonAddress(address);
    if (parsed && parsed->plain) {
      add("udp_address", address, "AWS_XRAY_DAEMON_ADDRESS");
      add("tcp_address", address, "AWS_XRAY_DAEMON_ADDRESS");
    } else {
      const bool tcp_only = parsed && parsed->tcp && !parsed->udp;
      add(tcp_only ? "tcp_address" : "udp_address", address, "AWS_XRAY_DAEMON_ADDRESS");
    }
  }
  if (std::string region = get("AWS_REGION"); !region.empty()) {
    add("region", region, "AWS_REGION");
  } else if (std::string fallback = get("AWS_DEFAULT_REGION"); !fallback.empty()) {
    add("region", fallback, "AWS_DEFAULT_REGION");
  }
  if (!get("XRAYD_DATA_DIR").empty()) {
    add("data_dir", DefaultDataDir(env), "XRAYD_DATA_DIR");
  } else if (!get("XDG_DATA_HOME").empty()) {
    add("data_dir", DefaultDataDir(env), "XDG_DATA_HOME");
  }
  return out;
}

// Reads argv into assignments (applied later, after the file) and the non-setting flags.
Result<std::vector<Assignment>> FlagAssignments(const std::vector<std::string>& args,
                                                ParsedFlags& parsed) {
  std::vector<Assignment> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (flag.size() > 1 && flag[0] == '-') {
      if (auto eq = flag.find('='); eq != std::string::npos) {
        inline_value = flag.substr(eq + 1);
        flag.resize(eq);
      }
    }
    auto value = [&]() -> Result<std::string> {
      if (inline_value) {
        return *inline_value;
      }
      if (i + 1 >= args.size()) {
        return MakeError(ErrorCode::kInvalidArgument, flag + " needs a value");
      }
      return args[++i];
    };
    if (flag == "-h" || flag == "--help") {
      parsed.show_help = true;
    } else if (flag == "-v" || flag == "--version") {
      parsed.show_version = true;
    } else if (flag == "--print-config") {
      parsed.print_config = true;
    } else if (flag == "-c" || flag == "--config") {
      XRAYD_TRY_ASSIGN(auto path, value());
      if (path.empty()) {
        return MakeError(ErrorCode::kInvalidArgument, flag + " needs a file");
      }
      parsed.config_file = path;
    } else if (const Setting* setting = FindByFlag(flag)) {
      std::string text;
      if (setting->is_bool) {
        text = inline_value.value_or("true");
      } else {
        XRAYD_TRY_ASSIGN(auto v, value());
        text = std::move(v);
      }
      out.push_back({setting, std::move(text), SettingOrigin{SettingSource::kFlag, flag}});
    } else {
      return MakeError(ErrorCode::kInvalidArgument,
                       "unknown flag '" + flag + "' (see xrayd --help)");
    }
  }
  return out;
}

std::string SourceText(const SettingOrigin& origin) {
  switch (origin.source) {
    case SettingSource::kDefault:
      return origin.detail.empty() ? "default" : "default (" + origin.detail + ")";
    case SettingSource::kEnvironment:
      return "env " + origin.detail;
    case SettingSource::kConfigFile:
      return "config " + origin.detail;
    case SettingSource::kFlag:
      return "flag " + origin.detail;
  }
  return "default";
}

}  // namespace

Result<ParsedFlags> ParseDaemonFlags(const std::vector<std::string>& args, const Environment& env) {
  ParsedFlags parsed;
  DaemonConfig& config = parsed.config;
  config.data_dir = DefaultDataDir(env);
  for (const Setting& s : Settings()) {
    parsed.origins[std::string(s.name)] = SettingOrigin{};
  }
  XRAYD_TRY_ASSIGN(auto flags, FlagAssignments(args, parsed));
  if (parsed.show_help || parsed.show_version) {
    return parsed;  // Nothing else is read: -h and -v work whatever the rest says.
  }

  for (const Assignment& a : EnvironmentAssignments(env)) {
    if (Status s = Apply(parsed, a); !s) {
      return tl::unexpected(s.error());
    }
  }

  std::string file_log_level;
  if (!parsed.config_file.empty()) {
    XRAYD_TRY_ASSIGN(auto text, ReadFile(parsed.config_file));
    XRAYD_TRY_ASSIGN(auto settings, ParseConfigYaml(text, parsed.config_file));
    for (const YamlSetting& y : settings) {
      const Setting* setting = nullptr;
      for (const Setting& s : Settings()) {
        if (s.yaml_key == y.key) {
          setting = &s;
        }
      }
      // Empty values and (for numbers) 0 mean "not set" in the official daemon.
      if (setting == nullptr || y.value.empty() || (setting->zero_is_unset && y.value == "0")) {
        continue;
      }
      if (y.key == "Logging.LogLevel") {
        file_log_level = y.value;
      }
      Assignment a{setting, y.value,
                   SettingOrigin{SettingSource::kConfigFile, parsed.config_file + ": " + y.key}};
      if (Status s = Apply(parsed, a); !s) {
        return tl::unexpected(s.error());
      }
    }
  }

  std::string flag_log_level;
  for (const Assignment& a : flags) {
    if (a.setting->name == "log_level") {
      flag_log_level = a.value;
    }
    if (Status s = Apply(parsed, a); !s) {
      return tl::unexpected(s.error());
    }
  }
  // The official daemon maps a flag's level differently only when it differs from the file's.
  config.log_level_from_flag = !flag_log_level.empty() && flag_log_level != file_log_level;

  // -m splits into the queue and the writer's transaction unless --queue-mb sized the queue.
  const std::size_t total = config.buffer_memory_mb << 20;
  config.writer_batch_bytes = total / 4;
  if (parsed.origins["queue_mb"].source == SettingSource::kDefault) {
    config.queue_capacity_bytes = total - config.writer_batch_bytes;
    parsed.origins["queue_mb"].detail = "3/4 of buffer_memory_mb";
  }
  if (config.api_auth_sigv4 && config.api_keys.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--api-auth sigv4 needs at least one key (--api-key ID:SECRET or "
                     "--api-keys-file FILE)");
  }
  if (config.metrics_auth && !config.api_auth_sigv4) {
    return MakeError(ErrorCode::kInvalidArgument, "--metrics-auth needs --api-auth sigv4");
  }
  if (parsed.origins["data_dir"].source == SettingSource::kDefault) {
    parsed.origins["data_dir"].detail = "$HOME/.local/share/xrayd";
  }
  return parsed;
}

std::string PrintConfig(const ParsedFlags& parsed) {
  std::string out;
  auto line = [&out](std::string_view name, const std::string& value, const std::string& source) {
    std::string row(name);
    row.resize(std::max<std::size_t>(row.size() + 1, 24), ' ');
    row += value;
    row.resize(std::max<std::size_t>(row.size() + 1, 56), ' ');
    out += row + source + "\n";
  };
  line("config_file", parsed.config_file.empty() ? "(none)" : parsed.config_file,
       parsed.config_file.empty() ? "default" : "flag -c");
  for (const Setting& s : Settings()) {
    auto it = parsed.origins.find(std::string(s.name));
    line(s.name, s.show(parsed.config),
         SourceText(it == parsed.origins.end() ? SettingOrigin{} : it->second));
  }
  line("writer_batch_kb", std::to_string(parsed.config.writer_batch_bytes >> 10),
       "derived (1/4 of buffer_memory_mb)");
  return out;
}

}  // namespace xrayd::daemon
