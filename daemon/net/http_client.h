#pragma once
// HttpClient: a small blocking HTTP/1.1 client (Boost.Beast + OpenSSL) for calls from xrayd to the
// outside: AWS X-Ray (forwarding), STS, ECS container credentials, EC2 IMDS.
// Beast is included only by http_client.cc (compile cost); this header is plain C++.
//
// Threads: one HttpClient per thread (not thread-safe). It keeps one connection open and reuses it
// for the next request to the same scheme://host:port while the server keeps it alive; a request to
// another origin, or after the server closed, opens a new connection. A request that fails on a
// reused connection before any byte of the answer arrived is retried once on a fresh connection.
// https verifies the peer against the system CA store (or `ca_file`) and the host name, unless
// `verify_tls` is false.
//
// Proxies: `proxy` (daemon/http_proxy.h) decides per request. An https target goes through a
// tunnel: TCP to the proxy, `CONNECT host:port` (+ Proxy-Authorization), a 2xx required, then TLS
// with SNI and verification against the target, never the proxy. An http target is sent to the
// proxy in absolute form. A kept-alive connection is reused only for the same (proxy, origin).
// Proxy failures: proxy refused -> kRefused, proxy name unknown -> kDns; CONNECT answered non-2xx,
// 407 for an http target, a bad proxy address or a broken CONNECT answer -> kProxy, with a message
// naming the proxy host:port and status (never its credentials).

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/net/http_proxy.h"
#include "proto/result.h"

namespace xrayd::daemon {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ClientRequest {
  std::string method = "GET";
  std::string url{};     // "http://127.0.0.1:8080/path?q=1" or "https://host/path"; IPv6 "[::1]".
  HeaderList headers{};  // Sent as given. Host, Content-Length and User-Agent are added if absent.
  std::string body{};
  std::chrono::milliseconds timeout{5000};  // Whole exchange: connect + TLS + write + read.
};

struct ClientResponse {
  int status = 0;
  HeaderList headers{};  // Names as received.
  std::string body{};
  // The first header named `name` (case-insensitive), or "" if absent.
  std::string Header(std::string_view name) const;
};

// Why a request failed, for counters (timeout, refused, DNS, TLS ...). HTTP error statuses are not
// failures: they come back as a ClientResponse.
enum class HttpErrorKind {
  kBadUrl,
  kDns,
  kRefused,
  kTimeout,
  kTls,
  kProtocol,
  kNetwork,
  kProxy,  // The proxy refused the tunnel or the request (e.g. 407), or is misconfigured.
};
const char* HttpErrorKindName(HttpErrorKind kind);

// A failed request: an Error (code and message, as every Result carries) plus why it failed. It
// converts to a plain Error (slicing off the kind) where a caller propagates it as Result<T>.
struct HttpError : Error {
  HttpErrorKind kind = HttpErrorKind::kNetwork;
};
template <typename T>
using HttpResult = tl::expected<T, HttpError>;
using HttpStatus = HttpResult<void>;

inline tl::unexpected<HttpError> MakeHttpError(HttpErrorKind kind, ErrorCode code,
                                               std::string message) {
  return tl::unexpected<HttpError>(HttpError{{code, std::move(message)}, kind});
}

struct HttpClientOptions {
  bool verify_tls = true;  // false = NoVerifySSL.
  std::string ca_file{};   // PEM bundle used instead of the system CA store when set.
  std::size_t max_response_bytes = 16u << 20;
  ProxySettings proxy{};  // Empty: every request goes direct.
};

struct ParsedUrl {
  std::string scheme{};  // "http" or "https"
  std::string host{};    // Without brackets for IPv6.
  std::uint16_t port = 0;
  std::string target{};  // Path + query, at least "/".
  // "host" or "host:port" (brackets for IPv6) as sent in the Host header: port omitted if default.
  std::string HostHeader() const;
};
// Parses an http(s) URL. kInvalidArgument for other schemes, user info, bad ports.
[[nodiscard]] Result<ParsedUrl> ParseUrl(std::string_view url);

// Header names compare case-insensitively (ASCII).
bool HeaderNameEquals(std::string_view a, std::string_view b);

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and reads the whole answer. Errors: kInvalidArgument (bad URL or header:
  // kind kBadUrl; the proxy that applies has a bad address: kind kProxy), kIOError (network, TLS,
  // timeout, malformed answer, proxy refusal), the error's kind saying which.
  // Error messages name the method, host and path, never header values or the body.
  [[nodiscard]] HttpResult<ClientResponse> Send(const ClientRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_{};
};

}  // namespace xrayd::daemon
