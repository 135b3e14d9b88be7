// `xrayd traces tail` and `xrayd traces show` as a user runs them: the real daemon on free loopback
// ports, segments over UDP, the CLI as a child process reading the store while the daemon writes.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/cli/cli_traces_tail.h"
#include "proto/clock.h"
#include "proto/document_decoder.h"
#include "storage/trace_store.h"
#include "tests/integration/daemon_process_support.h"
#include "tests/support/wait_until.h"

namespace xrayd::testing_support {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr char kHeader[] = "{\"format\":\"json\",\"version\":1}\n";
constexpr double kT0 = 1700000000.0;

std::string TraceId(int n) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "1-6553f100-%024d", n);
  return buf;
}

void Send(std::uint16_t port, const json& doc) {
  SendUdp(port, kHeader + doc.dump());
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  return lines;
}

// `xrayd args...` running in the background, its stdout and stderr going to files.
class CliProcess {
 public:
  CliProcess(const std::vector<std::string>& args, const std::string& dir)
      : out_path_(dir + "/cli.out"), err_path_(dir + "/cli.err") {
    std::vector<std::string> argv = {XRAYD_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    raw.reserve(argv.size() + 1);
    for (std::string& a : argv) {
      raw.push_back(a.data());
    }
    raw.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      const int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out, 1);
      dup2(err, 2);
      execv(raw[0], raw.data());
      _exit(127);
    }
  }
  ~CliProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;

  std::string Out() const { return ReadAll(out_path_); }
  std::string Err() const { return ReadAll(err_path_); }

  // The exit code, or -1 if it is still running after `timeout` (it is then killed).
  int WaitExit(milliseconds timeout) {
    int status = 0;
    const bool exited = WaitUntil([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (!exited) {
      return -1;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  void Signal(int signal_number) { kill(pid_, signal_number); }

 private:
  std::string out_path_;
  std::string err_path_;
  pid_t pid_ = -1;
};

json Segment(const std::string& trace, const std::string& id, const std::string& name,
             const std::string& team, bool complete) {
  json doc = {{"trace_id", trace},
              {"id", id},
              {"name", name},
              {"start_time", kT0},
              {"annotations", {{"team", team}}},
              {"http",
               {{"request", {{"method", "GET"}, {"url", "http://example.com/" + name}}},
                {"response", {{"status", 200}}}}}};
  if (complete) {
    doc["end_time"] = kT0 + 0.125;
  } else {
    doc["in_progress"] = true;
  }
  return doc;
}

bool Stored(const std::string& data_dir, const std::string& trace) {
  return RunXrayd({"traces", "get", trace, "--data-dir", data_dir}).exit_code == 0;
}

// The completion rule itself, on a store written by the test with chosen receive times and polled
// at chosen times (no daemon, no clock).
class TraceTailPollTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::TraceStore::Open(":memory:", storage::OpenMode::kReadWrite);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }

  void Put(int trace, const std::string& id, bool complete, double received_at) {
    json doc = {{"trace_id", TraceId(trace)}, {"id", id}, {"name", "svc"}, {"start_time", kT0}};
    if (complete) {
      doc["end_time"] = kT0 + 0.01;
    } else {
      doc["in_progress"] = true;
    }
    auto docs = decoder_.Decode(doc.dump());
    ASSERT_TRUE(docs);
    ASSERT_TRUE(store_->PutDocuments(*docs, received_at));
  }

  std::vector<std::string> Poll(daemon::TraceTail& tail, double now) {
    auto completed = tail.Poll(now);
    std::vector<std::string> ids;
    if (!completed) {
      ADD_FAILURE() << completed.error().message;
      return ids;
    }
    for (const daemon::CompletedTrace& trace : *completed) {
      ids.push_back(trace.info.trace_id);
    }
    return ids;
  }

  proto::DocumentDecoder decoder_;
  std::unique_ptr<storage::TraceStore> store_;
};

using Ids = std::vector<std::string>;

TEST_F(TraceTailPollTest, ReturnsEachTraceOnceAfterTheQuietPeriod) {
  daemon::TraceTail tail(*store_, /*first_received_from=*/1000, /*quiet_seconds=*/1.0);
  Put(1, "a000000000000001", true, 999.5);  // First received before the start: never returned.
  Put(2, "a000000000000002", true, 1000.2);
  EXPECT_EQ(Poll(tail, 1000.5), Ids{});
  EXPECT_EQ(Poll(tail, 1001.3), Ids{TraceId(2)});
  EXPECT_EQ(Poll(tail, 1002.0), Ids{});

  Put(3, "a000000000000003", false, 1001.0);  // In progress: not complete, however quiet.
  EXPECT_EQ(Poll(tail, 1003.0), Ids{});
  Put(3, "a000000000000003", true, 1003.5);
  EXPECT_EQ(Poll(tail, 1004.0), Ids{});
  EXPECT_EQ(Poll(tail, 1004.6), Ids{TraceId(3)});

  Put(4, "a000000000000004", true, 1005.0);  // Completion order: last write first, not trace id.
  Put(5, "a000000000000005", true, 1004.9);
  EXPECT_EQ(Poll(tail, 1006.5), (Ids{TraceId(5), TraceId(4)}));

  Put(2, "b000000000000002", true, 1007.0);  // A late document: already returned.
  Put(1, "b000000000000001", true, 1007.0);
  EXPECT_EQ(Poll(tail, 1009.0), Ids{});
}

TEST_F(TraceTailPollTest, ATraceWrittenAgainAfterTheForgetPeriodIsNewAgain) {
  daemon::TraceTail tail(*store_, 1000, 0.5);
  Put(1, "a000000000000001", true, 1000.0);
  EXPECT_EQ(Poll(tail, 1001.0), Ids{TraceId(1)});
  EXPECT_EQ(Poll(tail, 1001.0 + daemon::TraceTail::kForgetSeconds + 1), Ids{});
  Put(1, "b000000000000001", true, 1700.0);
  EXPECT_EQ(Poll(tail, 1701.0), Ids{TraceId(1)});
}

// RunTracesTail decides by its clock: a complete trace is printed on the first poll at which the
// clock says it has been quiet for --quiet, however many polls ran before (no daemon, no sleep).
TEST_F(TraceTailPollTest, RunTracesTailPrintsOnceItsClockPassesTheQuietPeriod) {
  const std::string data = MakeTempDir("tail-clock");
  proto::FakeClock clock(kT0);
  {
    auto store = storage::TraceStore::Open(data + "/traces.db", storage::OpenMode::kReadWrite);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  daemon::TailOptions options;
  options.data_dir = data;
  options.quiet_seconds = 30;
  options.poll_interval = milliseconds(0);
  options.clock = &clock;
  std::ostringstream out;
  std::ostringstream err;
  int polls = 0;
  std::string printed_before_quiet;
  const int code = daemon::RunTracesTail(
      options, {},
      [&] {
        ++polls;
        if (polls == 2) {
          Put(1, "a000000000000001", true, clock.NowSeconds());
        } else if (polls == 5) {
          clock.AdvanceSeconds(29);
        } else if (polls == 8) {
          printed_before_quiet = out.str();
          clock.AdvanceSeconds(2);
        }
        return polls > 10;
      },
      out, err);
  EXPECT_EQ(code, 0) << err.str();
  EXPECT_EQ(printed_before_quiet, "");
  const std::vector<std::string> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 1u) << out.str();
  EXPECT_NE(lines[0].find(TraceId(1)), std::string::npos) << lines[0];
}

TEST(TracesTailTest, PrintsMatchingTracesOnceTheyComplete) {
  const std::string dir = MakeTempDir("tail");
  const std::string data = dir + "/data";
  DaemonProcess daemon(data);
  ASSERT_TRUE(daemon.Started());

  // Complete before the tail starts: never printed.
  Send(daemon.UdpPort(), Segment(TraceId(1), "a000000000000001", "before", "a", true));
  ASSERT_TRUE(WaitUntil([&] { return Stored(data, TraceId(1)); }, milliseconds(10000)));

  CliProcess tail({"traces", "tail", "--data-dir", data, "--count", "2", "--quiet", "0.5",
                   "--filter", "annotation.team = \"a\"", "--color", "never"},
                  dir);
  ASSERT_TRUE(WaitUntil([&] { return tail.Err().find("following") != std::string::npos; },
                        milliseconds(10000)))
      << tail.Err();

  Send(daemon.UdpPort(), Segment(TraceId(2), "a000000000000002", "alpha", "a", false));
  Send(daemon.UdpPort(), Segment(TraceId(3), "a000000000000003", "beta", "b", true));
  Send(daemon.UdpPort(), Segment(TraceId(4), "a000000000000004", "gamma", "a", true));
  ASSERT_TRUE(WaitUntil([&] { return !tail.Out().empty(); }, milliseconds(10000)));
  // alpha is in progress: twice the quiet period later it is still not printed.
  EXPECT_FALSE(WaitUntil([&] { return Lines(tail.Out()).size() > 1; }, milliseconds(1000)));
  std::vector<std::string> lines = Lines(tail.Out());
  ASSERT_EQ(lines.size(), 1u) << tail.Out();
  EXPECT_NE(lines[0].find(TraceId(4) + "    125.0 ms  gamma" + std::string(11, ' ') +
                          "  GET http://example.com/gamma 200  ok  1 annotation"),
            std::string::npos)
      << lines[0];

  Send(daemon.UdpPort(), Segment(TraceId(2), "a000000000000002", "alpha", "a", true));
  EXPECT_EQ(tail.WaitExit(milliseconds(15000)), 0) << tail.Err();
  lines = Lines(tail.Out());
  ASSERT_EQ(lines.size(), 2u) << tail.Out();
  EXPECT_NE(lines[1].find(TraceId(2) + "    125.0 ms  alpha"), std::string::npos) << lines[1];
  const std::string out = tail.Out();
  EXPECT_EQ(out.find(TraceId(1)), std::string::npos) << "started before the tail";
  EXPECT_EQ(out.find(TraceId(3)), std::string::npos) << "does not match the filter";
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
}

TEST(TracesTailTest, SinceIncludesRecentTracesAndShowPrintsTimelines) {
  const std::string dir = MakeTempDir("tail-since");
  const std::string data = dir + "/data";
  DaemonProcess daemon(data);
  ASSERT_TRUE(daemon.Started());
  Send(daemon.UdpPort(), Segment(TraceId(5), "a000000000000005", "recent", "a", true));
  ASSERT_TRUE(WaitUntil([&] { return Stored(data, TraceId(5)); }, milliseconds(10000)));

  CliProcess tail({"traces", "tail", "--data-dir", data, "--since", "10m", "--count", "1",
                   "--quiet", "0", "--show", "--width", "20", "--color", "never"},
                  dir);
  EXPECT_EQ(tail.WaitExit(milliseconds(15000)), 0) << tail.Err();
  const std::vector<std::string> lines = Lines(tail.Out());
  ASSERT_EQ(lines.size(), 4u) << tail.Out();
  EXPECT_EQ(lines[0], "Trace " + TraceId(5) + "  125.0 ms  1 segment, 0 subsegments  ok");
  EXPECT_EQ(lines[2], "recent" + std::string(30, ' ') + " |" + std::string(20, '=') +
                          "|   125.0 ms       http 200");
  EXPECT_EQ(lines[3], "    annotations: team=\"a\"");
}

TEST(TracesTailTest, StopsCleanlyOnSigterm) {
  const std::string dir = MakeTempDir("tail-term");
  const std::string data = dir + "/data";
  DaemonProcess daemon(data);
  ASSERT_TRUE(daemon.Started());
  CliProcess tail({"traces", "tail", "--data-dir", data}, dir);
  ASSERT_TRUE(WaitUntil([&] { return tail.Err().find("following") != std::string::npos; },
                        milliseconds(10000)))
      << tail.Err();
  tail.Signal(SIGTERM);
  EXPECT_EQ(tail.WaitExit(milliseconds(5000)), 0) << tail.Err();
}

TEST(TracesTailTest, UsageErrors) {
  const std::string dir = MakeTempDir("tail-usage");
  CommandResult bad_filter =
      RunXrayd({"traces", "tail", "--filter", "annotation.team = alice", "--data-dir", dir});
  EXPECT_EQ(bad_filter.exit_code, 2);
  EXPECT_NE(bad_filter.err.find("invalid filter"), std::string::npos) << bad_filter.err;
  EXPECT_NE(bad_filter.err.find("'alice'"), std::string::npos) << bad_filter.err;

  EXPECT_EQ(RunXrayd({"traces", "tail", "--data-dir", dir}).exit_code, 2);  // No store.
  EXPECT_EQ(RunXrayd({"traces", "tail", "--color", "sometimes"}).exit_code, 2);
  EXPECT_EQ(RunXrayd({"traces", "tail", "--count", "0"}).exit_code, 2);
  EXPECT_EQ(RunXrayd({"traces", "tail", "--limit", "3"}).exit_code, 2);
  EXPECT_EQ(RunXrayd({"traces", "show"}).exit_code, 2);
  EXPECT_EQ(RunXrayd({"traces", "show", TraceId(1), "--width", "5"}).exit_code, 2);
  EXPECT_EQ(RunXrayd({"traces", "list", "--show"}).exit_code, 2);
}

TEST(TracesShowTest, DrawsAStoredTrace) {
  const std::string dir = MakeTempDir("show");
  const std::string data = dir + "/data";
  DaemonProcess daemon(data);
  ASSERT_TRUE(daemon.Started());
  const std::string trace = TraceId(9);
  Send(daemon.UdpPort(), {{"trace_id", trace},
                          {"id", "a000000000000001"},
                          {"name", "web"},
                          {"start_time", kT0},
                          {"end_time", kT0 + 0.1},
                          {"http", {{"response", {{"status", 200}}}}},
                          {"annotations", {{"user", "bob"}}},
                          {"subsegments",
                           {{{"id", "b000000000000001"},
                             {"name", "db"},
                             {"start_time", kT0 + 0.01},
                             {"end_time", kT0 + 0.06},
                             {"error", true},
                             {"cause",
                              {{"exceptions",
                                {{{"id", "c000000000000001"},
                                  {"type", "Timeout"},
                                  {"message", "took too long"}}}}}}}}}});
  Send(daemon.UdpPort(), {{"type", "subsegment"},
                          {"trace_id", trace},
                          {"parent_id", "a000000000000001"},
                          {"id", "b000000000000002"},
                          {"name", "render"},
                          {"start_time", kT0 + 0.06},
                          {"end_time", kT0 + 0.09}});
  const std::vector<std::string> show = {"traces",  "show", trace,     "--data-dir", data,
                                         "--width", "40",   "--color", "never"};
  CommandResult result;
  ASSERT_TRUE(WaitUntil(
      [&] {
        result = RunXrayd(show);
        return result.out.find("render") != std::string::npos;
      },
      milliseconds(10000)))
      << result.out << result.err;
  EXPECT_EQ(result.exit_code, 0);
  // 2.5 ms per column; the name column is 36 wide.
  const std::string expected =
      "Trace " + trace + "  100.0 ms  1 segment, 2 subsegments  ok\n" + std::string(38, ' ') +
      "0 ms" + std::string(28, ' ') + "100.0 ms\n" + "web" + std::string(33, ' ') + " |" +
      std::string(40, '=') + "|   100.0 ms       http 200\n" + "    annotations: user=\"bob\"\n" +
      "  db" + std::string(32, ' ') + " |" + std::string(4, ' ') + std::string(20, '=') +
      std::string(16, ' ') + "|    50.0 ms  !\n" + "      exception: Timeout: took too long\n" +
      "  render" + std::string(28, ' ') + " |" + std::string(24, ' ') + std::string(12, '=') +
      std::string(4, ' ') + "|    30.0 ms\n";
  EXPECT_EQ(result.out, expected);

  CommandResult colored =
      RunXrayd({"traces", "show", trace, "--data-dir", data, "--color", "always"});
  EXPECT_EQ(colored.exit_code, 0);
  EXPECT_NE(colored.out.find("\x1b["), std::string::npos);
  // auto: stdout is a file here, so no colour.
  EXPECT_EQ(RunXrayd({"traces", "show", trace, "--data-dir", data}).out.find('\x1b'),
            std::string::npos);

  CommandResult missing = RunXrayd({"traces", "show", TraceId(10), "--data-dir", data});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no trace"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace xrayd::testing_support
