#include "tests/integration/loopback_listener_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace xrayd::testing_support {
namespace {

// A TCP socket bound to 127.0.0.1:port (0: a free one) with SO_REUSEPORT, so that a second socket
// of this process can hold the port while the first closes. CLOEXEC: a daemon spawned by the test
// must not inherit it, or closing it here would not refuse connections. -1 on failure.
int BoundSocket(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

LoopbackListener::LoopbackListener() {
  const int fd = BoundSocket(0);
  if (fd < 0 || ::listen(fd, 128) != 0) {
    if (fd >= 0) {
      ::close(fd);
    }
    return;
  }
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  listen_fd_.store(fd);
}

LoopbackListener::~LoopbackListener() {
  if (const int fd = listen_fd_.exchange(-1); fd >= 0) {
    ::close(fd);
  }
  if (reserve_fd_ >= 0) {
    ::close(reserve_fd_);
  }
}

void LoopbackListener::Down() {
  std::lock_guard lock(mu_);
  if (reserve_fd_ >= 0 || port_ == 0) {
    return;
  }
  // Bound before the listener closes: the port is never free.
  reserve_fd_ = BoundSocket(port_);
  if (const int fd = listen_fd_.exchange(-1); fd >= 0) {
    ::close(fd);  // Connections waiting in its backlog are reset.
  }
}

void LoopbackListener::Up() {
  std::lock_guard lock(mu_);
  if (reserve_fd_ < 0) {
    return;
  }
  if (::listen(reserve_fd_, 128) == 0) {
    listen_fd_.store(reserve_fd_);
  } else {
    ::close(reserve_fd_);
  }
  reserve_fd_ = -1;
}

int LoopbackListener::Accept(std::chrono::milliseconds wait) {
  const int lfd = listen_fd_.load();
  if (lfd < 0) {
    std::this_thread::sleep_for(wait);
    return -1;
  }
  pollfd p{lfd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) {
    return -1;
  }
  return ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
}

}  // namespace xrayd::testing_support
