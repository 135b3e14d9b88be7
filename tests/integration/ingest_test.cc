// The real xrayd process on free loopback ports: UDP datagrams in, `xrayd traces` JSON out.

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/daemon_process_support.h"

namespace xrayd::testing_support {
namespace {

using nlohmann::json;

constexpr char kHeader[] = "{\"format\":\"json\",\"version\":1}\n";
constexpr char kTrace[] = "1-5759e988-bd862e3fe1be46a994272793";

std::string Datagram(const json& doc) {
  return kHeader + doc.dump();
}

json RootSegment() {
  return {{"trace_id", kTrace},
          {"id", "70de5b6f19ff9a0a"},
          {"name", "checkout"},
          {"start_time", 1478293361.271},
          {"end_time", 1478293361.449},
          {"user", "alice"},
          {"http",
           {{"request", {{"method", "GET"}, {"url", "http://example.com/cart"}}},
            {"response", {{"status", 200}}}}},
          {"annotations", {{"username", "alice"}, {"items", 3}, {"vip", true}}},
          {"metadata", {{"default", {{"cart", {{"size", 3}}}}}}},
          {"subsegments", json::array({{{"id", "53995c3f42cd8ad8"},
                                        {"name", "db"},
                                        {"start_time", 1478293361.3},
                                        {"end_time", 1478293361.4},
                                        {"namespace", "remote"}}})}};
}

json IndependentSubsegment(const std::string& id, const std::string& parent, double start) {
  return {{"type", "subsegment"}, {"trace_id", kTrace},  {"parent_id", parent},     {"id", id},
          {"name", "call-" + id}, {"start_time", start}, {"end_time", start + 0.01}};
}

json GetTrace(const std::string& data_dir, const std::string& trace_id) {
  CommandResult result = RunXrayd({"traces", "get", trace_id, "--data-dir", data_dir});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  json out = json::parse(result.out, nullptr, false);
  EXPECT_FALSE(out.is_discarded()) << result.out;
  return out;
}

json FindSubsegment(const json& entity, const std::string& id) {
  for (const json& sub : entity.value("subsegments", json::array())) {
    if (sub.value("id", "") == id) {
      return sub;
    }
    json nested = FindSubsegment(sub, id);
    if (!nested.is_null()) {
      return nested;
    }
  }
  return nullptr;
}

TEST(IngestIntegrationTest, StoresWhatWasSentAndNestsSubsegmentsWhateverTheOrder) {
  const std::string dir = MakeTempDir("ingest");
  DaemonProcess daemon(dir + "/data");
  ASSERT_TRUE(daemon.Started());

  // Children before the parent: one nested under the embedded "db" subsegment, one under another
  // independent subsegment, one sent as an array.
  SendUdp(daemon.UdpPort(),
          Datagram(IndependentSubsegment("1111111111111111", "53995c3f42cd8ad8", 1478293361.31)));
  SendUdp(daemon.UdpPort(),
          Datagram(IndependentSubsegment("3333333333333333", "2222222222222222", 1478293361.33)));
  SendUdp(daemon.UdpPort(), Datagram(json::array({IndependentSubsegment(
                                "2222222222222222", "70de5b6f19ff9a0a", 1478293361.32)})));
  json in_progress = RootSegment();
  in_progress.erase("end_time");
  in_progress["in_progress"] = true;
  SendUdp(daemon.UdpPort(), Datagram(in_progress));
  SendUdp(daemon.UdpPort(), Datagram(RootSegment()));
  SendUdp(daemon.UdpPort(), Datagram(RootSegment()));  // A duplicate: stored once.

  ASSERT_EQ(daemon.WaitForMetric("xrayd_segments_stored_total", 6), 6) << daemon.Log();
  EXPECT_EQ(daemon.Metric("xrayd_segments_accepted_total"), 6);
  EXPECT_EQ(daemon.Metric("xrayd_segments_written_total{result=\"replaced\"}"), 1);
  EXPECT_EQ(daemon.Metric("xrayd_segments_written_total{result=\"duplicate\"}"), 1);

  json out = GetTrace(dir + "/data", kTrace);
  ASSERT_EQ(out["Traces"].size(), 1u) << out.dump(2);
  const json& trace = out["Traces"][0];
  EXPECT_EQ(trace["Id"], kTrace);
  EXPECT_DOUBLE_EQ(trace["Duration"].get<double>(), 0.178) << "rounded to the microsecond";
  ASSERT_EQ(trace["Segments"].size(), 1u) << "subsegments are nested, not listed: " << out.dump(2);
  EXPECT_EQ(trace["Segments"][0]["Id"], "70de5b6f19ff9a0a");

  const json doc = json::parse(trace["Segments"][0]["Document"].get<std::string>());
  const json sent = RootSegment();
  for (const char* field : {"trace_id", "id", "name", "start_time", "end_time", "user", "http",
                            "annotations", "metadata"}) {
    EXPECT_EQ(doc[field], sent[field]) << field;
  }
  EXPECT_FALSE(doc.contains("in_progress")) << "the complete version replaced the in-progress one";
  EXPECT_EQ(FindSubsegment(doc, "53995c3f42cd8ad8")["name"], "db");
  EXPECT_EQ(FindSubsegment(doc, "53995c3f42cd8ad8")["subsegments"][0]["id"], "1111111111111111");
  EXPECT_EQ(FindSubsegment(doc, "2222222222222222")["subsegments"][0]["id"], "3333333333333333");
  EXPECT_FALSE(FindSubsegment(doc, "3333333333333333").is_null());

  CommandResult list =
      RunXrayd({"traces", "list", "--since", "1000000d", "--data-dir", dir + "/data"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  json traces = json::parse(list.out)["Traces"];
  ASSERT_EQ(traces.size(), 1u);
  EXPECT_EQ(traces[0]["Id"], kTrace);
  EXPECT_EQ(traces[0]["IsPartial"], false);
  EXPECT_EQ(traces[0]["Documents"], 4);

  EXPECT_EQ(daemon.Stop(), 0) << daemon.Log();
}

TEST(IngestIntegrationTest, BadInputIsRejectedByReasonAndNeverHurtsGoodNeighbours) {
  const std::string dir = MakeTempDir("bad");
  DaemonProcess daemon(dir + "/data");
  ASSERT_TRUE(daemon.Started());
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"\xff\xfe garbage", "missing_newline"},
      {"{\"format\":\"json\",\"version\":1}", "missing_newline"},
      {"{\"format\":\"json\",\"version\":2}\n{}", "wrong_version"},
      {"{\"format\":\"xml\",\"version\":1}\n{}", "wrong_format"},
      {"{\"format\":\"json\",\"version\":1}\n", "empty_body"},
      {std::string(kHeader) + "{\"trace_id\":\"1-5759e988-bd8", "malformed_json"},
      {std::string(kHeader) + "42", "not_an_object"},
      {Datagram(json{{"trace_id", "1-zz"},
                     {"id", "70de5b6f19ff9a0a"},
                     {"name", "x"},
                     {"start_time", 1},
                     {"end_time", 2}}),
       "invalid_trace_id"},
  };
  for (const auto& [payload, reason] : bad) {
    SendUdp(daemon.UdpPort(), payload);
    SendUdp(daemon.UdpPort(), Datagram(RootSegment()));
  }
  // A 64 KiB document cannot exceed a UDP payload, so "oversize" is tested in proto_tests.
  ASSERT_GE(daemon.WaitForMetric("xrayd_segments_stored_total", 8), 8) << daemon.Log();
  for (const auto& [payload, reason] : bad) {
    EXPECT_GE(daemon.Metric("xrayd_segments_rejected_total{reason=\"" + reason + "\"}"), 1)
        << reason;
  }
  EXPECT_EQ(daemon.Metric("xrayd_segments_accepted_total"), 8);
  EXPECT_EQ(HttpGet(daemon.TcpPort(), "/healthz").status, 200);
  // Logged once per reason per interval, not once per packet.
  const std::string log = daemon.Log();
  std::size_t lines = 0;
  for (std::size_t pos = log.find("missing_newline"); pos != std::string::npos;
       pos = log.find("missing_newline", pos + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 1u) << log;
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(IngestIntegrationTest, TracesSurviveStopAndRestart) {
  const std::string dir = MakeTempDir("restart");
  {
    DaemonProcess daemon(dir + "/data");
    ASSERT_TRUE(daemon.Started());
    for (int i = 0; i < 200; ++i) {
      json seg = RootSegment();
      char trace[64];
      std::snprintf(trace, sizeof(trace), "1-5759e988-%024x", i);
      seg["trace_id"] = trace;
      SendUdp(daemon.UdpPort(), Datagram(seg));
    }
    // Stop at once: the daemon drains the socket and the queue before it exits.
    EXPECT_EQ(daemon.Stop(), 0) << daemon.Log();
  }
  DaemonProcess again(dir + "/data");
  ASSERT_TRUE(again.Started());
  CommandResult list = RunXrayd(
      {"traces", "list", "--since", "1000000d", "--limit", "1000", "--data-dir", dir + "/data"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(json::parse(list.out)["Traces"].size(), 200u);
  json out = GetTrace(dir + "/data", "1-5759e988-000000000000000000000007");
  ASSERT_EQ(out["Traces"].size(), 1u);
  EXPECT_EQ(json::parse(out["Traces"][0]["Segments"][0]["Document"].get<std::string>())["name"],
            "checkout");
  EXPECT_EQ(again.Stop(), 0);
}

TEST(IngestIntegrationTest, HttpEndpointsAndUnknownTrace) {
  const std::string dir = MakeTempDir("http");
  DaemonProcess daemon(dir + "/data");
  ASSERT_TRUE(daemon.Started());
  HttpResult health = HttpGet(daemon.TcpPort(), "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  HttpResult missing = HttpGet(daemon.TcpPort(), "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("UnknownOperationException"), std::string::npos);
  CommandResult get = RunXrayd({"traces", "get", kTrace, "--data-dir", dir + "/data"});
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_EQ(json::parse(get.out)["UnprocessedTraceIds"][0], kTrace);
  EXPECT_EQ(daemon.Stop(2), 0) << "SIGINT also stops cleanly";
}

TEST(IngestIntegrationTest, StartupFailsClearlyWhenThePortIsTaken) {
  const std::string dir = MakeTempDir("busy");
  DaemonProcess first(dir + "/a");
  ASSERT_TRUE(first.Started());
  CommandResult second = RunXrayd({"--offline", "--data-dir", dir + "/b", "-b", "127.0.0.1:0", "-t",
                                   "127.0.0.1:" + std::to_string(first.TcpPort())});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("cannot listen on TCP"), std::string::npos) << second.err;
}

}  // namespace
}  // namespace xrayd::testing_support
