#include "daemon/console/tail_request.h"

#include <charconv>
#include <cmath>

#include "proto/text.h"

namespace xrayd::daemon::console {

namespace {

std::optional<double> ParseSeconds(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::string> DecodeQueryComponent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) {
        return std::nullopt;
      }
      const int high = proto::HexDigitValue(text[i + 1]);
      const int low = proto::HexDigitValue(text[i + 2]);
      if (high < 0 || low < 0) {
        return std::nullopt;
      }
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

TailRequest ParseTailRequest(const HttpRequest& request) {
  TailRequest out;
  const std::string_view target = request.target;
  const std::size_t question = target.find('?');
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const std::string_view raw =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    auto value = DecodeQueryComponent(raw);
    if (!value) {
      continue;
    }
    if (name == "filter") {
      out.filter = std::move(*value);
    } else if (name == "lastEventId") {
      out.resume = ParseSeconds(*value);
    }
  }
  if (auto it = request.headers.find("last-event-id"); it != request.headers.end()) {
    if (auto resume = ParseSeconds(it->second)) {
      out.resume = resume;
    }
  }
  return out;
}

std::string FormatEvent(std::string_view id, std::string_view type, std::string_view data) {
  std::string out;
  if (!id.empty()) {
    out.append("id: ").append(id).append("\n");
  }
  if (!type.empty()) {
    out.append("event: ").append(type).append("\n");
  }
  while (true) {
    const std::size_t newline = data.find('\n');
    out.append("data: ").append(data.substr(0, newline)).append("\n");
    if (newline == std::string_view::npos) {
      break;
    }
    data.remove_prefix(newline + 1);
  }
  out += '\n';
  return out;
}

}  // namespace xrayd::daemon::console
