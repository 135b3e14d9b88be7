#include "tests/integration/fake_connect_proxy_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <string_view>

namespace xrayd::testing_support {
namespace {

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool HeaderNameIs(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') {
    return false;
  }
  return std::equal(name.begin(), name.end(), line.begin(), [](unsigned char a, unsigned char b) {
    return std::tolower(a) == std::tolower(b);
  });
}

// A TCP connection to 127.0.0.1:port, or -1. Only the IPv4 loopback is ever dialled.
int DialLoopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    return fd;
  }
  if (fd >= 0) {
    ::close(fd);
  }
  return -1;
}

std::string Answer(int status, std::string_view reason) {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nProxy-Authenticate: Basic realm=\"fake\"\r\nContent-Length: 0\r\n"
         "Connection: close\r\n\r\n";
}

}  // namespace

FakeConnectProxy::FakeConnectProxy() {
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FakeConnectProxy::~FakeConnectProxy() {
  stopping_.store(true);
  if (acceptor_.joinable()) {
    acceptor_.join();
  }
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (std::thread& t : workers) {
    t.join();
  }
}

std::string FakeConnectProxy::Url() const {
  return "http://127.0.0.1:" + std::to_string(listener_.Port());
}

void FakeConnectProxy::SetDown(bool down) {
  if (down) {
    generation_.fetch_add(1);
    listener_.Down();
  } else {
    listener_.Up();
  }
}

void FakeConnectProxy::CutTunnels() {
  generation_.fetch_add(1);
}

void FakeConnectProxy::SetRefuseStatus(int status) {
  refuse_status_.store(status);
}

std::vector<std::string> FakeConnectProxy::Targets() const {
  std::lock_guard lock(mu_);
  return targets_;
}

std::string FakeConnectProxy::LastProxyAuthorization() const {
  std::lock_guard lock(mu_);
  return last_authorization_;
}

void FakeConnectProxy::AcceptLoop() {
  while (!stopping_.load()) {
    const int fd = listener_.Accept(std::chrono::milliseconds(50));
    if (fd < 0) {
      continue;
    }
    std::lock_guard lock(mu_);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void FakeConnectProxy::Serve(int fd) {
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string data;
  char buf[4096];
  std::size_t head_end = std::string::npos;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos && data.size() < 16384) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      ::close(fd);
      return;
    }
    data.append(buf, static_cast<std::size_t>(n));
  }
  if (head_end == std::string::npos) {
    ::close(fd);
    return;
  }
  const std::string_view head(data.data(), head_end);
  std::size_t line_end = head.find("\r\n");
  const std::string_view request_line = head.substr(0, line_end);
  const std::size_t sp1 = request_line.find(' ');
  const std::size_t sp2 = request_line.find(' ', sp1 + 1);
  const std::string_view method = request_line.substr(0, sp1);
  const std::string target(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
  if (method != "CONNECT") {
    others_.fetch_add(1);
    SendAll(fd, Answer(405, "Method Not Allowed"));
    ::close(fd);
    return;
  }
  std::string authorization;
  while (line_end != std::string_view::npos && line_end < head.size()) {
    const std::size_t next = std::min(head.find("\r\n", line_end + 2), head.size());
    const std::string_view line = head.substr(line_end + 2, next - line_end - 2);
    if (HeaderNameIs(line, "proxy-authorization")) {
      std::string_view value = line.substr(line.find(':') + 1);
      while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
      }
      authorization = std::string(value);
    }
    line_end = next == head.size() ? std::string_view::npos : next;
  }
  {
    std::lock_guard lock(mu_);
    targets_.push_back(target);
    last_authorization_ = authorization;
  }
  connects_.fetch_add(1);
  if (const int status = refuse_status_.load(); status != 0) {
    SendAll(fd, Answer(status, status == 407 ? "Proxy Authentication Required" : "Refused"));
    ::close(fd);
    return;
  }
  // Loopback targets only.
  const std::size_t colon = target.rfind(':');
  const std::string host = target.substr(0, colon);
  int port = 0;
  if (colon != std::string::npos) {
    if (std::from_chars(target.data() + colon + 1, target.data() + target.size(), port).ec !=
        std::errc()) {
      port = 0;
    }
  }
  if ((host != "127.0.0.1" && host != "localhost") || port <= 0 || port > 65535) {
    SendAll(fd, Answer(403, "Forbidden"));
    ::close(fd);
    return;
  }
  const int upstream = DialLoopback(static_cast<std::uint16_t>(port));
  if (upstream < 0) {
    SendAll(fd, Answer(502, "Bad Gateway"));
    ::close(fd);
    return;
  }
  if (!SendAll(fd, "HTTP/1.1 200 Connection Established\r\n\r\n") ||
      !SendAll(upstream, std::string_view(data).substr(head_end + 4))) {
    ::close(upstream);
    ::close(fd);
    return;
  }
  tunnels_.fetch_add(1);
  Relay(fd, upstream);
  ::close(upstream);
  ::close(fd);
}

void FakeConnectProxy::Relay(int client, int target) {
  const std::uint64_t generation = generation_.load();
  char buf[65536];
  while (!stopping_.load() && generation_.load() == generation) {
    pollfd fds[2] = {{client, POLLIN, 0}, {target, POLLIN, 0}};
    const int ready = ::poll(fds, 2, 50);
    if (ready < 0) {
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        continue;
      }
      const ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
      if (n <= 0 || !SendAll(fds[1 - i].fd, std::string_view(buf, static_cast<std::size_t>(n)))) {
        return;
      }
    }
  }
}

}  // namespace xrayd::testing_support
