#pragma once
// The one parser for durations written by people (command-line flags, cfg.yaml): a non-negative
// decimal number with an optional unit.

#include <string_view>

#include "proto/result.h"

namespace xrayd::proto {

// Parses "250ms", "1.5s", "10m", "1h", "7d" or plain seconds "30" into seconds. kInvalidArgument
// for anything else (empty, no number, negative, not finite, unknown unit such as "1w").
[[nodiscard]] Result<double> ParseDurationSeconds(std::string_view text);

}  // namespace xrayd::proto
