// The forwarding spool refers to the stored documents (schema v4, storage/schema.h "Forward
// queue"): with the real xrayd process and a fake X-Ray endpoint on loopback, a document that
// retention deletes before it could be sent is dropped and counted, and the spool still drains in
// order.

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/daemon_process_support.h"
#include "tests/integration/fake_xray_support.h"
#include "tests/support/wait_until.h"

namespace xrayd::testing_support {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Document `n` of a run, in its own trace, as the fake records it ("trace_id/id").
std::string Key(int run, int n) {
  char key[64];
  std::snprintf(key, sizeof key, "1-5759e988-%08x%016x/%016x", run, n, 0x1000000 * run + n + 1);
  return key;
}

void SendRange(const DaemonProcess& daemon, int run, int from, int to) {
  for (int n = from; n < to; ++n) {
    const std::string key = Key(run, n);
    SendUdp(daemon.UdpPort(),
            "{\"format\":\"json\",\"version\":1}\n{\"trace_id\":\"" + key.substr(0, key.find('/')) +
                "\",\"id\":\"" + key.substr(key.find('/') + 1) +
                "\",\"name\":\"svc\",\"start_time\":1700000000.5,\"end_time\":1700000001.25}");
    if (n % 200 == 199) {
      // Pacing, not a condition: lets the daemon empty its socket buffer, as a real client would.
      std::this_thread::sleep_for(milliseconds(5));
    }
  }
}

int Delivered(const FakeXray& fake, int run, int count) {
  const std::set<std::string> ids = fake.AcceptedIds();
  int found = 0;
  for (int n = 0; n < count; ++n) {
    found += ids.count(Key(run, n)) > 0 ? 1 : 0;
  }
  return found;
}

TEST(ForwardSpoolTest, DocumentsDeletedByRetentionBeforeSendingAreDroppedAndCounted) {
  UseTestCredentials();
  FakeXray fake({});
  fake.SetDown(true);
  const std::string dir = MakeTempDir("forward-spool-retention");
  DaemonProcess daemon(dir + "/data",
                       {"-n", "us-east-1", "--endpoint", fake.Url(), "--retention-age", "2s",
                        "--retention-interval", "1s"},
                       /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  // More than the forwarder holds in memory (2 * 8 + 2 batches of 50), so most stay spooled only.
  constexpr int kCount = 3000;
  SendRange(daemon, 11, 0, kCount);
  ASSERT_EQ(daemon.WaitForMetric("xrayd_segments_stored_total", kCount), kCount);
  // Retention deletes every trace 2 s after it arrived; the spool rows stay until forwarded.
  EXPECT_GE(daemon.WaitForMetric("xrayd_retention_documents_deleted_total", kCount, seconds(30)),
            kCount);
  ASSERT_EQ(daemon.Metric("xrayd_retention_documents_deleted_total"), kCount) << daemon.Log();
  EXPECT_EQ(daemon.Metric("xrayd_forward_spool_documents"), kCount);
  fake.SetDown(false);

  // What the forwarder had read before retention ran is sent from memory; the rest is gone from
  // the store: dropped, counted, logged, and the spool empties.
  int delivered = 0;
  EXPECT_TRUE(WaitUntil(
      [&] {
        delivered = Delivered(fake, 11, kCount);
        return delivered + daemon.Metric("xrayd_forward_dropped_total") >= kCount &&
               daemon.Metric("xrayd_forward_spool_documents") == 0;
      },
      seconds(40), milliseconds(200)));
  const std::int64_t dropped = daemon.Metric("xrayd_forward_dropped_total");
  EXPECT_GT(dropped, 0) << daemon.Log();
  EXPECT_EQ(delivered + dropped, kCount) << daemon.Log();
  EXPECT_EQ(daemon.Metric("xrayd_forward_spool_documents"), 0);
  EXPECT_NE(daemon.Log().find("deleted from the store before they could be forwarded"),
            std::string::npos)
      << daemon.Log();
  EXPECT_EQ(fake.AcceptedDocuments(), static_cast<std::size_t>(delivered));  // No empty entries.

  // Later documents are forwarded as usual.
  SendRange(daemon, 12, 0, 100);
  EXPECT_TRUE(
      WaitUntil([&] { return Delivered(fake, 12, 100) == 100; }, seconds(20), milliseconds(100)));
  EXPECT_EQ(Delivered(fake, 12, 100), 100) << daemon.Log();
  EXPECT_EQ(fake.SignatureFailures(), 0u) << fake.LastSignatureError();
}

}  // namespace
}  // namespace xrayd::testing_support
