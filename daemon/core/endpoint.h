#pragma once
// Network endpoints as the daemon's flags and AWS_XRAY_DAEMON_ADDRESS spell them: parsing and
// printing only, no sockets.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/result.h"

namespace xrayd::daemon {

struct Endpoint {
  std::string host;  // IPv4 or IPv6 literal (no brackets), or "localhost".
  std::uint16_t port = 0;

  // "host:port", IPv6 as "[::1]:2000".
  std::string ToString() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Parses "host:port", "[v6]:port", ":port" (loopback) or a bare port "2000" (loopback).
// Fails with kInvalidArgument naming the problem.
[[nodiscard]] Result<Endpoint> ParseEndpoint(std::string_view text);

// An address setting in any of the forms SDKs use for AWS_XRAY_DAEMON_ADDRESS
// (docs/daemon-protocol.md#addresses): "host:port" (no protocol: `udp` and `tcp` both unset, the
// caller decides), "udp:host:port", "tcp:host:port", or the two-part "udp:host:port tcp:host:port"
// (either order, one space).
struct DaemonAddress {
  std::optional<Endpoint> plain;  // Form "host:port".
  std::optional<Endpoint> udp;
  std::optional<Endpoint> tcp;
};
// kInvalidArgument for anything else (e.g. two udp parts, a protocol other than udp/tcp).
[[nodiscard]] Result<DaemonAddress> ParseDaemonAddress(std::string_view text);

}  // namespace xrayd::daemon
