#pragma once
// RequestGuard: decides, before routing, whether a request on the TCP port is served or refused
// (docs/security.md): the Host check against DNS rebinding, the cross-site (CSRF) check, the
// content-type check on API paths, CORS for configured origins, optional SigV4 authentication.
// Pure: the request and the configuration in, a decision out; the signature check is a function
// the caller provides. Thread-safe after construction (const).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/api/api_router.h"
#include "daemon/core/metrics.h"

namespace xrayd::daemon {

// The result of checking a request's SigV4 signature.
enum class AuthOutcome { kOk, kMissing, kUnknownKey, kBadSignature };
struct AuthCheck {
  AuthOutcome outcome = AuthOutcome::kOk;
  std::string detail;  // Why, for kBadSignature (never the secret or the expected signature).
};
using Authenticator = std::function<AuthCheck(const HttpRequest&)>;

struct ApiSecurityOptions {
  // Host names accepted from browsers besides the defaults (localhost, IP literals, the bound
  // address, the machine's host name). "*" accepts every name. Compared without the port.
  std::vector<std::string> allowed_hosts;
  // Origins ("http://console.example:8080") allowed to make cross-site requests; they get CORS
  // headers and preflight answers.
  std::vector<std::string> cors_origins;
  // Set: every request but GET /healthz and the SDKs' sampling polls (POST /GetSamplingRules,
  // /SamplingTargets) must carry a signature `authenticate` accepts.
  Authenticator authenticate;
  bool metrics_auth = false;  // With `authenticate`: /metrics needs a signature too.
};

// Where the server runs, as the guard needs it.
struct GuardEnvironment {
  std::string bound_host;  // The bound IP ("127.0.0.1", "0.0.0.0", "::1").
  std::string host_name;   // gethostname(); empty if unknown.
};

struct GuardDecision {
  // Set: answer this instead of routing (a refusal, or the answer to a CORS preflight).
  std::optional<HttpResponse> response;
  // Set when the request is refused: what is counted and logged.
  std::optional<ApiRefusal> refusal;
  // Headers to add to the routed response (CORS for an allowed origin).
  std::vector<std::pair<std::string, std::string>> headers;
};

class RequestGuard {
 public:
  RequestGuard(ApiSecurityOptions options, GuardEnvironment environment);

  // The decision for `request` (header names lower-case, as HttpRequest holds them). Rules, in
  // order: a browser request (Origin or any Sec-Fetch-* header) must name an allowed Host (403);
  // a browser request marked cross-site or from a foreign Origin is refused (403) unless its
  // Origin is a CORS origin, whose preflights are answered (204); GET /healthz is then served;
  // state-changing methods on API paths (all but /healthz and /metrics) with a body type a page
  // may send without a preflight (text/plain, form types) are refused (415), except a
  // form-encoded POST carrying a SigV4 Authorization header (the query protocol); with
  // authentication, a missing or bad signature is refused (403, AWS's error types) except on the
  // SDKs' sampling polls.
  GuardDecision Check(const HttpRequest& request) const;

  // True if a browser may address xrayd by `host` (a Host header value, with or without port).
  bool HostAllowed(std::string_view host) const;

  bool Authenticating() const { return static_cast<bool>(options_.authenticate); }

 private:
  ApiSecurityOptions options_;
  GuardEnvironment environment_;
};

// The headers every response carries: Content-Security-Policy with frame-ancestors 'none'
// (default-src 'none' unless `content_type` is HTML, whose page may load its own resources),
// X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer.
std::vector<std::pair<std::string, std::string>> SecurityHeaders(std::string_view content_type);

// True if `host` (no port, no brackets) is a loopback address or "localhost" / "*.localhost".
bool IsLoopbackHost(std::string_view host);

}  // namespace xrayd::daemon
