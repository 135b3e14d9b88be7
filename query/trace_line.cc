#include "query/trace_line.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <tuple>

#include "query/terminal_text.h"
#include "query/trace_timeline.h"

namespace xrayd::query {
namespace {

constexpr std::size_t kNameWidth = 16;  // Longer names push the rest of their line right.

// HH:MM:SS.mmm of an epoch-seconds time, UTC.
std::string TimeOfDay(double epoch_seconds) {
  const auto millis = static_cast<std::int64_t>(std::floor(epoch_seconds * 1000 + 0.5));
  std::int64_t in_day = millis % 86400000;
  if (in_day < 0) {
    in_day += 86400000;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%03dZ", static_cast<int>(in_day / 3600000),
                static_cast<int>(in_day / 60000 % 60), static_cast<int>(in_day / 1000 % 60),
                static_cast<int>(in_day % 1000));
  return buf;
}

}  // namespace

std::string RenderTraceLine(const TraceModel& model, bool color) {
  // Fixed-width columns up to the name, so successive lines align.
  const std::string duration = FormatMilliseconds(model.duration);
  std::string line = TimeOfDay(model.start_time) + "  " + SanitizeForTerminal(model.id) + "  " +
                     std::string(duration.size() < 10 ? 10 - duration.size() : 0, ' ') + duration +
                     "  ";
  std::string name;
  if (model.root_segment && *model.root_segment < model.segments.size()) {
    name = model.segments[*model.root_segment].name;
  } else if (!model.segments.empty()) {
    name = model.segments.front().name;
  }
  line += PadToWidth(TruncateToWidth(SanitizeForTerminal(name.empty() ? "(no root)" : name), 40),
                     kNameWidth);
  const HttpFields& http = model.http;
  std::string request;
  for (const std::optional<std::string>& part : {http.method, http.url}) {
    if (part) {
      request += (request.empty() ? "" : " ") + TruncateToWidth(SanitizeForTerminal(*part), 80);
    }
  }
  if (http.status) {
    request += (request.empty() ? "" : " ") + std::to_string(*http.status);
  }
  if (!request.empty()) {
    line += "  " + request;
  }
  std::string flags;
  for (auto [on, word, sgr] :
       {std::tuple{model.has_error, "error", kYellow}, std::tuple{model.has_fault, "fault", kRed},
        std::tuple{model.has_throttle, "throttle", kMagenta}}) {
    if (on) {
      flags += (flags.empty() ? "" : ",") + Colored(word, sgr, color);
    }
  }
  line += "  " + (flags.empty() ? Colored("ok", kGreen, color) : flags);
  if (!model.annotations.empty()) {
    line += "  " + Plural(model.annotations.size(), "annotation");
  }
  return line;
}

}  // namespace xrayd::query
