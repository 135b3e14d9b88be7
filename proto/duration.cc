#include "proto/duration.h"

#include <charconv>
#include <cmath>
#include <string>

namespace xrayd::proto {

Result<double> ParseDurationSeconds(std::string_view text) {
  double scale = 1;
  std::string_view number = text;
  if (number.ends_with("ms")) {
    scale = 0.001;
    number.remove_suffix(2);
  } else if (!number.empty()) {
    switch (number.back()) {
      case 's':
        number.remove_suffix(1);
        break;
      case 'm':
        scale = 60;
        number.remove_suffix(1);
        break;
      case 'h':
        scale = 3600;
        number.remove_suffix(1);
        break;
      case 'd':
        scale = 86400;
        number.remove_suffix(1);
        break;
      default:
        break;
    }
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() ||
      !std::isfinite(value) || value < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid duration '" + std::string(text) +
                                                      "' (examples: 250ms, 90s, 10m, 1h, 7d)");
  }
  return value * scale;
}

}  // namespace xrayd::proto
