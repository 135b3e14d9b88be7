// The whole Daemon in-process on port 0: UDP in over IPv6 loopback, stored and counted.

#include "daemon/daemon.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include <gtest/gtest.h>

#include "storage/trace_store.h"
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
  std::string tmpl = testing::TempDir() + "/daemon-XXXXXX";
  return mkdtemp(tmpl.data());
}

TEST(DaemonTest, ReceivesOverIpv6AndStoresBeforeStopReturns) {
  DaemonConfig config;
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
  ASSERT_TRUE(testing_support::WaitUntil(
      [&] { return daemon.GetMetrics().datagrams_received.load() >= 1; }, std::chrono::seconds(20)));
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
  DaemonConfig config;
  config.udp = Endpoint{"not-an-ip", 0};
  config.tcp = Endpoint{"127.0.0.1", 0};
  config.data_dir = TempDir() + "/data";
  Daemon daemon(config);
  auto status = daemon.Start();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(status.error().message.find("not-an-ip"), std::string::npos);
}

}  // namespace
}  // namespace xrayd::daemon
