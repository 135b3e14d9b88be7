// kill -9 in the middle of ingest: what was committed before the kill is still there after a
// restart, and the store passes SQLite's integrity check.

#include <sys/wait.h>

#include <cstdio>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/daemon_process_support.h"

namespace xrayd::testing_support {
namespace {

std::string Segment(int i) {
  char trace[64];
  std::snprintf(trace, sizeof(trace), "1-5759e988-%024x", i);
  return std::string("{\"format\":\"json\",\"version\":1}\n") + "{\"trace_id\":\"" + trace +
         "\",\"id\":\"70de5b6f19ff9a0a\",\"name\":\"crash\",\"start_time\":1,\"end_time\":2," +
         "\"annotations\":{\"n\":" + std::to_string(i) + "},\"metadata\":{\"pad\":\"" +
         std::string(1500, 'x') + "\"}}";
}

std::string IntegrityCheck(const std::string& db) {
  std::string out;
  FILE* pipe = popen(("sqlite3 '" + db + "' 'PRAGMA integrity_check' 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    return "cannot run sqlite3";
  }
  char buf[256];
  while (fgets(buf, sizeof(buf), pipe) != nullptr) {
    out += buf;
  }
  pclose(pipe);
  return out;
}

TEST(CrashIntegrationTest, KillNineKeepsEveryCommittedDocument) {
  const std::string dir = MakeTempDir("crash");
  std::int64_t stored_before_kill = 0;
  {
    DaemonProcess daemon(dir + "/data");
    ASSERT_TRUE(daemon.Started());
    for (int i = 0; i < 3000; ++i) {
      SendUdp(daemon.UdpPort(), Segment(i));
    }
    stored_before_kill = daemon.WaitForMetric("xrayd_segments_stored_total", 1000);
    ASSERT_GE(stored_before_kill, 1000) << daemon.Log();
    EXPECT_EQ(daemon.Stop(9), 128 + 9);
  }
  EXPECT_EQ(IntegrityCheck(dir + "/data/traces.db"), "ok\n");

  DaemonProcess again(dir + "/data");
  ASSERT_TRUE(again.Started());
  CommandResult list = RunXrayd(
      {"traces", "list", "--since", "1000000d", "--limit", "100000", "--data-dir", dir + "/data"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto traces = nlohmann::json::parse(list.out)["Traces"];
  EXPECT_GE(static_cast<std::int64_t>(traces.size()), stored_before_kill)
      << "everything counted as stored before the kill was committed";
  EXPECT_LE(traces.size(), 3000u);
  EXPECT_EQ(again.Stop(), 0);
  EXPECT_EQ(IntegrityCheck(dir + "/data/traces.db"), "ok\n");
}

}  // namespace
}  // namespace xrayd::testing_support
