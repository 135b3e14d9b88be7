// The console's live tail (GET /ui/api/tail, server-sent events) on the real daemon: a raw HTTP
// client on loopback holds the stream open while segments arrive over UDP; only traces matching
// its filter are pushed; a cross-site page cannot open it; a reconnect with Last-Event-ID reaches
// back further than a new tail; stopping the daemon with streams open ends them and exits.

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/daemon_process_support.h"
#include "tests/integration/segment_sender_support.h"
#include "tests/support/sse_client.h"
#include "tests/support/wait_until.h"

namespace xrayd::testing_support {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// Long enough for the summary worker to see a trace go quiet (1 s) on a loaded machine.
constexpr milliseconds kWait{20000};

// A trace id whose epoch is `epoch` and whose last digits are `n`.
std::string TraceIdAt(long epoch, int n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "1-%08lx-%024x", static_cast<unsigned long>(epoch), n);
  return buf;
}

void SendTrace(std::uint16_t port, const std::string& trace_id, const std::string& service,
               double start) {
  static int next_id = 1;
  char id[17];
  std::snprintf(id, sizeof id, "%016x", next_id++);
  SendDocument(port, json{{"name", service},
                          {"id", id},
                          {"trace_id", trace_id},
                          {"start_time", start},
                          {"end_time", start + 0.05}});
}

class ConsoleTailTest : public ::testing::Test {
 protected:
  std::string dir_ = MakeTempDir("console-tail");
};

TEST_F(ConsoleTailTest, PushesMatchingTracesAndStopEndsOpenStreams) {
  DaemonProcess daemon(dir_);
  ASSERT_TRUE(daemon.Started());
  SseClient all(daemon.TcpPort(), "/ui/api/tail",
                {{"Sec-Fetch-Site", "same-origin"}, {"Sec-Fetch-Mode", "cors"}});
  SseClient checkout(daemon.TcpPort(), "/ui/api/tail?filter=service(%22checkout%22)",
                     {{"Sec-Fetch-Site", "same-origin"}});
  ASSERT_TRUE(all.WaitFor("text/event-stream", kWait)) << all.Text();
  ASSERT_TRUE(checkout.WaitFor("text/event-stream", kWait)) << checkout.Text();
  EXPECT_NE(all.Text().find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(all.Text().find("Content-Security-Policy"), std::string::npos);

  // A non-matching trace first: once the unfiltered stream has it, it was summarized before the
  // matching one was even sent, so the filtered stream's later round could have returned it.
  const std::string billing = TraceIdAt(std::time(nullptr), 0xb1);
  SendTrace(daemon.UdpPort(), billing, "billing", Now());
  ASSERT_TRUE(all.WaitFor(billing, kWait)) << all.Text();
  const std::string wanted = TraceIdAt(std::time(nullptr), 0xc1);
  SendTrace(daemon.UdpPort(), wanted, "checkout", Now());
  ASSERT_TRUE(checkout.WaitFor(wanted, kWait)) << checkout.Text();
  ASSERT_TRUE(all.WaitFor(wanted, kWait));
  EXPECT_EQ(checkout.Text().find(billing), std::string::npos) << checkout.Text();
  // Each event: an id (the resume point) and the trace's summary as one JSON line.
  EXPECT_NE(checkout.Text().find("id: "), std::string::npos);
  EXPECT_NE(checkout.Text().find("data: {"), std::string::npos);

  // Stopping with both streams open: the daemon exits and the streams end.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon.Stop(), 0) << daemon.Log();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15));
  EXPECT_TRUE(all.WaitForEof(milliseconds(5000)));
  EXPECT_TRUE(checkout.WaitForEof(milliseconds(5000)));
}

TEST_F(ConsoleTailTest, CrossSitePageCannotOpenTheTail) {
  DaemonProcess daemon(dir_);
  ASSERT_TRUE(daemon.Started());
  const HttpResult refused = SendHttp(daemon.TcpPort(), "GET", "/ui/api/tail",
                                      {{"Host", "127.0.0.1:" + std::to_string(daemon.TcpPort())},
                                       {"Sec-Fetch-Site", "cross-site"},
                                       {"Sec-Fetch-Mode", "cors"},
                                       {"Origin", "http://evil.example"}});
  EXPECT_EQ(refused.status, 403) << refused.headers << refused.body;
  EXPECT_EQ(refused.body.find("data:"), std::string::npos);
  SseClient rebinding(daemon.TcpPort(), "/ui/api/tail",
                      {{"Host", "evil.example"}, {"Sec-Fetch-Site", "same-origin"}});
  EXPECT_TRUE(rebinding.WaitFor("HTTP/1.1 403", kWait)) << rebinding.Text();
}

TEST_F(ConsoleTailTest, ReconnectWithLastEventIdReachesBackFurtherThanANewTail) {
  DaemonProcess daemon(dir_);
  ASSERT_TRUE(daemon.Started());
  const long now = std::time(nullptr);
  // A trace of five minutes ago (older than a new tail's first minute) and one of now.
  const std::string old_trace = TraceIdAt(now - 300, 0x01d);
  const std::string new_trace = TraceIdAt(now, 0x2e1);
  SendTrace(daemon.UdpPort(), old_trace, "old", static_cast<double>(now - 300));
  SendTrace(daemon.UdpPort(), new_trace, "new", Now());

  // A resumed tail reads back to its resume point once, when it opens: wait until the old trace
  // can be found.
  const std::string search = json{{"StartTime", now - 400}, {"EndTime", now + 60}}.dump();
  ASSERT_TRUE(WaitUntil(
      [&] {
        const HttpResult found = HttpPost(daemon.TcpPort(), "/TraceSummaries", search);
        return found.body.find(old_trace) != std::string::npos &&
               found.body.find(new_trace) != std::string::npos;
      },
      kWait, milliseconds(100)));

  SseClient resumed(daemon.TcpPort(), "/ui/api/tail",
                    {{"Last-Event-ID", std::to_string(now - 400) + ".000"}});
  ASSERT_TRUE(resumed.WaitFor(old_trace, kWait)) << resumed.Text();
  ASSERT_TRUE(resumed.WaitFor(new_trace, kWait)) << resumed.Text();
  // Both are stored and summarized now: a new tail starts at the last minute.
  SseClient fresh(daemon.TcpPort(), "/ui/api/tail");
  ASSERT_TRUE(fresh.WaitFor(new_trace, kWait)) << fresh.Text();
  EXPECT_EQ(fresh.Text().find(old_trace), std::string::npos);
  // So does the query parameter a page uses when it opens a new EventSource after an error.
  SseClient query(daemon.TcpPort(), "/ui/api/tail?lastEventId=" + std::to_string(now - 400) + ".5");
  EXPECT_TRUE(query.WaitFor(old_trace, kWait)) << query.Text();
}

}  // namespace
}  // namespace xrayd::testing_support
