#pragma once
// The host[:port] part of a URL or proxy address, shared by HttpClient's ParseUrl and the proxy
// settings (daemon/http_proxy.h). Plain C++ (no Beast).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/result.h"

namespace xrayd::daemon {

struct UrlAuthority {
  std::string host;                   // Without brackets for IPv6.
  std::optional<std::uint16_t> port;  // Absent when the text has none.
};

// Parses "host", "host:port", "[v6]" or "[v6]:port" (no user info). kInvalidArgument with a short
// reason ("empty host", "unclosed '[' in host", "junk after ']'", "empty port", "bad port") that
// callers prefix with what they were parsing.
[[nodiscard]] Result<UrlAuthority> ParseUrlAuthority(std::string_view authority);

// A decimal port in 1..65535; nullopt otherwise.
[[nodiscard]] std::optional<std::uint16_t> ParsePort(std::string_view text);

}  // namespace xrayd::daemon
