// OTLP export with the real daemon (docs/otlp-mapping.md#export): segments sent over UDP leave as
// OTLP spans, checked field by field by a fake OTLP/HTTP JSON endpoint and by a second xrayd
// receiving protobuf on its --otlp-http port; nothing is lost through an endpoint outage or a
// restart of the exporting daemon; --otlp-sigv4 signs for service xray.
#include <algorithm>
#include <ctime>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/aws/sigv4.h"
#include "tests/integration/daemon_process_support.h"
#include "tests/integration/fake_otlp_support.h"
#include "tests/integration/fake_xray_support.h"
#include "tests/integration/segment_sender_support.h"
#include "tests/support/wait_until.h"

namespace xrayd::testing_support {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string Hex16(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016x", 0x100000 + n);
  return buf;
}

json SimpleSegment(int n) {
  const double start = Now() - 1;
  return {{"trace_id", TraceId(n)},
          {"id", Hex16(n)},
          {"name", "svc" + std::to_string(n)},
          {"start_time", start},
          {"end_time", start + 0.25}};
}

// The segment checked field by field: http, annotations, metadata, user, fault with an exception,
// and a remote subsegment with an http call.
json RichSegment(const std::string& trace_id, double start) {
  return {{"trace_id", trace_id},
          {"id", "70de5b6f19ff9a0a"},
          {"name", "checkout"},
          {"start_time", start},
          {"end_time", start + 0.5},
          {"fault", true},
          {"user", "alice"},
          {"origin", "AWS::EC2::Instance"},
          {"aws", {{"ec2", {{"instance_id", "i-0abc"}}}}},
          {"http",
           {{"request", {{"method", "POST"}, {"url", "http://shop.local/checkout"}}},
            {"response", {{"status", 500}}}}},
          {"annotations", {{"customer", "alice"}, {"items", 3}}},
          {"metadata", {{"debug", {{"cart", "c-1"}}}}},
          {"cause",
           {{"exceptions",
             {{{"id", "a1b2c3d4e5f60718"}, {"type", "TimeoutError"}, {"message", "timed out"}}}}}},
          {"subsegments",
           {{{"id", "53995c3f42cd8ad8"},
             {"name", "payments"},
             {"namespace", "remote"},
             {"start_time", start + 0.1},
             {"end_time", start + 0.4},
             {"http", {{"request", {{"method", "GET"}}}, {"response", {{"status", 200}}}}}}}}};
}

// The span `span_id` (hex) of an OTLP JSON body and its resource's attributes, or nulls.
struct FoundSpan {
  json span;
  json resource_attributes;
};
FoundSpan FindSpan(const std::vector<FakeOtlp::Received>& accepted, const std::string& span_id) {
  for (const auto& r : accepted) {
    if (!r.json.is_object()) {
      continue;
    }
    for (const json& rs : r.json["resourceSpans"]) {
      for (const json& ss : rs["scopeSpans"]) {
        for (const json& span : ss["spans"]) {
          if (span.value("spanId", "") == span_id) {
            return {span, rs["resource"]["attributes"]};
          }
        }
      }
    }
  }
  return {};
}

// The value object of attribute `key` in an OTLP JSON attribute list, or null.
json Attr(const json& attributes, const std::string& key) {
  for (const json& kv : attributes) {
    if (kv.value("key", "") == key) {
      return kv["value"];
    }
  }
  return nullptr;
}

bool HasAll(const FakeOtlp& fake, const std::set<std::string>& ids) {
  const std::vector<std::string> got = fake.SpanIds();
  const std::set<std::string> have(got.begin(), got.end());
  return std::all_of(ids.begin(), ids.end(), [&](const std::string& id) { return have.count(id); });
}

// What a failed wait needs to tell where documents stopped: the daemon's log, its ingest and export
// counters, and what the fake endpoint was sent.
std::string Diagnosis(DaemonProcess& daemon, const FakeOtlp& fake) {
  std::string out = daemon.Log() + "\n--- metrics ---\n";
  std::istringstream metrics(HttpGet(daemon.TcpPort(), "/metrics").body);
  for (std::string line; std::getline(metrics, line);) {
    if (line.starts_with("xrayd_datagrams_received_total") ||
        line.starts_with("xrayd_segments_stored_total") || line.starts_with("xrayd_otlp_export")) {
      out += line + "\n";
    }
  }
  out += "--- fake endpoint: " + std::to_string(fake.Requests()) + " requests, " +
         std::to_string(fake.SpanIds().size()) + " spans\n";
  return out;
}

std::uint16_t OtlpHttpPort(const DaemonProcess& daemon) {
  std::smatch match;
  const std::string log = daemon.Log();
  static const std::regex kPort("otlp_http=127\\.0\\.0\\.1:([0-9]+)");
  return std::regex_search(log, match, kPort) ? static_cast<std::uint16_t>(std::stoi(match[1])) : 0;
}

TEST(OtlpExportTest, JsonEndpointGetsEverySpanFieldByField) {
  FakeOtlp fake;
  ASSERT_NE(fake.Port(), 0);
  DaemonProcess daemon(MakeTempDir("otlp-export-json"),
                       {"--otlp-http", "off", "--otlp-endpoint", fake.Url(), "--otlp-protocol",
                        "http/json", "--otlp-header", "x-api-key=k1"});
  ASSERT_TRUE(daemon.Started());
  const double start = Now() - 2;
  const std::string trace_id = TraceId(1);
  SendDocument(daemon.UdpPort(), RichSegment(trace_id, start));
  ASSERT_TRUE(WaitUntil(
      [&] {
        return HasAll(fake, {"70de5b6f19ff9a0a", "53995c3f42cd8ad8"});
      },
      20s))
      << Diagnosis(daemon, fake);
  const auto accepted = fake.Accepted();
  EXPECT_EQ(accepted[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(accepted[0].headers.at("content-encoding"), "gzip");
  EXPECT_EQ(accepted[0].headers.at("x-api-key"), "k1");

  const std::string trace_hex = trace_id.substr(2, 8) + trace_id.substr(11);
  FoundSpan segment = FindSpan(accepted, "70de5b6f19ff9a0a");
  ASSERT_TRUE(segment.span.is_object());
  const json& s = segment.span;
  EXPECT_EQ(s["traceId"], trace_hex);
  EXPECT_EQ(s["name"], "checkout");
  EXPECT_EQ(s["kind"], 2);  // SERVER
  EXPECT_FALSE(s.contains("parentSpanId"));
  EXPECT_EQ(s["startTimeUnixNano"],
            std::to_string(static_cast<std::uint64_t>(start) * 1000000000ull));
  EXPECT_EQ(s["endTimeUnixNano"],
            std::to_string(static_cast<std::uint64_t>(start) * 1000000000ull + 500000000ull));
  EXPECT_EQ(s["status"]["code"], 2);
  EXPECT_EQ(s["status"]["message"], "timed out");
  EXPECT_EQ(Attr(s["attributes"], "http.method"), json({{"stringValue", "POST"}}));
  EXPECT_EQ(Attr(s["attributes"], "http.url"),
            json({{"stringValue", "http://shop.local/checkout"}}));
  EXPECT_EQ(Attr(s["attributes"], "http.status_code"), json({{"intValue", "500"}}));
  EXPECT_EQ(Attr(s["attributes"], "enduser.id"), json({{"stringValue", "alice"}}));
  EXPECT_EQ(Attr(s["attributes"], "customer"), json({{"stringValue", "alice"}}));
  EXPECT_EQ(Attr(s["attributes"], "items"), json({{"intValue", "3"}}));
  EXPECT_EQ(Attr(s["attributes"], "aws.xray.metadata.debug"),
            json({{"stringValue", "{\"cart\":\"c-1\"}"}}));
  ASSERT_TRUE(s["events"].is_array());
  EXPECT_EQ(s["events"][0]["name"], "exception");
  EXPECT_EQ(Attr(s["events"][0]["attributes"], "exception.type"),
            json({{"stringValue", "TimeoutError"}}));
  EXPECT_EQ(Attr(segment.resource_attributes, "service.name"), json({{"stringValue", "checkout"}}));
  EXPECT_EQ(Attr(segment.resource_attributes, "cloud.platform"),
            json({{"stringValue", "aws_ec2"}}));
  EXPECT_EQ(Attr(segment.resource_attributes, "host.id"), json({{"stringValue", "i-0abc"}}));

  FoundSpan sub = FindSpan(accepted, "53995c3f42cd8ad8");
  ASSERT_TRUE(sub.span.is_object());
  EXPECT_EQ(sub.span["traceId"], trace_hex);
  EXPECT_EQ(sub.span["parentSpanId"], "70de5b6f19ff9a0a");
  EXPECT_EQ(sub.span["kind"], 3);  // CLIENT
  EXPECT_EQ(sub.span["name"], "payments");
  EXPECT_EQ(Attr(sub.span["attributes"], "http.status_code"), json({{"intValue", "200"}}));

  EXPECT_GE(daemon.WaitForMetric("xrayd_otlp_export_spans_sent_total", 2), 2);
  EXPECT_EQ(daemon.Metric("xrayd_otlp_export_enabled"), 1);
  EXPECT_NE(daemon.Log().find("otlp export: stored documents are sent to " + fake.Url()),
            std::string::npos);
}

TEST(OtlpExportTest, SecondXraydReceivesTheTraceOverProtobuf) {
  DaemonProcess second(MakeTempDir("otlp-export-second"), {"--otlp-http", "127.0.0.1:0"});
  ASSERT_TRUE(second.Started());
  const std::uint16_t otlp_port = OtlpHttpPort(second);
  ASSERT_NE(otlp_port, 0) << second.Log();
  const std::string url = "http://127.0.0.1:" + std::to_string(otlp_port) + "/v1/traces";
  DaemonProcess first(MakeTempDir("otlp-export-first"),
                      {"--otlp-http", "off", "--otlp-endpoint", url});
  ASSERT_TRUE(first.Started());
  const std::string trace_id = TraceId(2);
  SendDocument(first.UdpPort(), RichSegment(trace_id, Now() - 2));
  ASSERT_EQ(second.WaitForMetric("xrayd_segments_stored_total", 2), 2) << first.Log();

  json segment;
  json subsegment;
  ASSERT_TRUE(WaitUntil(
      [&] {
        HttpResult traces =
            HttpPost(second.TcpPort(), "/Traces", json{{"TraceIds", {trace_id}}}.dump());
        const json parsed = json::parse(traces.body, nullptr, false);
        if (!parsed.is_object() || !parsed["Traces"].is_array() || parsed["Traces"].empty()) {
          return false;
        }
        for (const json& s : parsed["Traces"][0]["Segments"]) {
          const json doc = json::parse(s["Document"].get<std::string>());
          if (doc.value("id", "") == "70de5b6f19ff9a0a") {
            segment = doc;
          }
        }
        return segment.is_object();
      },
      20s));
  EXPECT_EQ(segment["trace_id"], trace_id);
  EXPECT_EQ(segment["name"], "checkout");
  EXPECT_EQ(segment["fault"], true);
  EXPECT_EQ(segment["http"]["request"]["method"], "POST");
  EXPECT_EQ(segment["http"]["request"]["url"], "http://shop.local/checkout");
  EXPECT_EQ(segment["http"]["response"]["status"], 500);
  EXPECT_EQ(segment["annotations"]["customer"], "alice");
  EXPECT_EQ(segment["annotations"]["items"], 3);
  EXPECT_EQ(segment["user"], "alice");
  EXPECT_EQ(segment["metadata"]["debug"]["cart"], "c-1");

  // Searchable on the second daemon by annotation and fault.
  ASSERT_TRUE(WaitUntil(
      [&] {
        json body{{"StartTime", Now() - 3600},
                  {"EndTime", Now() + 60},
                  {"FilterExpression", "annotation.customer = \"alice\" AND fault"}};
        HttpResult result = HttpPost(second.TcpPort(), "/TraceSummaries", body.dump());
        const json parsed = json::parse(result.body, nullptr, false);
        return parsed.is_object() && parsed["TraceSummaries"].is_array() &&
               parsed["TraceSummaries"].size() == 1 &&
               parsed["TraceSummaries"][0]["Id"] == trace_id;
      },
      20s));
}

TEST(OtlpExportTest, NothingIsLostThroughAnEndpointOutage) {
  FakeOtlp fake;
  fake.SetDown(true);
  DaemonProcess daemon(MakeTempDir("otlp-export-outage"),
                       {"--otlp-http", "off", "--otlp-endpoint", fake.Url()});
  ASSERT_TRUE(daemon.Started());
  constexpr int kCount = 20;
  std::set<std::string> ids;
  for (int i = 0; i < kCount; ++i) {
    SendDocument(daemon.UdpPort(), SimpleSegment(100 + i));
    ids.insert(Hex16(100 + i));
  }
  ASSERT_EQ(daemon.WaitForMetric("xrayd_segments_stored_total", kCount), kCount);
  EXPECT_GE(daemon.WaitForMetric("xrayd_otlp_export_failed_total{kind=\"refused\"}", 1), 1);
  EXPECT_EQ(fake.Requests(), 0u);
  fake.FailNext(2, 503);
  fake.SetDown(false);
  ASSERT_TRUE(WaitUntil([&] { return HasAll(fake, ids); }, 30s)) << Diagnosis(daemon, fake);
  EXPECT_EQ(fake.SpanIds().size(), static_cast<std::size_t>(kCount));
  EXPECT_GE(daemon.Metric("xrayd_otlp_export_failed_total{kind=\"5xx\"}"), 1);
  EXPECT_GE(daemon.Metric("xrayd_otlp_export_retries_total"), 2);
  EXPECT_EQ(daemon.WaitForMetric("xrayd_otlp_export_documents_sent_total", kCount), kCount);
  EXPECT_TRUE(
      WaitUntil([&] { return daemon.Metric("xrayd_otlp_export_spool_documents") == 0; }, 10s));
}

TEST(OtlpExportTest, NothingIsLostThroughARestartOfTheDaemon) {
  FakeOtlp fake;
  const std::string dir = MakeTempDir("otlp-export-restart");
  const std::vector<std::string> args = {"--otlp-http", "off", "--otlp-endpoint", fake.Url()};
  std::set<std::string> ids;
  {
    DaemonProcess daemon(dir, args);
    ASSERT_TRUE(daemon.Started());
    for (int i = 0; i < 5; ++i) {
      SendDocument(daemon.UdpPort(), SimpleSegment(200 + i));
      ids.insert(Hex16(200 + i));
    }
    ASSERT_TRUE(WaitUntil([&] { return HasAll(fake, ids); }, 20s)) << Diagnosis(daemon, fake);
    fake.SetDown(true);
    for (int i = 5; i < 15; ++i) {
      SendDocument(daemon.UdpPort(), SimpleSegment(200 + i));
      ids.insert(Hex16(200 + i));
    }
    ASSERT_EQ(daemon.WaitForMetric("xrayd_segments_stored_total", 15), 15);
    EXPECT_GE(daemon.WaitForMetric("xrayd_otlp_export_failed_total{kind=\"refused\"}", 1), 1);
    EXPECT_EQ(daemon.Stop(), 0);
  }
  EXPECT_FALSE(HasAll(fake, ids));
  fake.SetDown(false);
  DaemonProcess again(dir, args);
  ASSERT_TRUE(again.Started());
  ASSERT_TRUE(WaitUntil([&] { return HasAll(fake, ids); }, 30s)) << Diagnosis(again, fake);
  // The spooled documents were found at start-up (the 5 sent first may have been acknowledged
  // without their rows being deleted yet: then they go again, which at-least-once allows).
  EXPECT_TRUE(std::regex_search(
      again.Log(), std::regex("otlp export: 1[05] documents .* spooled by an earlier run")))
      << again.Log();
}

TEST(OtlpExportTest, SigV4SignsForServiceXray) {
  UseTestCredentials();
  FakeOtlp fake;
  DaemonProcess daemon(
      MakeTempDir("otlp-export-sigv4"),
      {"--otlp-http", "off", "--otlp-endpoint", fake.Url(), "--otlp-sigv4", "-n", "us-west-2"});
  ASSERT_TRUE(daemon.Started());
  SendDocument(daemon.UdpPort(), SimpleSegment(300));
  ASSERT_TRUE(WaitUntil([&] { return HasAll(fake, {Hex16(300)}); }, 20s))
      << Diagnosis(daemon, fake);
  const auto accepted = fake.Accepted();
  auto parsed = daemon::ParseAuthorization(accepted.at(0).headers.at("authorization"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->service, "xray");
  EXPECT_EQ(parsed->region, "us-west-2");
  EXPECT_EQ(parsed->access_key_id, kTestAccessKeyId);
  EXPECT_EQ(accepted.at(0).headers.count("x-amz-date"), 1u);
}

TEST(OtlpExportTest, FlagsAreCheckedAndPrinted) {
  CommandResult grpc =
      RunXrayd({"--otlp-endpoint", "127.0.0.1:4317", "--otlp-protocol", "grpc", "--print-config"});
  EXPECT_EQ(grpc.exit_code, 0) << grpc.err;
  EXPECT_TRUE(std::regex_search(grpc.out, std::regex("otlp_protocol +grpc +flag"))) << grpc.out;
  CommandResult other = RunXrayd({"--otlp-protocol", "http/xml", "--print-config"});
  EXPECT_NE(other.exit_code, 0);
  CommandResult bad = RunXrayd({"--otlp-endpoint", "ftp://x", "--print-config"});
  EXPECT_NE(bad.exit_code, 0);
  CommandResult shown = RunXrayd({"--otlp-endpoint", "http://127.0.0.1:4318/v1/traces",
                                  "--otlp-protocol", "http/json", "--otlp-header",
                                  "x-api-key=secret1", "--otlp-sigv4", "--print-config"});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("http://127.0.0.1:4318/v1/traces"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("http/json"), std::string::npos);
  EXPECT_NE(shown.out.find("x-api-key"), std::string::npos);
  EXPECT_EQ(shown.out.find("secret1"), std::string::npos);
}

}  // namespace
}  // namespace xrayd::testing_support
