#pragma once
// ApiRouter: maps an HTTP request to a response. Pure with respect to networking: the HTTP server
// (Beast) parses and writes; the router only sees these plain structs, so it is tested directly.
// Handle() may be called from the HTTP thread(s) concurrently: routes must be thread-safe.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/api/event_stream.h"

namespace xrayd::daemon {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // Path and query, e.g. "/metrics?x=1".
  std::map<std::string, std::string> headers;  // Lower-cased names.
  std::string body;
  // Set by the HTTP server: true once the client has closed the connection (it will never read the
  // response). Never blocks; a system call per call, so long handlers ask now and then.
  std::function<bool()> client_gone;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // Extra headers.
  std::string body;
  // Set: `body` is ignored and the server streams the body through this (event_stream.h).
  std::shared_ptr<EventStream> stream;
};

// The X-Ray-style JSON error response: `X-Amzn-ErrorType: type` and {"__type","message"}.
HttpResponse JsonError(int status, std::string_view type, std::string_view message);

class ApiRouter {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Registers `handler` for exact `method` + `path` (query string ignored when matching).
  void Add(std::string method, std::string path, Handler handler);

  // Registers `handler` for `method` on every path that starts with `prefix` and no exact route
  // matches; the longest matching prefix wins.
  void AddPrefix(std::string method, std::string prefix, Handler handler);

  // Answers every request no route matches (path and method), instead of the 404/405 below.
  // Used by the X-Ray proxy when forwarding (daemon/xray_proxy.h). Set before serving.
  void SetFallback(Handler handler);

  // Dispatches; unknown paths get 404 with a JSON body naming the path, a known path with another
  // method gets 405 (unless a fallback is set).
  HttpResponse Handle(const HttpRequest& request) const;

 private:
  std::map<std::pair<std::string, std::string>, Handler> routes_;
  std::map<std::pair<std::string, std::string>, Handler> prefixes_;
  Handler fallback_;
};

}  // namespace xrayd::daemon
