// Forwarding to AWS X-Ray with the real xrayd process and a fake X-Ray endpoint on
// loopback: every accepted document arrives, signed, in batches of at most 50, through faults,
// outages and kill -9.

#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
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

// Document `n` of a run: its own trace and id, so the fake can tell every document apart.
std::string Key(int run, int n) {
  char trace[64];
  char id[17];
  std::snprintf(trace, sizeof trace, "1-5759e988-%08x%016x", run, n);
  std::snprintf(id, sizeof id, "%016x", 0x1000000 * run + n + 1);
  return std::string(trace) + "/" + id;
}

std::string Datagram(int run, int n) {
  const std::string key = Key(run, n);
  const std::string trace = key.substr(0, key.find('/'));
  const std::string id = key.substr(key.find('/') + 1);
  return "{\"format\":\"json\",\"version\":1}\n{\"trace_id\":\"" + trace + "\",\"id\":\"" + id +
         "\",\"name\":\"svc\",\"start_time\":1700000000.5,\"end_time\":1700000001.25,"
         "\"annotations\":{\"n\":" +
         std::to_string(n) + "}}";
}

std::vector<std::string> ForwardArgs(const FakeXray& fake) {
  return {"-n", "us-east-1", "--endpoint", fake.Url()};
}

// Sends documents [from, to) of `run`, pacing so the socket buffer never overflows.
void SendRange(const DaemonProcess& daemon, int run, int from, int to) {
  for (int n = from; n < to; ++n) {
    SendUdp(daemon.UdpPort(), Datagram(run, n));
    if (n % 200 == 199) {
      // Pacing, not a condition: gives the daemon's receive thread time to empty the socket
      // buffer, as a real client's send rate would.
      std::this_thread::sleep_for(milliseconds(5));
    }
  }
}

// Waits until the fake accepted every document [0, count) of `run`; reports the missing ones.
::testing::AssertionResult AllDelivered(const FakeXray& fake, int run, int count,
                                        std::chrono::seconds timeout) {
  std::set<std::string> ids;
  const bool all = WaitUntil(
      [&] {
        ids = fake.AcceptedIds();
        for (int n = 0; n < count; ++n) {
          if (ids.count(Key(run, n)) == 0) {
            return false;
          }
        }
        return true;
      },
      timeout, milliseconds(100));
  if (all) {
    return ::testing::AssertionSuccess();
  }
  std::string missing;
  int missing_count = 0;
  for (int n = 0; n < count; ++n) {
    if (ids.count(Key(run, n)) == 0 && missing_count++ < 5) {
      missing += " " + Key(run, n);
    }
  }
  return ::testing::AssertionFailure()
         << missing_count << " of " << count << " documents never reached X-Ray, e.g." << missing;
}

class ForwardTest : public ::testing::Test {
 protected:
  void SetUp() override { UseTestCredentials(); }
};

TEST_F(ForwardTest, DeliversEveryDocumentSignedInBatchesOfAtMostFifty) {
  FakeXray fake({});
  const std::string dir = MakeTempDir("forward-basic");
  DaemonProcess daemon(dir + "/data", ForwardArgs(fake), /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  EXPECT_NE(daemon.Log().find("forwarding to " + fake.Url()), std::string::npos) << daemon.Log();
  constexpr int kCount = 1234;
  SendRange(daemon, 1, 0, kCount);
  EXPECT_TRUE(AllDelivered(fake, 1, kCount, seconds(30))) << daemon.Log();
  EXPECT_LE(fake.MaxBatch(), 50u);
  EXPECT_GE(fake.MaxBatch(), 2u);  // Batched, not one request per document.
  EXPECT_EQ(fake.SignatureFailures(), 0u) << fake.LastSignatureError();
  EXPECT_GE(daemon.WaitForMetric("xrayd_forward_segments_total", kCount), kCount);
  // The spool empties once X-Ray has everything; the store kept every document too.
  EXPECT_TRUE(WaitUntil([&] { return daemon.Metric("xrayd_forward_spool_documents") == 0; },
                        seconds(10), milliseconds(100)));
  EXPECT_EQ(daemon.Metric("xrayd_segments_stored_total"), kCount);
  // Forwarded byte for byte.
  const auto raw = fake.AcceptedRaw();
  ASSERT_FALSE(raw.empty());
  const std::string first = Datagram(1, 0);
  EXPECT_NE(std::find(raw.begin(), raw.end(), first.substr(first.find('\n') + 1)), raw.end());
}

TEST_F(ForwardTest, RetriesErrorsThrottlingSlowAnswersAndUnprocessedSegments) {
  // Declared before the fake, whose threads use them until it is destroyed.
  std::mutex mu;
  std::set<std::string> throttled_once;
  FakeXray fake({});
  fake.FailNext(4, 500, "InternalFailure");
  const std::string dir = MakeTempDir("forward-faults");
  DaemonProcess daemon(dir + "/data", ForwardArgs(fake), /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  // Documents whose id ends in 'f' are refused for good; ids ending in '3' are throttled once.
  fake.SetUnprocessed([&](const std::string& raw) -> std::string {
    const std::size_t at = raw.find("\"id\":\"") + 6;
    const std::string id = raw.substr(at, 16);
    if (id.back() == 'f') {
      return "InvalidSegment";
    }
    std::lock_guard lock(mu);
    if (id.back() == '3' && throttled_once.insert(id).second) {
      return "ThrottledException";
    }
    return "";
  });
  // Each fault is lifted once the daemon has met it (its error counter says so).
  SendRange(daemon, 2, 0, 100);
  EXPECT_GE(daemon.WaitForMetric("xrayd_forward_errors_total{kind=\"5xx\"}", 4), 4);
  fake.FailNext(3, 429, "ThrottledException");
  SendRange(daemon, 2, 100, 200);
  EXPECT_GE(daemon.WaitForMetric("xrayd_forward_errors_total{kind=\"4xx\"}", 3), 3);
  fake.SetDelay(milliseconds(2500));  // Beyond the 2 s request timeout.
  SendRange(daemon, 2, 200, 300);
  EXPECT_GE(daemon.WaitForMetric("xrayd_forward_errors_total{kind=\"timeout\"}", 1), 1);
  fake.SetDelay(milliseconds(0));

  int refused = 0;
  int delivered = 0;
  EXPECT_TRUE(WaitUntil(
      [&] {
        const std::set<std::string> ids = fake.AcceptedIds();
        delivered = 0;
        refused = 0;
        for (int n = 0; n < 300; ++n) {
          const std::string key = Key(2, n);
          if (key.back() == 'f') {
            ++refused;
            EXPECT_EQ(ids.count(key), 0u);
          } else {
            delivered += ids.count(key) > 0 ? 1 : 0;
          }
        }
        return delivered + refused == 300;
      },
      seconds(40), milliseconds(200)))
      << delivered << " delivered and " << refused << " refused of 300\n"
      << daemon.Log();
  EXPECT_GT(refused, 0);
  EXPECT_EQ(daemon.WaitForMetric("xrayd_forward_unprocessed_total", refused), refused);
  EXPECT_GT(daemon.Metric("xrayd_forward_retries_total"), 0);
  EXPECT_GE(daemon.Metric("xrayd_forward_errors_total{kind=\"5xx\"}"), 4);
  EXPECT_GE(daemon.Metric("xrayd_forward_errors_total{kind=\"4xx\"}"), 3);
  EXPECT_GE(daemon.Metric("xrayd_forward_errors_total{kind=\"timeout\"}"), 1);
  EXPECT_EQ(fake.SignatureFailures(), 0u) << fake.LastSignatureError();
  // Refused documents are logged with their trace ids.
  EXPECT_NE(daemon.Log().find("refused segment"), std::string::npos);
}

// A long outage: 60 s with the endpoint refusing connections while documents keep
// arriving.
TEST_F(ForwardTest, ZeroLossThroughSixtySecondOutage) {
  FakeXray fake({});
  const std::string dir = MakeTempDir("forward-outage");
  DaemonProcess daemon(dir + "/data", ForwardArgs(fake), /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  SendRange(daemon, 3, 0, 100);
  ASSERT_TRUE(AllDelivered(fake, 3, 100, seconds(20)));
  fake.SetDown(true);
  int sent = 100;
  const auto outage_end = std::chrono::steady_clock::now() + seconds(60);
  while (std::chrono::steady_clock::now() < outage_end) {
    SendRange(daemon, 3, sent, sent + 50);
    sent += 50;
    // Pacing, not a condition: documents keep arriving at a steady rate for the whole outage.
    std::this_thread::sleep_for(milliseconds(500));
  }
  EXPECT_GT(daemon.Metric("xrayd_forward_spool_documents"), 0);
  EXPECT_GT(daemon.Metric("xrayd_forward_oldest_age_seconds"), 30);
  EXPECT_GT(daemon.Metric("xrayd_forward_errors_total{kind=\"refused\"}"), 0);
  fake.SetDown(false);
  EXPECT_TRUE(AllDelivered(fake, 3, sent, seconds(60))) << daemon.Log();
  EXPECT_LE(fake.MaxBatch(), 50u);
  EXPECT_EQ(fake.SignatureFailures(), 0u) << fake.LastSignatureError();
}

TEST_F(ForwardTest, ZeroLossThroughKillNineAndRestartDuringOutage) {
  FakeXray fake({});
  fake.SetDown(true);
  const std::string dir = MakeTempDir("forward-kill");
  constexpr int kCount = 2000;
  {
    DaemonProcess daemon(dir + "/data", ForwardArgs(fake), /*offline=*/false);
    ASSERT_TRUE(daemon.Started());
    SendRange(daemon, 4, 0, kCount);
    ASSERT_EQ(daemon.WaitForMetric("xrayd_segments_stored_total", kCount), kCount);
    EXPECT_EQ(daemon.Stop(SIGKILL), 128 + SIGKILL);
  }
  EXPECT_EQ(fake.AcceptedDocuments(), 0u);
  DaemonProcess restarted(dir + "/data", ForwardArgs(fake), /*offline=*/false);
  ASSERT_TRUE(restarted.Started());
  EXPECT_NE(restarted.Log().find("spooled by an earlier run"), std::string::npos)
      << restarted.Log();
  // The restarted forwarder meets the outage before it ends.
  EXPECT_GE(restarted.WaitForMetric("xrayd_forward_errors_total{kind=\"refused\"}", 1), 1)
      << restarted.Log();
  fake.SetDown(false);
  EXPECT_TRUE(AllDelivered(fake, 4, kCount, seconds(60))) << restarted.Log();
  EXPECT_LE(fake.MaxBatch(), 50u);
}

TEST_F(ForwardTest, HttpsWithNoVerifySslFromConfigFile) {
  const std::string dir = MakeTempDir("forward-tls");
  const TlsFiles tls = MakeSelfSignedCertificate(dir);
  ASSERT_FALSE(tls.cert.empty()) << "openssl CLI failed";
  FakeXray fake({.cert_file = tls.cert, .key_file = tls.key});
  ASSERT_EQ(fake.Url().rfind("https://", 0), 0u);
  {
    std::ofstream cfg(dir + "/cfg.yaml");
    cfg << "Version: 2\nNoVerifySSL: true\n";
  }
  DaemonProcess daemon(dir + "/data",
                       {"-n", "us-east-1", "--endpoint", fake.Url(), "-c", dir + "/cfg.yaml"},
                       /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  SendRange(daemon, 5, 0, 120);
  EXPECT_TRUE(AllDelivered(fake, 5, 120, seconds(30))) << daemon.Log();
  EXPECT_EQ(fake.SignatureFailures(), 0u) << fake.LastSignatureError();
}

TEST_F(ForwardTest, SelfSignedCertificateIsRefusedWhenVerifying) {
  const std::string dir = MakeTempDir("forward-tls-verify");
  const TlsFiles tls = MakeSelfSignedCertificate(dir);
  ASSERT_FALSE(tls.cert.empty());
  FakeXray fake({.cert_file = tls.cert, .key_file = tls.key});
  DaemonProcess daemon(dir + "/data", ForwardArgs(fake), /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  SendRange(daemon, 6, 0, 10);
  EXPECT_GE(daemon.WaitForMetric("xrayd_forward_errors_total{kind=\"tls\"}", 1), 1) << daemon.Log();
  EXPECT_EQ(fake.AcceptedDocuments(), 0u);
}

TEST_F(ForwardTest, OfflineFlagNeverForwards) {
  FakeXray fake({});
  const std::string dir = MakeTempDir("forward-offline");
  DaemonProcess daemon(dir + "/data", ForwardArgs(fake), /*offline=*/true);
  ASSERT_TRUE(daemon.Started());
  SendRange(daemon, 7, 0, 20);
  ASSERT_EQ(daemon.WaitForMetric("xrayd_segments_stored_total", 20), 20);
  // Nothing reaches the endpoint, however long it is given (forwarding would take well under).
  EXPECT_FALSE(WaitUntil([&] { return fake.Requests() > 0; }, milliseconds(1500)));
  EXPECT_EQ(fake.Requests(), 0u);
  EXPECT_EQ(daemon.Metric("xrayd_forward_enabled"), 0);
  EXPECT_NE(daemon.Log().find("mode=offline"), std::string::npos) << daemon.Log();
}

TEST_F(ForwardTest, NoRegionAndNoCredentialsRunsOfflineAndSaysSo) {
  unsetenv("AWS_ACCESS_KEY_ID");   // NOLINT(concurrency-mt-unsafe)
  unsetenv("AWS_REGION");          // NOLINT(concurrency-mt-unsafe)
  unsetenv("AWS_DEFAULT_REGION");  // NOLINT(concurrency-mt-unsafe)
  const std::string dir = MakeTempDir("forward-none");
  setenv("AWS_CONFIG_FILE", (dir + "/none").c_str(), 1);              // NOLINT
  setenv("AWS_SHARED_CREDENTIALS_FILE", (dir + "/none").c_str(), 1);  // NOLINT
  DaemonProcess daemon(dir + "/data", {"-o"}, /*offline=*/false);
  unsetenv("AWS_CONFIG_FILE");              // NOLINT(concurrency-mt-unsafe)
  unsetenv("AWS_SHARED_CREDENTIALS_FILE");  // NOLINT(concurrency-mt-unsafe)
  ASSERT_TRUE(daemon.Started());
  EXPECT_NE(daemon.Log().find("mode=offline (no AWS region"), std::string::npos) << daemon.Log();
  EXPECT_EQ(daemon.Metric("xrayd_forward_enabled"), 0);
}

}  // namespace
}  // namespace xrayd::testing_support

namespace xrayd::testing_support {
namespace {

TEST_F(ForwardTest, SamplingAndUnknownPathsAreSignedAndProxiedWhenForwarding) {
  FakeXray fake({});
  const std::string dir = MakeTempDir("forward-proxy");
  DaemonProcess daemon(dir + "/data", ForwardArgs(fake), /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  // Unsigned, as the X-Ray SDKs poll (docs/sampling.md#sdk-polling-through-the-tcp-port); the
  // daemon signs before relaying.
  HttpResult rules = HttpPost(daemon.TcpPort(), "/GetSamplingRules", "{}");
  EXPECT_EQ(rules.status, 200) << rules.body;
  EXPECT_NE(rules.body.find("\"proxied\":\"/GetSamplingRules\""), std::string::npos) << rules.body;
  HttpResult targets =
      HttpPost(daemon.TcpPort(), "/SamplingTargets", R"({"SamplingStatisticsDocuments":[]})");
  EXPECT_NE(targets.body.find("\"proxied\":\"/SamplingTargets\""), std::string::npos)
      << targets.body;
  EXPECT_NE(targets.body.find("SamplingStatisticsDocuments"), std::string::npos);
  HttpResult other = HttpPost(daemon.TcpPort(), "/TelemetryRecords", "{}");
  EXPECT_NE(other.body.find("\"proxied\":\"/TelemetryRecords\""), std::string::npos) << other.body;
  EXPECT_EQ(fake.ProxiedRequests(), 3u);
  EXPECT_EQ(fake.SignatureFailures(), 0u) << fake.LastSignatureError();
  EXPECT_EQ(daemon.Metric("xrayd_forward_proxied_total"), 3);
  // Local endpoints stay local.
  EXPECT_EQ(HttpGet(daemon.TcpPort(), "/healthz").status, 200);
  // Endpoint down: a clear 502 in X-Ray's error shape.
  fake.SetDown(true);
  HttpResult down = HttpPost(daemon.TcpPort(), "/GetSamplingRules", "{}");
  EXPECT_EQ(down.status, 502);
  EXPECT_NE(down.body.find("BadGatewayException"), std::string::npos);
}

TEST_F(ForwardTest, SamplingIsAnsweredLocallyWhenOffline) {
  FakeXray fake({});
  const std::string dir = MakeTempDir("forward-proxy-offline");
  DaemonProcess daemon(dir + "/data", ForwardArgs(fake), /*offline=*/true);
  ASSERT_TRUE(daemon.Started());
  HttpResult rules = HttpPost(daemon.TcpPort(), "/GetSamplingRules", "{}");
  EXPECT_EQ(fake.ProxiedRequests(), 0u);
  EXPECT_EQ(rules.body.find("proxied"), std::string::npos) << rules.body;
}

}  // namespace
}  // namespace xrayd::testing_support

namespace xrayd::testing_support {
namespace {

TEST_F(ForwardTest, SpoolCapDropsTheOldestAndCountsThem) {
  FakeXray fake({});
  fake.SetDown(true);
  const std::string dir = MakeTempDir("forward-cap");
  std::vector<std::string> args = ForwardArgs(fake);
  args.insert(args.end(), {"--spool-mb", "1"});
  DaemonProcess daemon(dir + "/data", args, /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  constexpr int kCount = 8000;  // ~190 B each: about 1.5 MB against a 1 MB cap.
  SendRange(daemon, 8, 0, kCount);
  ASSERT_EQ(daemon.WaitForMetric("xrayd_segments_stored_total", kCount), kCount);
  const std::int64_t dropped = daemon.WaitForMetric("xrayd_forward_dropped_total", 1);
  ASSERT_GT(dropped, 0) << daemon.Log();
  EXPECT_LE(daemon.Metric("xrayd_forward_spool_bytes"), 1 << 20);
  EXPECT_NE(daemon.Log().find("spool over its cap"), std::string::npos);
  fake.SetDown(false);
  // The newest documents all arrive; what is missing is exactly what was counted, oldest first.
  EXPECT_TRUE(AllDelivered(fake, 8, 0, seconds(1)));
  std::set<std::string> ids;
  int delivered = 0;
  EXPECT_TRUE(WaitUntil(
      [&] {
        ids = fake.AcceptedIds();
        delivered = 0;
        for (int n = 0; n < kCount; ++n) {
          delivered += ids.count(Key(8, n)) > 0 ? 1 : 0;
        }
        return delivered + daemon.Metric("xrayd_forward_dropped_total") >= kCount;
      },
      seconds(40), milliseconds(200)))
      << daemon.Log();
  EXPECT_EQ(delivered + daemon.Metric("xrayd_forward_dropped_total"), kCount);
  for (int n = kCount - 1000; n < kCount; ++n) {
    ASSERT_EQ(ids.count(Key(8, n)), 1u) << "newest document " << n << " missing";
  }
  // In-flight batches are kept, the rest of the oldest go: the first document sent is among those
  // dropped unless a sender held it.
  int oldest_missing = 0;
  for (int n = 0; n < 1000; ++n) {
    oldest_missing += ids.count(Key(8, n)) == 0 ? 1 : 0;
  }
  EXPECT_GT(oldest_missing, 500);
}

}  // namespace
}  // namespace xrayd::testing_support
