#pragma once
// The official daemon's cfg.yaml (Version 1 or 2) plus xrayd's own `Xrayd:` section, read into flat
// key/value pairs ("Socket.UDPAddress" -> "0.0.0.0:2000"). Pure: text in, pairs or error out.
// Internal to daemon/config*.cc.

#include <string>
#include <string_view>
#include <vector>

#include "proto/result.h"

namespace xrayd::daemon {

struct YamlSetting {
  std::string key;    // "Region", "Socket.UDPAddress", "Xrayd.RetentionMaxAge"
  std::string value;  // The scalar as written ("" for null).
};

// Parses and validates a config file as the official daemon does: the keys are the top-level keys,
// and "Section.Key" for the keys of a mapping. Errors (kInvalidArgument; `source` prefixes every
// message), with the official daemon's wording:
//   * no Version key: "Config Version is missing. Use X-Ray Daemon Config Migration Script ..."
//   * a retired key (Socket.BufferSizeKB, Logging.LogFormat, Processor.BatchProcessorQueueSize,
//     Profile.CPU, Profile.Memory): "<key> flag is not supported any more. ..."
//   * a pre-Version-1 key (LogRotation, Processor.Region, Processor.Endpoint, Processor.Routine,
//     MemoryLimit): "<key> flag is not supported. Use X-Ray Daemon Config Migration Script ..."
//   * any other unknown key, in the Xrayd section too: "<key> flag is invalid. ..."
//   * Version other than 1 or 2: "Config Version Setting is not correct. ..."
//   * YAML syntax errors (with line and column), a root that is not a mapping, a list value.
// The Version key itself is not returned.
[[nodiscard]] Result<std::vector<YamlSetting>> ParseConfigYaml(std::string_view text,
                                                               std::string_view source);

}  // namespace xrayd::daemon
