#pragma once
// HttpServer: HTTP/1.1 on one TCP address (Boost.Beast), answering every request through an
// ApiRouter. Runs its own io_context on its own thread(s), never the UDP thread. Per connection:
// keep-alive, a read timeout, a request body limit. Every request first goes through a
// RequestGuard (daemon/api/request_guard.h); refusals are counted and logged at most once per
// reason every 10 s. Every response carries SecurityHeaders(). A HEAD is answered with the
// headers of the routed response (its Content-Length too) and no body. A response with a stream
// (daemon/api/event_stream.h) keeps its connection until the stream closes it, the peer goes
// away or the server stops.

#include <chrono>
#include <cstddef>
#include <memory>

#include "daemon/api/api_router.h"
#include "daemon/api/request_guard.h"
#include "daemon/core/endpoint.h"
#include "daemon/core/metrics.h"
#include "proto/result.h"

namespace xrayd::daemon {

struct HttpServerOptions {
  std::size_t body_limit_bytes = 8u << 20;
  std::chrono::seconds read_timeout{30};
  // Streamed responses (event_stream.h): a write that does not complete in this time closes the
  // connection, and so does queueing more than `stream_queue_limit_bytes` not yet written.
  std::chrono::seconds stream_write_timeout{30};
  std::size_t stream_queue_limit_bytes = 1u << 20;
  int threads = 1;
  ApiSecurityOptions security{};  // The defaults already refuse rebinding and cross-site pages.
  Metrics* metrics = nullptr;     // Refusal counters; may be null. Must outlive the server.
  int thread_nice = 0;            // daemon/core/thread_priority.h: > 0 yields the CPU to ingest.
};

class HttpServer {
 public:
  // `router` must outlive the server.
  HttpServer(const ApiRouter& router, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens on `address` (port 0 picks one) and starts serving. kIOError if it cannot
  // bind. Bound to a non-loopback address without authentication, it logs a warning that the API
  // is open to that network.
  [[nodiscard]] Status Start(const Endpoint& address);
  Endpoint LocalEndpoint() const;
  // Stops accepting, closes connections (streamed ones too: their EventStream::Closed is called
  // here unless it was already), joins the threads. Does not wait for streams.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xrayd::daemon
