// The plain-C++ parts of http_client.h (no Beast): URL parsing, header lookup, error kind names.
#include <algorithm>
#include <cctype>

#include "daemon/net/http_client.h"
#include "daemon/net/url_authority.h"
#include "proto/text.h"

namespace xrayd::daemon {

const char* HttpErrorKindName(HttpErrorKind kind) {
  switch (kind) {
    case HttpErrorKind::kBadUrl:
      return "bad_url";
    case HttpErrorKind::kDns:
      return "dns";
    case HttpErrorKind::kRefused:
      return "refused";
    case HttpErrorKind::kTimeout:
      return "timeout";
    case HttpErrorKind::kTls:
      return "tls";
    case HttpErrorKind::kProtocol:
      return "protocol";
    case HttpErrorKind::kNetwork:
      return "network";
    case HttpErrorKind::kProxy:
      return "proxy";
  }
  return "unknown";
}

bool HeaderNameEquals(std::string_view a, std::string_view b) {
  return proto::EqualsIgnoreCase(a, b);
}

std::string ClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (HeaderNameEquals(key, name)) {
      return value;
    }
  }
  return "";
}

std::string ParsedUrl::HostHeader() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  if (!default_port) {
    out += ":" + std::to_string(port);
  }
  return out;
}

Result<ParsedUrl> ParseUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "bad URL '" + std::string(url.substr(0, url.find('?'))) + "': " + std::string(why));
  };
  ParsedUrl out;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return bad("no scheme");
  }
  out.scheme = proto::AsciiLower(url.substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https") {
    return bad("scheme must be http or https");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return bad("user info is not supported");
  }
  auto parsed = ParseUrlAuthority(authority);
  if (!parsed) {
    return bad(parsed.error().message);
  }
  out.host = std::move(parsed->host);
  out.port = parsed->port.value_or(out.scheme == "https" ? 443 : 80);
  const std::size_t fragment = rest.find('#');
  out.target = std::string(rest.substr(0, fragment));
  if (out.target.empty() || out.target.front() == '?') {
    out.target.insert(0, "/");
  }
  return out;
}

}  // namespace xrayd::daemon
