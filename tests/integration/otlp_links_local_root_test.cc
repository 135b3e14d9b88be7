// The real daemon with span links and local roots: OTLP/HTTP spans with links come back from
// BatchGetTraces with the document's `links`; a UDP segment with links comes back unchanged; a
// LOCAL_ROOT CLIENT span is stored as a service segment and a dependency subsegment, which
// GetServiceGraph draws as the local service with an edge to the remote one.

#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/daemon/otlp/otlp_test_support.h"
#include "tests/integration/daemon_process_support.h"
#include "tests/integration/segment_sender_support.h"
#include "tests/support/wait_until.h"

namespace xrayd::testing_support {
namespace {

using nlohmann::json;
using xrayd::daemon::otlp::testing::AddString;
using xrayd::daemon::otlp::testing::Bytes;
using xrayd::daemon::otlp::testing::RequestProto;
using xrayd::daemon::otlp::testing::SpanProto;

std::uint64_t NowNanos() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// The 32 hex digits of the X-Ray trace id `xray_id` (1-xxxxxxxx-yyyy...).
std::string W3c(const std::string& xray_id) {
  return xray_id.substr(2, 8) + xray_id.substr(11);
}

class OtlpLinksLocalRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<DaemonProcess>(MakeTempDir("otlp-links"));
    ASSERT_TRUE(daemon_->Started());
  }

  void Export(const RequestProto& request) {
    HttpResult result =
        SendHttp(daemon_->TcpPort(), "POST", "/v1/traces",
                 {{"Content-Type", "application/x-protobuf"}}, request.SerializeAsString());
    ASSERT_EQ(result.status, 200) << result.body;
  }

  // The stored documents of `trace_id` once there are `count` of them (empty on timeout).
  std::vector<json> Documents(const std::string& trace_id, std::size_t count) {
    std::vector<json> docs;
    const bool found = WaitUntil(
        [&] {
          docs.clear();
          HttpResult result =
              HttpPost(daemon_->TcpPort(), "/Traces", json{{"TraceIds", {trace_id}}}.dump());
          json parsed = json::parse(result.body, nullptr, false);
          if (result.status != 200 || !parsed.is_object() || parsed["Traces"].size() != 1) {
            return false;
          }
          for (const json& segment : parsed["Traces"][0]["Segments"]) {
            docs.push_back(segment);
          }
          return docs.size() == count;
        },
        std::chrono::seconds(20));
    EXPECT_TRUE(found) << trace_id << ": " << docs.size() << " of " << count << " documents";
    return docs;
  }

  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(OtlpLinksLocalRootTest, SpanLinksComeBackFromBatchGetTraces) {
  const std::string trace_id = TraceId(0x1001);
  const std::string linked_trace = TraceId(0x1002);
  SpanProto span;
  span.set_trace_id(Bytes(W3c(trace_id)));
  span.set_span_id(Bytes("c000000000000001"));
  span.set_kind(SpanProto::SPAN_KIND_SERVER);
  span.set_name("consume");
  span.set_start_time_unix_nano(NowNanos());
  span.set_end_time_unix_nano(span.start_time_unix_nano() + 50'000'000);
  auto* link = span.add_links();
  link->set_trace_id(Bytes(W3c(linked_trace)));
  link->set_span_id(Bytes("d000000000000002"));
  AddString(link->mutable_attributes(), "messaging.operation", "receive");
  Export(xrayd::daemon::otlp::testing::MakeRequest(span, "queue-worker"));

  std::vector<json> docs = Documents(trace_id, 1);
  ASSERT_EQ(docs.size(), 1u);
  json doc = json::parse(docs[0]["Document"].get<std::string>());
  EXPECT_EQ(doc["name"], "queue-worker");
  EXPECT_EQ(doc["links"], (json::array({{{"trace_id", linked_trace},
                                         {"id", "d000000000000002"},
                                         {"attributes", {{"messaging.operation", "receive"}}}}})))
      << doc.dump();
}

TEST_F(OtlpLinksLocalRootTest, SegmentWithLinksIsReturnedUnchanged) {
  const std::string trace_id = TraceId(0x1003);
  const double now = Now();
  json segment = {{"trace_id", trace_id},
                  {"id", "e000000000000001"},
                  {"name", "batch-job"},
                  {"start_time", now},
                  {"end_time", now + 0.25},
                  {"links",
                   {{{"trace_id", TraceId(0x1004)},
                     {"id", "f000000000000001"},
                     {"attributes", {{"k", "v"}, {"n", 2}}}},
                    {{"trace_id", TraceId(0x1005)}, {"id", "f000000000000002"}}}}};
  SendDocument(daemon_->UdpPort(), segment);
  std::vector<json> docs = Documents(trace_id, 1);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["Document"], segment.dump());
}

TEST_F(OtlpLinksLocalRootTest, LocalRootClientSpanDrawsServiceAndEdgeToRemote) {
  const std::string trace_id = TraceId(0x1006);
  const double start = Now();
  SpanProto span;
  span.set_trace_id(Bytes(W3c(trace_id)));
  span.set_span_id(Bytes("a100000000000001"));
  span.set_kind(SpanProto::SPAN_KIND_CLIENT);
  span.set_name("POST /charge");
  span.set_start_time_unix_nano(NowNanos());
  span.set_end_time_unix_nano(span.start_time_unix_nano() + 80'000'000);
  AddString(span.mutable_attributes(), "aws.span.kind", "LOCAL_ROOT");
  AddString(span.mutable_attributes(), "aws.local.service", "orders");
  AddString(span.mutable_attributes(), "aws.remote.service", "payments");
  AddString(span.mutable_attributes(), "http.request.method", "POST");
  Export(xrayd::daemon::otlp::testing::MakeRequest(span, "orders-resource"));

  // The service segment with the dependency nested under it, and the segment X-Ray infers for
  // the remote service.
  std::vector<json> docs = Documents(trace_id, 2);
  ASSERT_EQ(docs.size(), 2u);
  json service;
  json inferred;
  for (const json& d : docs) {
    json doc = json::parse(d["Document"].get<std::string>());
    (doc["name"] == "orders" ? service : inferred) = doc;
  }
  ASSERT_EQ(service["name"], "orders") << json(docs);
  ASSERT_EQ(service["subsegments"].size(), 1u) << service;
  const json& dependency = service["subsegments"][0];
  EXPECT_EQ(dependency["name"], "payments");
  EXPECT_EQ(dependency["id"], "a100000000000001");
  EXPECT_EQ(dependency["namespace"], "remote");
  EXPECT_EQ(dependency["http"]["request"]["method"], "POST");
  EXPECT_FALSE(service.contains("http"));
  EXPECT_EQ(inferred["name"], "payments");
  EXPECT_EQ(inferred["inferred"], true) << inferred;

  HttpResult result = HttpPost(daemon_->TcpPort(), "/ServiceGraph",
                               json{{"StartTime", start - 60}, {"EndTime", start + 3600}}.dump());
  ASSERT_EQ(result.status, 200) << result.body;
  json graph = json::parse(result.body);
  const json* orders = nullptr;
  const json* payments = nullptr;
  for (const json& node : graph["Services"]) {
    if (node.value("Name", "") == "orders" && !node.contains("Type")) {  // Not the client node.
      orders = &node;
    } else if (node.value("Name", "") == "payments") {
      payments = &node;
    }
  }
  ASSERT_NE(orders, nullptr) << graph.dump();
  ASSERT_NE(payments, nullptr) << graph.dump();
  EXPECT_EQ((*payments)["Type"], "remote");
  ASSERT_EQ((*orders)["Edges"].size(), 1u) << graph.dump();
  EXPECT_EQ((*orders)["Edges"][0]["ReferenceId"], (*payments)["ReferenceId"]);
  EXPECT_EQ((*orders)["Root"], true);
}

}  // namespace
}  // namespace xrayd::testing_support
