#include "daemon/config_yaml.h"

#include <algorithm>
#include <array>

#include <yaml-cpp/yaml.h>

namespace xrayd::daemon {

namespace {

// The official daemon's keys (cfg.yaml Version 1 and 2 accept the same set).
constexpr std::array<std::string_view, 16> kOfficialKeys = {"TotalBufferSizeMB",
                                                            "Concurrency",
                                                            "Endpoint",
                                                            "Region",
                                                            "Socket.UDPAddress",
                                                            "Socket.TCPAddress",
                                                            "Logging.LogRotation",
                                                            "Logging.LogLevel",
                                                            "Logging.LogPath",
                                                            "LocalMode",
                                                            "ResourceARN",
                                                            "RoleARN",
                                                            "Profile",
                                                            "NoVerifySSL",
                                                            "ProxyAddress",
                                                            "Version"};

// xrayd's own settings, only under the `Xrayd:` section so they never collide with official keys.
constexpr std::array<std::string_view, 19> kXrayddKeys = {
    "Xrayd.DataDir",
    "Xrayd.Offline",
    "Xrayd.ReceiveBufferKB",
    "Xrayd.QueueMB",
    "Xrayd.RetentionMaxAge",
    "Xrayd.RetentionMaxSizeMB",
    "Xrayd.RetentionInterval",
    "Xrayd.LogMaxSizeMB",
    "Xrayd.LogMaxFiles",
    "Xrayd.SpoolMB",
    "Xrayd.AllowedHosts",
    "Xrayd.CorsOrigins",
    "Xrayd.ApiAuth",
    "Xrayd.ApiKeysFile",
    "Xrayd.MetricsAuth",
    "Xrayd.AlarmWebhooks",
    "Xrayd.AlarmCommands",
    "Xrayd.AlarmEvalInterval",
    "Xrayd.Ui",
};

// The OTLP receiver's settings (daemon/otlp/); OtlpIndexAttributes may also be a YAML list.
constexpr std::array<std::string_view, 4> kOtlpKeys = {
    "Xrayd.OtlpHttpAddress", "Xrayd.OtlpGrpcAddress", "Xrayd.OtlpIndexAttributes",
    "Xrayd.OtlpIndexAll"};

// The OTLP export's settings (daemon/otlp_export/); OtlpHeaders is a mapping NAME: VALUE.
constexpr std::array<std::string_view, 4> kOtlpExportKeys = {
    "Xrayd.OtlpEndpoint", "Xrayd.OtlpProtocol", "Xrayd.OtlpHeaders", "Xrayd.OtlpSigV4"};

// Keys whose value may also be a YAML list; its items are joined with ','. (Secrets have no key
// here: cfg.yaml is often world-readable, keys go in Xrayd.ApiKeysFile.)
constexpr std::array<std::string_view, 2> kListKeys = {"Xrayd.AllowedHosts", "Xrayd.CorsOrigins"};

// Keys whose value is a mapping NAME: VALUE; each entry becomes one setting "NAME=VALUE".
constexpr std::array<std::string_view, 2> kMapKeys = {"Xrayd.AlarmWebhooks", "Xrayd.AlarmCommands"};

// Keys the official daemon dropped: it refuses them with one of two messages.
constexpr std::array<std::string_view, 5> kRetiredKeys = {
    "Profile.CPU", "Profile.Memory", "Socket.BufferSizeKB", "Logging.LogFormat",
    "Processor.BatchProcessorQueueSize"};
constexpr std::array<std::string_view, 5> kPreVersionKeys = {
    "LogRotation", "Processor.Region", "Processor.Endpoint", "Processor.Routine", "MemoryLimit"};

constexpr std::string_view kDocs = "Please refer to AWS X-Ray Documentation for more information.";
constexpr std::string_view kMigrate =
    "Use X-Ray Daemon Config Migration Script to update the config file.";

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

Error Invalid(std::string_view source, const std::string& message) {
  return Error{ErrorCode::kInvalidArgument, std::string(source) + ": " + message};
}

struct FlatKey {
  std::string key;
  YAML::Node value;
};

std::vector<FlatKey> Flatten(const YAML::Node& root) {
  std::vector<FlatKey> keys;
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    if (entry.second.IsMap()) {
      for (const auto& sub : entry.second) {
        keys.push_back({key + "." + sub.first.as<std::string>(), sub.second});
      }
    } else {
      keys.push_back({key, entry.second});
    }
  }
  return keys;
}

Result<std::vector<YamlSetting>> ParseOrThrow(std::string_view text, std::string_view source) {
  YAML::Node root = YAML::Load(std::string(text));
  std::vector<FlatKey> keys;
  if (root.IsMap()) {
    keys = Flatten(root);
  } else if (!root.IsNull()) {
    return tl::unexpected(Invalid(source, "expected a mapping of settings at the top level"));
  }
  const bool has_version =
      std::any_of(keys.begin(), keys.end(), [](const FlatKey& k) { return k.key == "Version"; });
  if (!keys.empty() && !has_version) {
    return tl::unexpected(Invalid(
        source, "Config Version is missing. " + std::string(kMigrate) + " " + std::string(kDocs)));
  }
  std::vector<YamlSetting> settings;
  std::string version;
  for (const FlatKey& k : keys) {
    if (!Contains(kOfficialKeys, k.key) && !Contains(kXrayddKeys, k.key) &&
        !Contains(kOtlpKeys, k.key) && !Contains(kOtlpExportKeys, k.key)) {
      if (Contains(kRetiredKeys, k.key)) {
        return tl::unexpected(
            Invalid(source, k.key + " flag is not supported any more. " + std::string(kDocs)));
      }
      if (Contains(kPreVersionKeys, k.key)) {
        return tl::unexpected(Invalid(
            source,
            k.key + " flag is not supported. " + std::string(kMigrate) + " " + std::string(kDocs)));
      }
      return tl::unexpected(Invalid(source, k.key + " flag is invalid. " + std::string(kDocs)));
    }
    if (k.value.IsSequence() &&
        (Contains(kListKeys, k.key) || k.key == "Xrayd.OtlpIndexAttributes")) {
      std::string joined;
      for (const auto& item : k.value) {
        if (!item.IsScalar()) {
          return tl::unexpected(Invalid(source, k.key + ": expected a list of names (line " +
                                                    std::to_string(item.Mark().line + 1) + ")"));
        }
        joined += (joined.empty() ? "" : ",") + item.as<std::string>();
      }
      settings.push_back({k.key, std::move(joined)});
      continue;
    }
    if (k.value.IsMap() && (Contains(kMapKeys, k.key) || k.key == "Xrayd.OtlpHeaders")) {
      for (const auto& entry : k.value) {
        if (!entry.second.IsScalar()) {
          return tl::unexpected(Invalid(source, k.key + ": expected NAME: VALUE entries (line " +
                                                    std::to_string(entry.second.Mark().line + 1) +
                                                    ")"));
        }
        settings.push_back(
            {k.key, entry.first.as<std::string>() + "=" + entry.second.as<std::string>()});
      }
      continue;
    }
    if (!k.value.IsNull() && !k.value.IsScalar()) {
      return tl::unexpected(Invalid(source, k.key + ": expected a single value (line " +
                                                std::to_string(k.value.Mark().line + 1) + ")"));
    }
    std::string value = k.value.IsNull() ? std::string() : k.value.as<std::string>();
    if (k.key == "Version") {
      version = value;
      continue;
    }
    settings.push_back({k.key, std::move(value)});
  }
  if (version != "1" && version != "2") {
    return tl::unexpected(Invalid(source, "Config Version Setting is not correct. " +
                                              std::string(kMigrate) + " " + std::string(kDocs)));
  }
  return settings;
}

}  // namespace

Result<std::vector<YamlSetting>> ParseConfigYaml(std::string_view text, std::string_view source) {
  // Exception firewall: yaml-cpp reports syntax and conversion errors by throwing.
  try {
    return ParseOrThrow(text, source);
  } catch (const YAML::Exception& e) {
    return tl::unexpected(Invalid(source, "line " + std::to_string(e.mark.line + 1) + ", column " +
                                              std::to_string(e.mark.column + 1) + ": " + e.msg));
  }
}

}  // namespace xrayd::daemon
