// OTLP/gRPC export with the real daemon (--otlp-protocol grpc): a segment sent over UDP to one
// xrayd reaches a second xrayd through its --otlp-grpc receiver and is queryable there; nothing is
// lost while the receiving daemon is down; --otlp-sigv4 is refused with grpc.
#include <ctime>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/daemon_process_support.h"
#include "tests/integration/segment_sender_support.h"
#include "tests/support/wait_until.h"

namespace xrayd::testing_support {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string Hex16(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016x", 0x300000 + n);
  return buf;
}

json Segment(const std::string& trace_id, int n) {
  const double start = Now() - 2;
  return {{"trace_id", trace_id},
          {"id", Hex16(n)},
          {"name", "grpc-svc" + std::to_string(n)},
          {"start_time", start},
          {"end_time", start + 0.25},
          {"http", {{"request", {{"method", "GET"}}}, {"response", {{"status", 404}}}}},
          {"annotations", {{"tenant", "t" + std::to_string(n)}}}};
}

// The port of the second daemon's OTLP/gRPC receiver from its start-up line; 0 if absent.
std::uint16_t GrpcPort(const DaemonProcess& daemon) {
  std::smatch match;
  const std::string log = daemon.Log();
  static const std::regex kPort("otlp_grpc=127\\.0\\.0\\.1:([0-9]+)");
  return std::regex_search(log, match, kPort) ? static_cast<std::uint16_t>(std::stoi(match[1])) : 0;
}

// The first daemon: exports over gRPC to 127.0.0.1:port, receives no OTLP itself.
std::vector<std::string> ExporterArgs(std::uint16_t port) {
  return {"--otlp-http",     "off",
          "--otlp-grpc",     "off",
          "--otlp-endpoint", "http://127.0.0.1:" + std::to_string(port),
          "--otlp-protocol", "grpc",
          "--otlp-header",   "X-Tenant=t1"};
}

// Trace ids of GetTraceSummaries for `filter` over the last hour on `daemon`.
std::vector<std::string> Find(DaemonProcess& daemon, const std::string& filter) {
  json body{{"StartTime", Now() - 3600}, {"EndTime", Now() + 60}, {"FilterExpression", filter}};
  const json parsed =
      json::parse(HttpPost(daemon.TcpPort(), "/TraceSummaries", body.dump()).body, nullptr, false);
  std::vector<std::string> ids;
  if (parsed.is_object() && parsed["TraceSummaries"].is_array()) {
    for (const json& summary : parsed["TraceSummaries"]) {
      ids.push_back(summary["Id"].get<std::string>());
    }
  }
  return ids;
}

TEST(OtlpExportGrpcTest, SecondXraydReceivesTheTraceOverGrpc) {
  DaemonProcess second(MakeTempDir("otlp-export-grpc-second"),
                       {"--otlp-http", "off", "--otlp-grpc", "127.0.0.1:0"});
  ASSERT_TRUE(second.Started());
  const std::uint16_t port = GrpcPort(second);
  ASSERT_NE(port, 0) << second.Log();
  DaemonProcess first(MakeTempDir("otlp-export-grpc-first"), ExporterArgs(port));
  ASSERT_TRUE(first.Started());
  EXPECT_NE(first.Log().find("(grpc"), std::string::npos) << first.Log();
  const std::string trace_id = TraceId(1);
  SendDocument(first.UdpPort(), Segment(trace_id, 1));
  ASSERT_EQ(second.WaitForMetric("xrayd_segments_stored_total", 1), 1) << first.Log();

  json segment;
  ASSERT_TRUE(WaitUntil(
      [&] {
        const json parsed = json::parse(
            HttpPost(second.TcpPort(), "/Traces", json{{"TraceIds", {trace_id}}}.dump()).body,
            nullptr, false);
        if (!parsed.is_object() || !parsed["Traces"].is_array() || parsed["Traces"].empty()) {
          return false;
        }
        for (const json& s : parsed["Traces"][0]["Segments"]) {
          segment = json::parse(s["Document"].get<std::string>());
        }
        return segment.is_object();
      },
      20s));
  EXPECT_EQ(segment["trace_id"], trace_id);
  EXPECT_EQ(segment["id"], Hex16(1));
  EXPECT_EQ(segment["name"], "grpc-svc1");
  EXPECT_EQ(segment["http"]["response"]["status"], 404);
  EXPECT_EQ(segment["annotations"]["tenant"], "t1");
  EXPECT_TRUE(WaitUntil(
      [&] { return Find(second, "annotation.tenant = \"t1\"") == std::vector{trace_id}; }, 20s));
  EXPECT_EQ(first.WaitForMetric("xrayd_otlp_export_documents_sent_total", 1), 1);
  EXPECT_EQ(first.Metric("xrayd_otlp_export_failed_total{kind=\"5xx\"}"), 0);
}

TEST(OtlpExportGrpcTest, NothingIsLostWhileTheReceiverIsDown) {
  // A port the receiver had, free again: the exporter starts against a receiver that is down.
  std::uint16_t port = 0;
  {
    DaemonProcess probe(MakeTempDir("otlp-export-grpc-probe"),
                        {"--otlp-http", "off", "--otlp-grpc", "127.0.0.1:0"});
    ASSERT_TRUE(probe.Started());
    port = GrpcPort(probe);
    ASSERT_NE(port, 0) << probe.Log();
    EXPECT_EQ(probe.Stop(), 0);
  }
  DaemonProcess first(MakeTempDir("otlp-export-grpc-outage"), ExporterArgs(port));
  ASSERT_TRUE(first.Started());
  constexpr int kCount = 10;
  const std::string trace_id = TraceId(2);
  for (int i = 0; i < kCount; ++i) {
    SendDocument(first.UdpPort(), Segment(trace_id, 100 + i));
  }
  ASSERT_EQ(first.WaitForMetric("xrayd_segments_stored_total", kCount), kCount);
  EXPECT_GE(first.WaitForMetric("xrayd_otlp_export_retries_total", 2), 2) << first.Log();
  EXPECT_GE(first.Metric("xrayd_otlp_export_failed_total{kind=\"5xx\"}"), 1);
  EXPECT_EQ(first.Metric("xrayd_otlp_export_documents_sent_total"), 0);

  DaemonProcess second(MakeTempDir("otlp-export-grpc-late"),
                       {"--otlp-http", "off", "--otlp-grpc", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(second.Started());
  EXPECT_EQ(second.WaitForMetric("xrayd_segments_stored_total", kCount, 30s), kCount)
      << first.Log();
  EXPECT_EQ(first.WaitForMetric("xrayd_otlp_export_documents_sent_total", kCount), kCount);
  EXPECT_TRUE(
      WaitUntil([&] { return first.Metric("xrayd_otlp_export_spool_documents") == 0; }, 10s));
  EXPECT_EQ(Find(second, "service(\"grpc-svc105\")"), std::vector{trace_id});
}

TEST(OtlpExportGrpcTest, SigV4IsRefusedWithGrpc) {
  CommandResult result = RunXrayd({"--offline", "--data-dir", MakeTempDir("otlp-export-grpc-sigv4"),
                                   "-b", "127.0.0.1:0", "-t", "127.0.0.1:0", "--otlp-http", "off",
                                   "--otlp-grpc", "off", "--otlp-endpoint", "127.0.0.1:4317",
                                   "--otlp-protocol", "grpc", "--otlp-sigv4", "-n", "us-west-2"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("X-Ray's OTLP endpoint is OTLP/HTTP only"), std::string::npos)
      << result.err;
}

// Settings the gRPC channel does not apply are refused at start-up rather than ignored:
// cfg.yaml NoVerifySSL with a TLS endpoint, and -p/--proxy-address.
TEST(OtlpExportGrpcTest, NoVerifySslWithTlsAndProxyAreRefusedWithGrpc) {
  const auto args = [](const std::string& dir, const std::string& endpoint,
                       std::vector<std::string> extra) {
    std::vector<std::string> all = {
        "--offline",   "--data-dir",      dir,     "-b",          "127.0.0.1:0", "-t",
        "127.0.0.1:0", "--otlp-http",     "off",   "--otlp-grpc", "off",         "--otlp-protocol",
        "grpc",        "--otlp-endpoint", endpoint};
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  };
  const std::string dir = MakeTempDir("otlp-export-grpc-tls");
  {
    std::ofstream cfg(dir + "/cfg.yaml");
    cfg << "Version: 2\nNoVerifySSL: true\n";
  }
  CommandResult result =
      RunXrayd(args(dir + "/data", "https://127.0.0.1:4317", {"-c", dir + "/cfg.yaml"}));
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("NoVerifySSL is not applied to --otlp-protocol grpc"),
            std::string::npos)
      << result.err;

  result = RunXrayd(args(MakeTempDir("otlp-export-grpc-proxy"), "127.0.0.1:4317",
                         {"-p", "http://127.0.0.1:3128"}));
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("-p/--proxy-address is not applied to --otlp-protocol grpc"),
            std::string::npos)
      << result.err;
}

// NoVerifySSL with a plaintext gRPC endpoint changes nothing for the channel: it starts.
TEST(OtlpExportGrpcTest, NoVerifySslWithPlaintextGrpcStarts) {
  const std::string dir = MakeTempDir("otlp-export-grpc-plain");
  {
    std::ofstream cfg(dir + "/cfg.yaml");
    cfg << "Version: 2\nNoVerifySSL: true\n";
  }
  DaemonProcess daemon(dir + "/data", {"--otlp-endpoint", "http://127.0.0.1:4317",
                                       "--otlp-protocol", "grpc", "-c", dir + "/cfg.yaml"});
  EXPECT_TRUE(daemon.Started()) << daemon.Log();
}

}  // namespace
}  // namespace xrayd::testing_support
