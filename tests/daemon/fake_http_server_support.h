#pragma once
// FakeHttpServer: a tiny blocking HTTP/1.1 server for tests, on 127.0.0.1 and a free port (never
// any other address). One thread serves connections one at a time; each request is answered by
// the handler and the connection closed (Connection: close). Every request is recorded.
// Plain sockets, no TLS. Reusable by any daemon test (credentials fakes, fake X-Ray endpoints).

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace xrayd::daemon {

struct FakeHttpRequest {
  std::string method;
  std::string target;                                        // Path and query as received.
  std::string path;                                          // Before '?'.
  std::string query;                                         // After '?', "" if none.
  std::vector<std::pair<std::string, std::string>> headers;  // As received.
  std::string body;
  // First header named `name` (case-insensitive), "" if absent.
  std::string Header(std::string_view name) const;
};

struct FakeHttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeHttpResponse(const FakeHttpRequest&)>;

  // Binds 127.0.0.1:0 and starts serving; aborts the test process if it cannot bind.
  explicit FakeHttpServer(Handler handler);
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  std::uint16_t Port() const { return port_; }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The requests served so far (thread-safe copy).
  std::vector<FakeHttpRequest> Requests() const;

 private:
  void Serve();
  void HandleConnection(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<FakeHttpRequest> requests_;  // Guarded by mu_.
  std::thread thread_;
};

}  // namespace xrayd::daemon
