#pragma once
// The one parser for ISO 8601 / RFC 3339 timestamps as AWS and its clients write them
// ("2026-11-27T10:00:00Z", "2015-08-30T12:36:00.123+02:00").

#include <chrono>
#include <optional>
#include <string_view>

namespace xrayd::proto {

// Parses "YYYY-MM-DD(T|t| )hh:mm:ss[.fff](Z|z|+hh:mm|-hh:mm)" into epoch seconds (the fraction
// kept). A missing zone is UTC. nullopt for anything else, or a field out of range (month 13,
// hour 24, ...).
[[nodiscard]] std::optional<double> ParseIso8601(std::string_view text);

// As ParseIso8601, as a system_clock time point.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> ParseIso8601Time(
    std::string_view text);

}  // namespace xrayd::proto
