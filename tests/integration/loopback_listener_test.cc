// The fake servers' listener keeps its port while down: a daemon started meanwhile by another test
// cannot take it (the cause of cross-test deliveries when the port was freed), connections are
// refused, and Up() serves on the same port again.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include <gtest/gtest.h>

#include "tests/integration/loopback_listener_support.h"

namespace xrayd::testing_support {
namespace {

sockaddr_in Loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

// errno of connecting to 127.0.0.1:port, 0 when it connected.
int ConnectErrno(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in addr = Loopback(port);
  const int result = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int error = result == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

// errno of binding and listening on 127.0.0.1:port as xrayd's HTTP server does (SO_REUSEADDR),
// 0 when that worked.
int ListenErrno(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in addr = Loopback(port);
  int error = 0;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, 1) != 0) {
    error = errno;
  }
  ::close(fd);
  return error;
}

TEST(LoopbackListenerTest, DownRefusesButKeepsThePortAndUpServesItAgain) {
  LoopbackListener listener;
  const std::uint16_t port = listener.Port();
  ASSERT_NE(port, 0);
  EXPECT_EQ(ConnectErrno(port), 0);
  const int accepted = listener.Accept(std::chrono::seconds(5));
  ASSERT_GE(accepted, 0);
  ::close(accepted);

  listener.Down();
  EXPECT_EQ(ConnectErrno(port), ECONNREFUSED);
  EXPECT_EQ(ListenErrno(port), EADDRINUSE) << "another process could take the port while down";

  listener.Up();
  EXPECT_EQ(listener.Port(), port);
  EXPECT_EQ(ConnectErrno(port), 0);
  const int again = listener.Accept(std::chrono::seconds(5));
  EXPECT_GE(again, 0);
  if (again >= 0) {
    ::close(again);
  }
}

}  // namespace
}  // namespace xrayd::testing_support
