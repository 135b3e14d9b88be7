#include "daemon/net/url_authority.h"

#include <charconv>

namespace xrayd::daemon {

std::optional<std::uint16_t> ParsePort(std::string_view text) {
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value == 0 ||
      value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

Result<UrlAuthority> ParseUrlAuthority(std::string_view authority) {
  auto bad = [](const char* why) { return MakeError(ErrorCode::kInvalidArgument, why); };
  UrlAuthority out;
  std::optional<std::string_view> port_text;
  if (authority.starts_with("[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return bad("unclosed '[' in host");
    }
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return bad("junk after ']'");
      }
      port_text = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (out.host.empty()) {
    return bad("empty host");
  }
  if (port_text) {
    if (port_text->empty()) {
      return bad("empty port");
    }
    out.port = ParsePort(*port_text);
    if (!out.port) {
      return bad("bad port");
    }
  }
  return out;
}

}  // namespace xrayd::daemon
