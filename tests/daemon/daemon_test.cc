// The whole Daemon in-process on port 0: UDP in over IPv6 loopback, stored and counted.

#include "daemon/daemon.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "storage/trace_store.h"
#include "tests/support/temp_dirs.h"
#include "tests/support/test_daemon_config.h"
#include "tests/support/wait_until.h"

namespace xrayd::daemon {
namespace {

bool SendUdp6(std::uint16_t port, const std::string& payload) {
  const int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_port = htons(port);
  addr.sin6_addr = in6addr_loopback;
  const ssize_t sent = sendto(fd, payload.data(), payload.size(), 0,
                              reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  close(fd);
  return sent == static_cast<ssize_t>(payload.size());
}

std::string TempDir() {
  return testing_support::MakeScratchDir("daemon");
}

std::size_t ThreadCount() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    ++n;
  }
  return n;
}

// A joined thread can stay listed in /proc for a moment after join returns: wait, bounded.
bool ThreadsBackTo(std::size_t baseline) {
  return testing_support::WaitUntil([&] { return ThreadCount() <= baseline; },
                                    std::chrono::seconds(10), std::chrono::milliseconds(1));
}

// A loopback socket of `type` bound to a free port; the caller closes it.
int BoundLoopbackSocket(int type, std::uint16_t* port) {
  const int fd = socket(AF_INET, type, 0);
  if (fd < 0) {
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

TEST(DaemonTest, ReceivesOverIpv6AndStoresBeforeStopReturns) {
  DaemonConfig config = testing_support::TestDaemonConfig();
  config.udp = Endpoint{"::1", 0};
  config.tcp = Endpoint{"::1", 0};
  config.data_dir = TempDir() + "/data";
  Daemon daemon(config);
  ASSERT_TRUE(daemon.Start());
  EXPECT_EQ(daemon.UdpEndpoint().host, "::1");
  EXPECT_NE(daemon.UdpEndpoint().port, 0);

  const std::string datagram =
      "{\"format\":\"json\",\"version\":1}\n"
      R"({"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a",)"
      R"("name":"v6","start_time":1,"end_time":2})";
  ASSERT_TRUE(SendUdp6(daemon.UdpEndpoint().port, datagram));
  ASSERT_TRUE(
      testing_support::WaitUntil([&] { return daemon.GetMetrics().datagrams_received.load() >= 1; },
                                 std::chrono::seconds(20)));
  daemon.Stop();
  EXPECT_EQ(daemon.GetMetrics().segments_stored.load(), 1u) << "Stop drains and commits";

  auto store = storage::TraceStore::Open(config.StorePath(), storage::OpenMode::kReadOnly);
  ASSERT_TRUE(store) << store.error().message;
  auto docs = (*store)->GetDocuments("1-5759e988-bd862e3fe1be46a994272793");
  ASSERT_TRUE(docs);
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0].raw.substr(0, 12), R"({"trace_id":)");
}

TEST(DaemonTest, StartFailsWithoutLeavingThreadsWhenTheAddressIsBad) {
  DaemonConfig config = testing_support::TestDaemonConfig();
  config.udp = Endpoint{"not-an-ip", 0};
  config.tcp = Endpoint{"127.0.0.1", 0};
  config.data_dir = TempDir() + "/data";
  Daemon daemon(config);
  auto status = daemon.Start();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(status.error().message.find("not-an-ip"), std::string::npos);
}

TEST(DaemonTest, StartFailingAtTheUdpPortStopsEverythingStartedBefore) {
  std::uint16_t udp_port = 0;
  const int udp_taken = BoundLoopbackSocket(SOCK_DGRAM, &udp_port);
  ASSERT_GE(udp_taken, 0);
  std::uint16_t tcp_port = 0;
  const int tcp_probe = BoundLoopbackSocket(SOCK_STREAM, &tcp_port);
  ASSERT_GE(tcp_probe, 0);
  close(tcp_probe);  // Free again: the daemon's HTTP server binds it before UDP fails.
  DaemonConfig config = testing_support::TestDaemonConfig();
  config.udp = Endpoint{"127.0.0.1", udp_port};
  config.tcp = Endpoint{"127.0.0.1", tcp_port};
  config.data_dir = TempDir() + "/data";
  const std::size_t baseline = ThreadCount();

  Daemon failed(config);
  auto status = failed.Start();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kIOError);
  EXPECT_NE(status.error().message.find("UDP"), std::string::npos) << status.error().message;
  // Still alive, so only the rollback can have stopped what it started.
  EXPECT_TRUE(ThreadsBackTo(baseline)) << ThreadCount() << " threads, " << baseline << " before";

  close(udp_taken);
  Daemon second(config);
  auto second_status = second.Start();
  ASSERT_TRUE(second_status) << "the TCP port and the store were released: "
                             << second_status.error().message;
  EXPECT_EQ(second.UdpEndpoint().port, udp_port);
  EXPECT_EQ(second.TcpEndpoint().port, tcp_port);
  second.Stop();
}

TEST(DaemonTest, StartFailingAtTheStateStoreStopsTheWriterAndBackgroundThreads) {
  DaemonConfig config = testing_support::TestDaemonConfig();
  config.udp = Endpoint{"127.0.0.1", 0};
  config.tcp = Endpoint{"127.0.0.1", 0};
  config.data_dir = TempDir() + "/data";
  // A directory where state.db should be: opening it fails after the writer, the checkpointer and
  // retention have started.
  std::filesystem::create_directories(config.data_dir + "/state.db");
  const std::size_t baseline = ThreadCount();

  Daemon failed(config);
  ASSERT_FALSE(failed.Start());
  EXPECT_TRUE(ThreadsBackTo(baseline)) << ThreadCount() << " threads, " << baseline << " before";

  std::filesystem::remove(config.data_dir + "/state.db");
  Daemon second(config);
  ASSERT_TRUE(second.Start());
  second.Stop();
}

}  // namespace
}  // namespace xrayd::daemon
