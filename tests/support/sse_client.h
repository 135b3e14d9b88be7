#pragma once
// SseClient: a raw HTTP/1.1 client for a streamed response (server-sent events) on loopback: it
// sends one GET and then keeps what arrives, for tests to wait on. Header only; one thread.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "tests/support/wait_until.h"

namespace xrayd::testing_support {

class SseClient {
 public:
  // Connects to 127.0.0.1:port and sends `method path` (no body) with Host and `headers`.
  // Connected() tells whether that worked.
  SseClient(std::uint16_t port, const std::string& path,
            const std::map<std::string, std::string>& headers = {},
            const std::string& method = "GET") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      return;
    }
    std::string request = method + " " + path + " HTTP/1.1\r\n";
    if (!headers.contains("Host")) {
      request += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
    }
    if (!headers.contains("Accept")) {
      request += "Accept: text/event-stream\r\n";
    }
    for (const auto& [name, value] : headers) {
      request += name + ": " + value + "\r\n";
    }
    request += "\r\n";
    connected_ = ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
                 static_cast<ssize_t>(request.size());
  }
  ~SseClient() { Close(); }
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  bool Connected() const { return connected_; }

  // Everything received so far (status line, headers, events).
  const std::string& Text() {
    Pump(std::chrono::milliseconds(0));
    return text_;
  }
  // True once the server closed the connection.
  bool AtEof() {
    Pump(std::chrono::milliseconds(0));
    return eof_;
  }
  // Reads until Text() contains `needle` or `timeout` passes; returns whether it does.
  bool WaitFor(const std::string& needle, std::chrono::milliseconds timeout) {
    return WaitUntil([&] { return Text().find(needle) != std::string::npos; }, timeout);
  }
  bool WaitForEof(std::chrono::milliseconds timeout) {
    return WaitUntil([&] { return AtEof(); }, timeout);
  }
  void Close() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  // Reads what is available, waiting at most `wait` for the first bytes.
  void Pump(std::chrono::milliseconds wait) {
    if (fd_ < 0 || eof_) {
      return;
    }
    pollfd entry{fd_, POLLIN, 0};
    int timeout_ms = static_cast<int>(wait.count());
    while (::poll(&entry, 1, timeout_ms) > 0) {
      char buffer[8192];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        eof_ = true;
        return;
      }
      text_.append(buffer, static_cast<std::size_t>(n));
      timeout_ms = 0;
    }
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string text_;
};

}  // namespace xrayd::testing_support
