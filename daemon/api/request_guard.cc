#include "daemon/api/request_guard.h"

#include <arpa/inet.h>

#include <algorithm>

#include "proto/text.h"

namespace xrayd::daemon {

namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string_view Header(const HttpRequest& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? std::string_view() : std::string_view(it->second);
}

bool HasHeader(const HttpRequest& request, const std::string& name) {
  return request.headers.find(name) != request.headers.end();
}

// Browsers send an Origin on every cross-origin and every non-GET request, and Sec-Fetch-* to
// loopback and https servers; SDKs, the AWS CLI and curl send neither.
bool FromBrowser(const HttpRequest& request) {
  if (HasHeader(request, "origin")) {
    return true;
  }
  return std::any_of(request.headers.begin(), request.headers.end(),
                     [](const auto& header) { return header.first.rfind("sec-fetch-", 0) == 0; });
}

// "Name:2000", "[::1]:2000", "name." -> "name", "::1": lower-case, no port, brackets or final dot.
std::string HostWithoutPort(std::string_view host) {
  host = Trim(host);
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return proto::AsciiLower(close == std::string_view::npos ? host.substr(1)
                                                             : host.substr(1, close - 1));
  }
  const auto colon = host.find(':');
  if (colon != std::string_view::npos && host.find(':', colon + 1) == std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string out = proto::AsciiLower(host);
  if (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  return out;
}

bool IsIpLiteral(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

std::string WithoutTrailingSlash(std::string_view origin) {
  std::string out = proto::AsciiLower(Trim(origin));
  while (!out.empty() && out.back() == '/') {
    out.pop_back();
  }
  return out;
}

bool Mutating(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

// The body types a page may send cross-site without a CORS preflight (the Fetch standard's
// CORS-safelisted request-header Content-Type values).
bool SimpleContentType(std::string_view content_type) {
  std::string media = proto::AsciiLower(Trim(content_type.substr(0, content_type.find(';'))));
  return media == "text/plain" || media == "application/x-www-form-urlencoded" ||
         media == "multipart/form-data";
}

// A form POST signed with SigV4, as the query protocol's clients (older CloudWatch SDKs) send it.
// A page cannot attach an Authorization header without a CORS preflight, which only a configured
// --cors-origin passes, so such a request does not come from a cross-site form. Only the presence
// and scheme of the header are checked here; the signature itself is checked when authentication
// is on.
bool SignedFormPost(const HttpRequest& request) {
  const std::string_view type = Header(request, "content-type");
  const std::string media = proto::AsciiLower(Trim(type.substr(0, type.find(';'))));
  const std::string_view authorization = Trim(Header(request, "authorization"));
  return request.method == "POST" && media == "application/x-www-form-urlencoded" &&
         authorization.rfind("AWS4-HMAC-SHA256 ", 0) == 0;
}

GuardDecision Refuse(ApiRefusal reason, int status, std::string_view type,
                     std::string_view message) {
  GuardDecision decision;
  decision.refusal = reason;
  decision.response = JsonError(status, type, message);
  return decision;
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  const std::string name = proto::AsciiLower(host);
  if (name == "localhost" || (name.size() > 10 && name.ends_with(".localhost"))) {
    return true;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, name.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, name.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  return false;
}

std::vector<std::pair<std::string, std::string>> SecurityHeaders(std::string_view content_type) {
  const bool html = proto::AsciiLower(content_type).rfind("text/html", 0) == 0;
  return {
      {"Content-Security-Policy",
       html ? "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
            : "default-src 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
  };
}

RequestGuard::RequestGuard(ApiSecurityOptions options, GuardEnvironment environment)
    : options_(std::move(options)), environment_(std::move(environment)) {
  for (std::string& host : options_.allowed_hosts) {
    host = host == "*" ? host : HostWithoutPort(host);
  }
  for (std::string& origin : options_.cors_origins) {
    origin = WithoutTrailingSlash(origin);
  }
  environment_.host_name = proto::AsciiLower(environment_.host_name);
}

bool RequestGuard::HostAllowed(std::string_view host_header) const {
  const std::string host = HostWithoutPort(host_header);
  if (host.empty()) {
    return false;
  }
  // A DNS-rebinding page always names the attacker's domain; an IP literal cannot be rebound.
  if (IsLoopbackHost(host) || IsIpLiteral(host)) {
    return true;
  }
  if (host == HostWithoutPort(environment_.bound_host) ||
      (!environment_.host_name.empty() && host == environment_.host_name)) {
    return true;
  }
  return std::any_of(
      options_.allowed_hosts.begin(), options_.allowed_hosts.end(),
      [&host](const std::string& allowed) { return allowed == "*" || allowed == host; });
}

GuardDecision RequestGuard::Check(const HttpRequest& request) const {
  const std::string_view target = request.target;
  const std::string_view path = target.substr(0, target.find('?'));
  const bool health = path == "/healthz";
  const bool metrics = path == "/metrics";
  // The SDKs' sampling pollers post these unsigned, as to the official daemon: they stay open to
  // non-browser clients so centralized sampling keeps working with authentication on.
  const bool sdk_sampling =
      request.method == "POST" && (path == "/GetSamplingRules" || path == "/SamplingTargets");
  GuardDecision decision;

  if (FromBrowser(request)) {
    const std::string_view host = Header(request, "host");
    if (!HostAllowed(host)) {
      return Refuse(ApiRefusal::kHost, 403, "AccessDeniedException",
                    "a browser request for Host '" + std::string(host) +
                        "' is refused: xrayd answers browsers only at localhost, an IP address, "
                        "its host name or a name given with --allowed-host (Xrayd.AllowedHosts)");
    }
    const std::string origin = WithoutTrailingSlash(Header(request, "origin"));
    const bool cors =
        !origin.empty() && std::find(options_.cors_origins.begin(), options_.cors_origins.end(),
                                     origin) != options_.cors_origins.end();
    if (cors) {
      decision.headers = {{"Access-Control-Allow-Origin", std::string(Header(request, "origin"))},
                          {"Vary", "Origin"},
                          {"Access-Control-Expose-Headers", "x-amzn-errortype, x-amzn-requestid"}};
      if (request.method == "OPTIONS" && HasHeader(request, "access-control-request-method")) {
        HttpResponse preflight;
        preflight.status = 204;
        preflight.headers = decision.headers;
        preflight.headers.emplace_back("Access-Control-Allow-Methods",
                                       "GET, POST, PUT, DELETE, OPTIONS");
        std::string requested(Header(request, "access-control-request-headers"));
        preflight.headers.emplace_back(
            "Access-Control-Allow-Headers",
            requested.empty() ? std::string("content-type, authorization, x-amz-date, "
                                            "x-amz-security-token, x-amz-content-sha256")
                              : proto::AsciiLower(requested));
        preflight.headers.emplace_back("Access-Control-Max-Age", "600");
        decision.response = std::move(preflight);
        return decision;
      }
    } else if (!health) {
      const std::string site = proto::AsciiLower(Trim(Header(request, "sec-fetch-site")));
      const bool own_origin =
          origin.empty() || origin == "http://" + proto::AsciiLower(Trim(Header(request, "host")));
      if (site == "cross-site" || site == "same-site" || !own_origin) {
        return Refuse(ApiRefusal::kCrossSite, 403, "AccessDeniedException",
                      "a cross-site browser request (Origin '" +
                          std::string(Header(request, "origin")) + "', Sec-Fetch-Site '" + site +
                          "') is refused; allow a console's origin with --cors-origin");
      }
    }
  }

  if (health && (request.method == "GET" || request.method == "HEAD")) {
    return decision;
  }
  if (!health && !metrics && Mutating(request.method) &&
      SimpleContentType(Header(request, "content-type")) && !SignedFormPost(request)) {
    GuardDecision refused =
        Refuse(ApiRefusal::kContentType, 415, "UnsupportedMediaTypeException",
               "Content-Type '" + std::string(Header(request, "content-type")) +
                   "' is not accepted on the X-Ray API (any web page can send it); send "
                   "application/json, or sign a form POST with SigV4");
    refused.response->headers.insert(refused.response->headers.end(), decision.headers.begin(),
                                     decision.headers.end());
    return refused;
  }
  if (options_.authenticate && !health && !sdk_sampling && (!metrics || options_.metrics_auth)) {
    const AuthCheck auth = options_.authenticate(request);
    std::optional<GuardDecision> refused;
    switch (auth.outcome) {
      case AuthOutcome::kOk:
        break;
      case AuthOutcome::kMissing:
        refused = Refuse(ApiRefusal::kMissingAuth, 403, "MissingAuthenticationTokenException",
                         "Missing Authentication Token");
        break;
      case AuthOutcome::kUnknownKey:
        refused = Refuse(ApiRefusal::kUnknownKey, 403, "UnrecognizedClientException",
                         "The security token included in the request is invalid.");
        break;
      case AuthOutcome::kBadSignature:
        refused = Refuse(ApiRefusal::kBadSignature, 403, "InvalidSignatureException",
                         "The request signature we calculated does not match the signature you "
                         "provided. Check your AWS Secret Access Key and signing method." +
                             (auth.detail.empty() ? std::string() : " (" + auth.detail + ")"));
        break;
    }
    if (refused) {
      refused->response->headers.insert(refused->response->headers.end(), decision.headers.begin(),
                                        decision.headers.end());
      return *refused;
    }
  }
  return decision;
}

}  // namespace xrayd::daemon
