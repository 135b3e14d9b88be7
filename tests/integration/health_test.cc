// `xrayd health` against the real daemon: the container HEALTHCHECK.

#include <gtest/gtest.h>

#include "tests/integration/daemon_process_support.h"

namespace xrayd::testing_support {
namespace {

TEST(HealthIntegrationTest, ExitCodeFollowsTheDaemon) {
  const std::string dir = MakeTempDir("health");
  std::uint16_t port = 0;
  {
    DaemonProcess daemon(dir + "/data");
    ASSERT_TRUE(daemon.Started());
    port = daemon.TcpPort();
    CommandResult healthy = RunXrayd({"health", "-t", "127.0.0.1:" + std::to_string(port)});
    EXPECT_EQ(healthy.exit_code, 0) << healthy.err;
    EXPECT_NE(healthy.out.find("healthy"), std::string::npos);
    // 0.0.0.0 (what the container binds) is asked on loopback.
    CommandResult any = RunXrayd({"health", "--bind-tcp", "0.0.0.0:" + std::to_string(port)});
    EXPECT_EQ(any.exit_code, 0) << any.err;
    EXPECT_EQ(daemon.Stop(), 0);
  }
  CommandResult down =
      RunXrayd({"health", "-t", "127.0.0.1:" + std::to_string(port), "--timeout", "1"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("cannot connect"), std::string::npos) << down.err;
  EXPECT_EQ(RunXrayd({"health", "--frob"}).exit_code, 2);
  EXPECT_EQ(RunXrayd({"health", "-t", "nohost"}).exit_code, 2);
}

}  // namespace
}  // namespace xrayd::testing_support
