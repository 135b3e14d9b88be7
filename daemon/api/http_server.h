#pragma once
// HttpServer: HTTP/1.1 on one TCP address (Boost.Beast), answering every request through an
// ApiRouter. Runs its own io_context on its own thread(s), never the UDP thread. Per connection:
// keep-alive, a read timeout, a request body limit.

#include <chrono>
#include <cstddef>
#include <memory>

#include "daemon/api/api_router.h"
#include "daemon/core/endpoint.h"
#include "proto/result.h"

namespace xrayd::daemon {

struct HttpServerOptions {
  std::size_t body_limit_bytes = 8u << 20;
  std::chrono::seconds read_timeout{30};
  int threads = 1;
};

class HttpServer {
 public:
  // `router` must outlive the server.
  HttpServer(const ApiRouter& router, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens on `address` (port 0 picks one) and starts serving. kIOError if it cannot
  // bind.
  [[nodiscard]] Status Start(const Endpoint& address);
  Endpoint LocalEndpoint() const;
  // Stops accepting, closes connections, joins the threads.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xrayd::daemon
