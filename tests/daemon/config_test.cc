#include "daemon/config.h"

#include <gtest/gtest.h>

namespace xrayd::daemon {
namespace {

TEST(ConfigTest, ParsesHostPortForms) {
  EXPECT_EQ(*ParseEndpoint("127.0.0.1:2000"), (Endpoint{"127.0.0.1", 2000}));
  EXPECT_EQ(*ParseEndpoint("0.0.0.0:0"), (Endpoint{"0.0.0.0", 0}));
  EXPECT_EQ(*ParseEndpoint("[::1]:3000"), (Endpoint{"::1", 3000}));
  EXPECT_EQ(*ParseEndpoint(":2001"), (Endpoint{"127.0.0.1", 2001}));
  EXPECT_EQ(*ParseEndpoint("2002"), (Endpoint{"127.0.0.1", 2002}));
  EXPECT_EQ(*ParseEndpoint("localhost:5"), (Endpoint{"localhost", 5}));
}

TEST(ConfigTest, RejectsBadAddressesWithAReason) {
  for (const char* bad : {"", "host:", "host:70000", "host:x", "::1:2000", "[::1]", "[::1]2000"}) {
    auto result = ParseEndpoint(bad);
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(result.error().message.empty());
  }
}

TEST(ConfigTest, EndpointPrintsIpv6InBrackets) {
  EXPECT_EQ((Endpoint{"::1", 2000}).ToString(), "[::1]:2000");
  EXPECT_EQ((Endpoint{"127.0.0.1", 2000}).ToString(), "127.0.0.1:2000");
}

TEST(ConfigTest, DefaultsMatchTheOfficialDaemon) {
  auto parsed = ParseDaemonFlags({}, Environment{{"HOME", "/home/u"}});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->config.udp, (Endpoint{"127.0.0.1", 2000}));
  EXPECT_EQ(parsed->config.tcp, (Endpoint{"127.0.0.1", 2000}));
  EXPECT_EQ(parsed->config.data_dir, "/home/u/.local/share/xrayd");
  EXPECT_EQ(parsed->config.StorePath(), "/home/u/.local/share/xrayd/traces.db");
}

TEST(ConfigTest, DataDirComesFromFlagThenEnvironment) {
  Environment env{{"HOME", "/h"}, {"XDG_DATA_HOME", "/xdg"}};
  EXPECT_EQ(ParseDaemonFlags({}, env)->config.data_dir, "/xdg/xrayd");
  env["XRAYD_DATA_DIR"] = "/explicit";
  EXPECT_EQ(ParseDaemonFlags({}, env)->config.data_dir, "/explicit");
  EXPECT_EQ(ParseDaemonFlags({"--data-dir", "/flag"}, env)->config.data_dir, "/flag");
  EXPECT_EQ(ParseDaemonFlags({"--data-dir=/eq"}, env)->config.data_dir, "/eq");
  EXPECT_EQ(DefaultDataDir({}), "xrayd-data");
}

TEST(ConfigTest, ParsesEveryDaemonFlag) {
  auto parsed = ParseDaemonFlags({"-b", "[::1]:0", "--bind-tcp", "127.0.0.2:9", "--offline", "-l",
                                  "debug", "--receive-buffer-kb", "4096", "--queue-mb", "8"},
                                 {});
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->config.udp, (Endpoint{"::1", 0}));
  EXPECT_EQ(parsed->config.tcp, (Endpoint{"127.0.0.2", 9}));
  EXPECT_TRUE(parsed->config.offline);
  EXPECT_EQ(parsed->config.log_level, LogLevel::kDebug);
  EXPECT_EQ(parsed->config.receive_buffer_bytes, 4096u * 1024);
  EXPECT_EQ(parsed->config.queue_capacity_bytes, 8u << 20);
  EXPECT_TRUE(ParseDaemonFlags({"-h"}, {})->show_help);
  EXPECT_TRUE(ParseDaemonFlags({"--version"}, {})->show_version);
}

TEST(ConfigTest, RejectsUnknownFlagsAndMissingValues) {
  auto unknown = ParseDaemonFlags({"--frobnicate"}, {});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("--frobnicate"), std::string::npos);
  auto missing = ParseDaemonFlags({"-b"}, {});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("-b"), std::string::npos);
  EXPECT_FALSE(ParseDaemonFlags({"-l", "loud"}, {}));
  EXPECT_FALSE(ParseDaemonFlags({"--queue-mb", "0"}, {}));
  EXPECT_FALSE(ParseDaemonFlags({"--queue-mb", "lots"}, {}));
  EXPECT_FALSE(ParseDaemonFlags({"-t", "nohost:port"}, {}));
}

}  // namespace
}  // namespace xrayd::daemon
