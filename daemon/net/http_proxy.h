#pragma once
// Which HTTP proxy, if any, an outgoing request of xrayd goes through: parsing of proxy
// addresses and of NO_PROXY, and the selection rule. Pure functions of their arguments (no getenv,
// no sockets, no logging): the environment comes in as an Environment, and http_client.cc applies
// the answer (CONNECT tunnel for https targets, absolute-form requests for http targets).
//
// Selection rule for a target URL, first match wins:
//  1. EC2 instance metadata (169.254.169.254, fd00:ec2::254) and the ECS/EKS container credential
//     endpoints (169.254.170.2, 169.254.170.23, fd00:ec2::23) are never proxied (AWS SDKs).
//  2. `-p`/ProxyAddress, when set, is used for every target, http and https alike, and NO_PROXY is
//     not consulted. This is the official AWS X-Ray daemon's behaviour: pkg/conn/conn.go builds its
//     transport with http.ProxyURL(-p), which never reads the environment.
//  3. Otherwise the environment, as Go's http.ProxyFromEnvironment reads it: HTTPS_PROXY (else
//     https_proxy) for https targets, HTTP_PROXY (else http_proxy) for http targets, unless
//     NO_PROXY (else no_proxy) matches the target. Differences from Go, on purpose: loopback
//     targets are not exempt by themselves (list them in NO_PROXY to bypass), and a NO_PROXY entry
//     with a leading "." matches the domain itself too (curl's reading).
//  4. Otherwise direct.
//
// NO_PROXY: comma-separated entries, case-insensitive, blanks ignored. "*" matches every host.
// "example.com", ".example.com" and "*.example.com" match example.com and any name under it.
// "host:port" / "[v6]:port" match that port only. IP literals ("10.1.2.3", "::1", "[::1]") match
// that address exactly; CIDR blocks ("10.0.0.0/8", "fd00::/8") match addresses inside them.
// Entries that parse as nothing above are ignored.
//
// Proxy addresses: "http://host:port", "host:port" (http implied) or "http://host" (port 80, as
// Go), with optional "user:password@" (percent-decoded; sent as Basic Proxy-Authorization). Only
// plain-http proxies are supported (no https:// or socks5:// proxies). Proxy credentials never
// appear in messages made here: they show as "***".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/environment.h"
#include "proto/result.h"

namespace xrayd::daemon {

struct ProxyUrl {
  std::string host{};  // Name or IP literal, without brackets.
  std::uint16_t port = 80;
  bool has_credentials = false;  // "user[:password]@" was given.
  std::string username{};        // Percent-decoded.
  std::string password{};        // Percent-decoded.

  // "host:port" ("[v6]:port"), never the credentials: for logs and error messages.
  std::string HostPort() const;
  // The Proxy-Authorization value "Basic base64(user:password)", or "" without credentials.
  std::string BasicAuthorization() const;
};

// Parses a proxy address (forms above). kInvalidArgument naming the problem, with the text shown
// through RedactProxyUrl: empty text, a scheme other than http, a bad port, an empty host, a bad
// percent escape in the credentials.
[[nodiscard]] Result<ProxyUrl> ParseProxyUrl(std::string_view text);

// `text` with any user info replaced by "***" ("http://u:p@h:1" -> "http://***@h:1"); other text
// unchanged. Safe to log.
std::string RedactProxyUrl(std::string_view text);

// True when `no_proxy` (a NO_PROXY value) matches `host` (no brackets) and `port`.
bool NoProxyMatches(std::string_view no_proxy, std::string_view host, std::uint16_t port);

// True for the instance metadata and container credential addresses of rule 1.
bool IsNeverProxiedHost(std::string_view host);

// One configured proxy: where it came from, and the parsed address or why it failed to parse.
struct ProxySource {
  std::string origin{};           // "-p", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy".
  std::optional<ProxyUrl> url{};  // Set when it parsed.
  std::string error{};            // Otherwise the (redacted) parse error.
};

// The proxy configuration of the process, captured once at start-up. Copyable; immutable after.
struct ProxySettings {
  std::optional<ProxySource> explicit_proxy{};  // -p / ProxyAddress.
  std::optional<ProxySource> https_proxy{};
  std::optional<ProxySource> http_proxy{};
  std::string no_proxy{};         // NO_PROXY (else no_proxy) as given.
  std::string no_proxy_origin{};  // "NO_PROXY" or "no_proxy", "" when unset.

  // No proxy configured at all: every request goes direct.
  bool Empty() const { return !explicit_proxy && !https_proxy && !http_proxy; }
};

// Reads `proxy_address` (-p; empty = unset) and the variables of rule 3 from `env` (empty values
// count as unset). Never fails: an unparsable address is kept with its error for SelectProxy.
ProxySettings ProxySettingsFrom(std::string_view proxy_address, const Environment& env);

struct ProxyChoice {
  std::optional<ProxyUrl> proxy{};  // nullopt: connect directly.
  std::string reason{};  // Which rule decided: "-p", "HTTPS_PROXY", "NO_PROXY", "no proxy" ...
};

// Applies the selection rule to a target (`scheme` "http" or "https", `host` without brackets).
// Fails with kInvalidArgument when the proxy that applies did not parse (message names its origin,
// credentials redacted): requests then fail rather than silently bypass the proxy.
[[nodiscard]] Result<ProxyChoice> SelectProxy(const ProxySettings& settings,
                                              std::string_view scheme, std::string_view host,
                                              std::uint16_t port);

// One line for the start-up log about the proxy used for `url` (an http(s) URL): "" when no proxy
// is configured, else e.g. "proxy=127.0.0.1:3128 (HTTPS_PROXY)", "proxy=none (NO_PROXY matches
// 127.0.0.1)" or "proxy=invalid (-p: ...)". Never contains credentials.
std::string DescribeProxyFor(const ProxySettings& settings, std::string_view url);

}  // namespace xrayd::daemon
