#include "daemon/core/endpoint.h"

#include <charconv>
#include <optional>

namespace xrayd::daemon {

namespace {

Result<std::uint16_t> ParsePort(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid port '" + std::string(text) +
                                                      "' in address '" + std::string(whole) +
                                                      "' (expected 0-65535)");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string Endpoint::ToString() const {
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + std::to_string(port);
  }
  return host + ":" + std::to_string(port);
}

Result<Endpoint> ParseEndpoint(std::string_view text) {
  if (text.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "empty address");
  }
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return MakeError(ErrorCode::kInvalidArgument,
                       "invalid address '" + std::string(text) + "' (expected [ipv6]:port)");
    }
    XRAYD_TRY_ASSIGN(auto port, ParsePort(text.substr(close + 2), text));
    return Endpoint{std::string(text.substr(1, close - 1)), port};
  }
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    XRAYD_TRY_ASSIGN(auto port, ParsePort(text, text));
    return Endpoint{"127.0.0.1", port};
  }
  if (text.find(':') != colon) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid address '" + std::string(text) +
                         "' (write IPv6 addresses in brackets: [::1]:2000)");
  }
  XRAYD_TRY_ASSIGN(auto port, ParsePort(text.substr(colon + 1), text));
  std::string host(text.substr(0, colon));
  if (host.empty()) {
    host = "127.0.0.1";
  }
  return Endpoint{std::move(host), port};
}

Result<DaemonAddress> ParseDaemonAddress(std::string_view text) {
  const auto invalid = [&](std::string_view why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid address '" + std::string(text) + "': " + std::string(why));
  };
  DaemonAddress address;
  const auto parse_part = [&](std::string_view part) -> Status {
    const bool is_udp = part.rfind("udp:", 0) == 0;
    const bool is_tcp = part.rfind("tcp:", 0) == 0;
    if (!is_udp && !is_tcp) {
      return invalid("each part of the two-part form starts with udp: or tcp:");
    }
    XRAYD_TRY_ASSIGN(auto endpoint, ParseEndpoint(part.substr(4)));
    std::optional<Endpoint>& slot = is_udp ? address.udp : address.tcp;
    if (slot) {
      return invalid(is_udp ? "udp given twice" : "tcp given twice");
    }
    slot = endpoint;
    return {};
  };
  const std::size_t space = text.find(' ');
  if (space != std::string_view::npos) {
    if (text.find(' ', space + 1) != std::string_view::npos) {
      return invalid("expected 'udp:host:port tcp:host:port' (two parts, one space)");
    }
    for (std::string_view part : {text.substr(0, space), text.substr(space + 1)}) {
      XRAYD_TRY(parse_part(part));
    }
    if (!address.udp || !address.tcp) {
      return invalid("the two-part form needs one udp: and one tcp: part");
    }
    return address;
  }
  if (text.rfind("udp:", 0) == 0 || text.rfind("tcp:", 0) == 0) {
    XRAYD_TRY(parse_part(text));
    return address;
  }
  XRAYD_TRY_ASSIGN(auto endpoint, ParseEndpoint(text));
  address.plain = endpoint;
  return address;
}

}  // namespace xrayd::daemon
