#include "daemon/net/http_proxy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstring>
#include <initializer_list>
#include <utility>
#include <vector>

#include "daemon/net/http_client.h"
#include "daemon/net/url_authority.h"
#include "proto/text.h"

namespace xrayd::daemon {

namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return text;
}

// An IP address as bytes (4 or 16); nullopt when `text` is not an IP literal.
struct IpBytes {
  int family = 0;  // AF_INET or AF_INET6.
  std::array<unsigned char, 16> bytes{};
  std::size_t Size() const { return family == AF_INET ? 4 : 16; }
};

std::optional<IpBytes> ParseIp(std::string_view text) {
  if (text.empty() || text.size() > 64) {
    return std::nullopt;
  }
  const std::string copy(text);
  IpBytes out;
  if (inet_pton(AF_INET, copy.c_str(), out.bytes.data()) == 1) {
    out.family = AF_INET;
    return out;
  }
  if (inet_pton(AF_INET6, copy.c_str(), out.bytes.data()) == 1) {
    out.family = AF_INET6;
    return out;
  }
  return std::nullopt;
}

bool SameIp(const IpBytes& a, const IpBytes& b) {
  return a.family == b.family && std::memcmp(a.bytes.data(), b.bytes.data(), a.Size()) == 0;
}

bool InCidr(const IpBytes& address, const IpBytes& network, int prefix) {
  if (address.family != network.family) {
    return false;
  }
  for (std::size_t i = 0; prefix > 0; ++i, prefix -= 8) {
    const unsigned mask = prefix >= 8 ? 0xffu : (0xffu << (8 - prefix)) & 0xffu;
    if ((address.bytes[i] & mask) != (network.bytes[i] & mask)) {
      return false;
    }
  }
  return true;
}

// Whether one NO_PROXY entry (trimmed, lower case, not empty) matches.
bool EntryMatches(std::string_view entry, const std::string& host,
                  const std::optional<IpBytes>& host_ip, std::uint16_t port) {
  if (entry == "*") {
    return true;
  }
  if (const std::size_t slash = entry.find('/'); slash != std::string_view::npos) {
    const auto network = ParseIp(entry.substr(0, slash));
    int prefix = -1;
    const std::string_view bits = entry.substr(slash + 1);
    const auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (!network || !host_ip || ec != std::errc() || ptr != bits.data() + bits.size() ||
        prefix < 0 || prefix > static_cast<int>(network->Size() * 8)) {
      return false;
    }
    return InCidr(*host_ip, *network, prefix);
  }
  std::string_view name = entry;
  std::optional<std::uint16_t> entry_port;
  if (name.starts_with("[")) {
    const std::size_t close = name.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    const std::string_view after = name.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return false;
      }
      entry_port = ParsePort(after.substr(1));
      if (!entry_port) {
        return false;
      }
    }
    name = name.substr(1, close - 1);
  } else if (std::count(name.begin(), name.end(), ':') == 1) {
    const std::size_t colon = name.find(':');
    entry_port = ParsePort(name.substr(colon + 1));
    if (!entry_port) {
      return false;
    }
    name = name.substr(0, colon);
  }
  if (entry_port && *entry_port != port) {
    return false;
  }
  if (const auto entry_ip = ParseIp(name)) {
    return host_ip && SameIp(*host_ip, *entry_ip);
  }
  if (name.starts_with("*.")) {
    name.remove_prefix(1);
  }
  while (name.starts_with(".")) {
    name.remove_prefix(1);
  }
  while (name.ends_with(".")) {
    name.remove_suffix(1);
  }
  if (name.empty()) {
    return false;
  }
  if (host == name) {
    return true;
  }
  return host.size() > name.size() && host.ends_with(name) &&
         host[host.size() - name.size() - 1] == '.';
}

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const auto [ptr, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc() || ptr != text.data() + i + 3) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

std::string Base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const std::uint32_t n =
        (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16) |
        (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8) |
        static_cast<unsigned char>(data[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  if (const std::size_t rest = data.size() - i; rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16;
    if (rest == 2) {
      n |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
    }
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// The first non-empty value among `names` in `env`, with the name it came from.
std::optional<std::pair<std::string, std::string>> FirstSet(
    const Environment& env, std::initializer_list<std::string_view> names) {
  for (const std::string_view name : names) {
    const auto it = env.find(name);
    if (it != env.end() && !Trim(it->second).empty()) {
      return std::make_pair(std::string(name), std::string(Trim(it->second)));
    }
  }
  return std::nullopt;
}

ProxySource MakeSource(std::string origin, std::string_view text) {
  ProxySource source;
  source.origin = std::move(origin);
  if (auto url = ParseProxyUrl(text)) {
    source.url = std::move(*url);
  } else {
    source.error = url.error().message;
  }
  return source;
}

}  // namespace

std::string ProxyUrl::HostPort() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string ProxyUrl::BasicAuthorization() const {
  if (!has_credentials) {
    return "";
  }
  return "Basic " + Base64(username + ":" + password);
}

std::string RedactProxyUrl(std::string_view text) {
  const std::size_t scheme_end = text.find("://");
  const std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const std::size_t end = std::min(text.find_first_of("/?#", start), text.size());
  const std::size_t at = text.substr(start, end - start).rfind('@');
  if (at == std::string_view::npos) {
    return std::string(text);
  }
  return std::string(text.substr(0, start)) + "***" + std::string(text.substr(start + at));
}

Result<ProxyUrl> ParseProxyUrl(std::string_view text) {
  text = Trim(text);
  auto bad = [&](std::string_view why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "bad proxy address '" + RedactProxyUrl(text) + "': " + std::string(why));
  };
  if (text.empty()) {
    return bad("empty");
  }
  std::string_view rest = text;
  if (const std::size_t scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
    const std::string scheme = proto::AsciiLower(rest.substr(0, scheme_end));
    if (scheme != "http") {
      return bad("proxy scheme '" + scheme + "' is not supported (only http:// proxies)");
    }
    rest.remove_prefix(scheme_end + 3);
  }
  std::string_view authority = rest.substr(0, std::min(rest.find_first_of("/?#"), rest.size()));
  ProxyUrl out;
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view user_info = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const std::size_t colon = user_info.find(':');
    auto user = PercentDecode(user_info.substr(0, colon));
    auto password = PercentDecode(colon == std::string_view::npos ? std::string_view()
                                                                  : user_info.substr(colon + 1));
    if (!user || !password) {
      return bad("bad percent escape in the credentials");
    }
    out.has_credentials = true;
    out.username = std::move(*user);
    out.password = std::move(*password);
  }
  auto parsed = ParseUrlAuthority(authority);
  if (!parsed) {
    return bad(parsed.error().message);
  }
  out.host = std::move(parsed->host);
  for (const char c : out.host) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '.' && c != '-' && c != '_' && c != ':' && c != '%') {
      return bad("bad character in host");
    }
  }
  if (parsed->port) {
    out.port = *parsed->port;
  }
  return out;
}

bool NoProxyMatches(std::string_view no_proxy, std::string_view host, std::uint16_t port) {
  std::string name = proto::AsciiLower(host);
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  while (name.ends_with(".")) {
    name.pop_back();
  }
  const std::optional<IpBytes> host_ip = ParseIp(name);
  while (!no_proxy.empty()) {
    const std::size_t comma = std::min(no_proxy.find(','), no_proxy.size());
    const std::string entry = proto::AsciiLower(Trim(no_proxy.substr(0, comma)));
    no_proxy.remove_prefix(std::min(comma + 1, no_proxy.size()));
    if (!entry.empty() && EntryMatches(entry, name, host_ip, port)) {
      return true;
    }
  }
  return false;
}

bool IsNeverProxiedHost(std::string_view host) {
  const auto ip = ParseIp(host);
  if (!ip) {
    return false;
  }
  for (const char* never :
       {"169.254.169.254", "169.254.170.2", "169.254.170.23", "fd00:ec2::254", "fd00:ec2::23"}) {
    if (SameIp(*ip, *ParseIp(never))) {
      return true;
    }
  }
  return false;
}

ProxySettings ProxySettingsFrom(std::string_view proxy_address, const Environment& env) {
  ProxySettings settings;
  if (!Trim(proxy_address).empty()) {
    settings.explicit_proxy = MakeSource("-p", proxy_address);
  }
  if (auto value = FirstSet(env, {"HTTPS_PROXY", "https_proxy"})) {
    settings.https_proxy = MakeSource(value->first, value->second);
  }
  if (auto value = FirstSet(env, {"HTTP_PROXY", "http_proxy"})) {
    settings.http_proxy = MakeSource(value->first, value->second);
  }
  if (auto value = FirstSet(env, {"NO_PROXY", "no_proxy"})) {
    settings.no_proxy_origin = value->first;
    settings.no_proxy = value->second;
  }
  return settings;
}

Result<ProxyChoice> SelectProxy(const ProxySettings& settings, std::string_view scheme,
                                std::string_view host, std::uint16_t port) {
  ProxyChoice choice;
  if (settings.Empty()) {
    choice.reason = "no proxy";
    return choice;
  }
  if (IsNeverProxiedHost(host)) {
    choice.reason = "instance metadata";
    return choice;
  }
  const std::optional<ProxySource>* source = &settings.explicit_proxy;
  if (!settings.explicit_proxy) {
    source = scheme == "https" ? &settings.https_proxy : &settings.http_proxy;
    if (!*source) {
      choice.reason = "no proxy";
      return choice;
    }
    if (NoProxyMatches(settings.no_proxy, host, port)) {
      choice.reason = settings.no_proxy_origin;
      return choice;
    }
  }
  const ProxySource& chosen = **source;
  if (!chosen.url) {
    return MakeError(ErrorCode::kInvalidArgument, chosen.origin + ": " + chosen.error);
  }
  choice.proxy = chosen.url;
  choice.reason = chosen.origin;
  return choice;
}

std::string DescribeProxyFor(const ProxySettings& settings, std::string_view url) {
  if (settings.Empty()) {
    return "";
  }
  auto parsed = ParseUrl(url);
  if (!parsed) {
    return "proxy=unknown (" + parsed.error().message + ")";
  }
  auto choice = SelectProxy(settings, parsed->scheme, parsed->host, parsed->port);
  if (!choice) {
    return "proxy=invalid (" + choice.error().message + ")";
  }
  if (choice->proxy) {
    return "proxy=" + choice->proxy->HostPort() + " (" + choice->reason + ")";
  }
  if (choice->reason == "no proxy") {
    return "proxy=none";
  }
  if (choice->reason == "instance metadata") {
    return "proxy=none (instance metadata is never proxied)";
  }
  return "proxy=none (" + choice->reason + " matches " + parsed->host + ")";
}

}  // namespace xrayd::daemon
