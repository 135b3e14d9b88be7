// The OTLP/gRPC receiver of the real daemon, with the generated gRPC client: exported spans
// (plain and gzip) are stored like UDP segments and found by GetTraceSummaries filters and
// BatchGetTraces; an undecodable message is INVALID_ARGUMENT; spans that cannot be segments are a
// partial success; counters carry transport="grpc"; `off` disables the listener; an explicit
// address that cannot be bound stops start-up while a taken default does not; SIGTERM right after
// the exports stores every span that was answered OK.

#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/daemon.h"
#include "tests/daemon/otlp/otlp_grpc_test_support.h"
#include "tests/daemon/otlp/otlp_test_support.h"
#include "tests/integration/daemon_process_support.h"
#include "tests/support/test_daemon_config.h"
#include "tests/support/wait_until.h"

namespace xrayd::testing_support {
namespace {

using nlohmann::json;
using xrayd::daemon::otlp::testing::AddInt;
using xrayd::daemon::otlp::testing::AddString;
using xrayd::daemon::otlp::testing::Bytes;
using xrayd::daemon::otlp::testing::ExportResponseProto;
using xrayd::daemon::otlp::testing::RequestProto;
using xrayd::daemon::otlp::testing::SpanProto;
using xrayd::daemon::otlp::testing::TraceClient;

// W3C random trace ids: their first 4 bytes (eeeeeeee) are no plausible epoch.
constexpr const char* kTraceA = "eeeeeeee0123456789abcdef00000001";
constexpr const char* kTraceB = "eeeeeeee0123456789abcdef00000002";

std::uint64_t NowNanos() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string XrayId(const std::string& hex) {
  return "1-" + hex.substr(0, 8) + "-" + hex.substr(8);
}

SpanProto Span(const std::string& trace, const std::string& id, const std::string& parent,
               SpanProto::SpanKind kind, std::uint64_t start) {
  SpanProto span;
  span.set_trace_id(Bytes(trace));
  span.set_span_id(Bytes(id));
  if (!parent.empty()) {
    span.set_parent_span_id(Bytes(parent));
  }
  span.set_name("op");
  span.set_kind(kind);
  span.set_start_time_unix_nano(start);
  span.set_end_time_unix_nano(start + 250'000'000);
  return span;
}

// One ResourceSpans of service `service` holding `spans`.
RequestProto Request(const std::string& service, std::initializer_list<SpanProto> spans) {
  RequestProto request;
  auto* rs = request.add_resource_spans();
  AddString(rs->mutable_resource()->mutable_attributes(), "service.name", service);
  auto* scope = rs->add_scope_spans();
  for (const SpanProto& span : spans) {
    *scope->add_spans() = span;
  }
  return request;
}

// The port of `name=127.0.0.1:PORT` in the daemon's start-up line; 0 if absent.
std::uint16_t LoggedPort(const DaemonProcess& daemon, const std::string& name) {
  std::smatch match;
  const std::string log = daemon.Log();
  if (!std::regex_search(log, match, std::regex(name + "=127\\.0\\.0\\.1:([0-9]+)"))) {
    return 0;
  }
  return static_cast<std::uint16_t>(std::stoi(match[1]));
}

class OtlpGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("otlp-grpc");
    daemon_ = std::make_unique<DaemonProcess>(
        dir_, std::vector<std::string>{"--otlp-grpc", "127.0.0.1:0", "--otlp-http", "off",
                                       "--otlp-index-attribute", "tenant"});
    ASSERT_TRUE(daemon_->Started());
    grpc_port_ = LoggedPort(*daemon_, "otlp_grpc");
    ASSERT_NE(grpc_port_, 0) << daemon_->Log();
    client_ = std::make_unique<TraceClient>(grpc_port_);
  }

  // Trace ids (X-Ray form) of GetTraceSummaries for `filter` over the last hour of events.
  std::set<std::string> Find(const std::string& filter) {
    json body{{"StartTime", Now() - 3600},
              {"EndTime", Now() + 60},
              {"TimeRangeType", "Event"},
              {"FilterExpression", filter}};
    HttpResult result = HttpPost(daemon_->TcpPort(), "/TraceSummaries", body.dump());
    EXPECT_EQ(result.status, 200) << result.body;
    std::set<std::string> ids;
    json parsed = json::parse(result.body, nullptr, false);
    if (parsed.is_object() && parsed["TraceSummaries"].is_array()) {
      for (const json& summary : parsed["TraceSummaries"]) {
        ids.insert(summary["Id"].get<std::string>());
      }
    }
    return ids;
  }

  std::string dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::uint16_t grpc_port_ = 0;
  std::unique_ptr<TraceClient> client_;
};

TEST_F(OtlpGrpcTest, ExportedSpansAreStoredAndQueryableLikeSegments) {
  const std::uint64_t start = NowNanos() - 30'000'000'000ull;
  // Trace A, service "checkout": a SERVER span answering 500 for tenant t1, and a CLIENT call.
  SpanProto server = Span(kTraceA, "a000000000000001", "", SpanProto::SPAN_KIND_SERVER, start);
  AddString(server.mutable_attributes(), "http.request.method", "POST");
  AddInt(server.mutable_attributes(), "http.response.status_code", 500);
  AddString(server.mutable_attributes(), "tenant", "t1");
  SpanProto client = Span(kTraceA, "a000000000000002", "a000000000000001",
                          SpanProto::SPAN_KIND_CLIENT, start + 1000);
  AddString(client.mutable_attributes(), "peer.service", "payments");
  ExportResponseProto response;
  grpc::Status status = client_->Export(Request("checkout", {server, client}), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.has_partial_success());
  // Trace B, service "cart", gzip-compressed: a SERVER span answering 200 for tenant t2.
  SpanProto cart = Span(kTraceB, "b000000000000001", "", SpanProto::SPAN_KIND_SERVER, start);
  AddString(cart.mutable_attributes(), "http.method", "GET");
  AddInt(cart.mutable_attributes(), "http.status_code", 200);
  AddString(cart.mutable_attributes(), "tenant", "t2");
  status = client_->Export(Request("cart", {cart}), &response, true);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(daemon_->WaitForMetric("xrayd_segments_stored_total", 3), 3);
  EXPECT_EQ(daemon_->Metric("xrayd_otlp_requests_total{transport=\"grpc\"}"), 2);
  EXPECT_EQ(daemon_->Metric("xrayd_otlp_spans_accepted_total{transport=\"grpc\"}"), 3);
  EXPECT_EQ(daemon_->Metric("xrayd_otlp_spans_accepted_total{transport=\"http\"}"), 0);
  const std::string a_id = XrayId(kTraceA);
  const std::string b_id = XrayId(kTraceB);
  ASSERT_TRUE(WaitUntil([&] { return Find("").size() == 2; }, std::chrono::seconds(20)));
  EXPECT_EQ(Find(R"(annotation.tenant = "t1")"), std::set<std::string>{a_id});
  EXPECT_EQ(Find(R"(annotation.tenant = "t2")"), std::set<std::string>{b_id});
  EXPECT_EQ(Find(R"(service("payments"))"), std::set<std::string>{a_id});
  EXPECT_EQ(Find("http.status = 500"), std::set<std::string>{a_id});
  EXPECT_EQ(Find("fault"), std::set<std::string>{a_id});
  EXPECT_EQ(Find("!fault"), std::set<std::string>{b_id});

  HttpResult traces =
      HttpPost(daemon_->TcpPort(), "/Traces", json{{"TraceIds", {a_id, b_id}}}.dump());
  ASSERT_EQ(traces.status, 200) << traces.body;
  json parsed = json::parse(traces.body);
  ASSERT_EQ(parsed["Traces"].size(), 2u) << traces.body;
  std::set<std::string> names;
  for (const json& trace : parsed["Traces"]) {
    for (const json& segment : trace["Segments"]) {
      json doc = json::parse(segment["Document"].get<std::string>());
      names.insert(doc["name"].get<std::string>() + ":" + doc["id"].get<std::string>());
    }
  }
  EXPECT_TRUE(names.count("checkout:a000000000000001")) << traces.body;
  EXPECT_TRUE(names.count("cart:b000000000000001")) << traces.body;
  EXPECT_NE(traces.body.find("a000000000000002"), std::string::npos) << traces.body;
}

TEST_F(OtlpGrpcTest, BadInputIsInvalidArgumentOrPartialSuccessAndCounted) {
  grpc::Status garbage = client_->ExportRaw(std::string("\x0a\xff\xff\xff\xff\x0f", 6));
  EXPECT_EQ(garbage.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(garbage.error_message().empty());
  EXPECT_EQ(daemon_->Metric(
                "xrayd_otlp_requests_refused_total{transport=\"grpc\",reason=\"bad_protobuf\"}"),
            1);

  SpanProto bad = Span(kTraceA, "a000000000000009", "", SpanProto::SPAN_KIND_SERVER, NowNanos());
  bad.set_span_id("x");
  SpanProto good = Span(kTraceA, "a00000000000000a", "", SpanProto::SPAN_KIND_SERVER, NowNanos());
  ExportResponseProto response;
  ASSERT_TRUE(client_->Export(Request("checkout", {bad, good}), &response).ok());
  EXPECT_EQ(response.partial_success().rejected_spans(), 1);
  EXPECT_FALSE(response.partial_success().error_message().empty());
  EXPECT_EQ(daemon_->Metric(
                "xrayd_otlp_spans_rejected_total{transport=\"grpc\",reason=\"invalid_span\"}"),
            1);

  // Over the API's size limit (8 MiB): gRPC's RESOURCE_EXHAUSTED; the daemon still serves.
  SpanProto big = good;
  AddString(big.mutable_attributes(), "blob", std::string(9u << 20, 'x'));
  EXPECT_EQ(client_->Export(Request("checkout", {big}), &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(client_->Export(Request("checkout", {good}), &response).ok());
  EXPECT_EQ(HttpGet(daemon_->TcpPort(), "/healthz").status, 200);
}

TEST_F(OtlpGrpcTest, SigtermAfterTheExportsStoresEveryAcceptedSpan) {
  const std::uint64_t start = NowNanos();
  int accepted = 0;
  for (int i = 0; i < 20; ++i) {
    RequestProto request;
    auto* scope = request.add_resource_spans()->add_scope_spans();
    for (int j = 0; j < 25; ++j) {
      char id[17];
      std::snprintf(id, sizeof(id), "c%07x%08x", i, j + 1);
      *scope->add_spans() = Span(kTraceB, id, "", SpanProto::SPAN_KIND_SERVER, start);
    }
    ExportResponseProto response;
    grpc::Status status = client_->Export(request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    accepted += 25 - static_cast<int>(response.partial_success().rejected_spans());
  }
  EXPECT_EQ(accepted, 500);
  EXPECT_EQ(daemon_->Stop(), 0);
  EXPECT_NE(daemon_->Log().find("xrayd stopped: 500 documents stored"), std::string::npos)
      << daemon_->Log();
}

TEST(OtlpGrpcListenerTest, OffDisablesTheListener) {
  // The test harness passes off already; a listener asked for first shows that off wins.
  DaemonProcess off(MakeTempDir("otlp-grpc-off"),
                    {"--otlp-grpc", "127.0.0.1:0", "--otlp-grpc", "off", "--otlp-http", "off"});
  ASSERT_TRUE(off.Started());
  EXPECT_NE(off.Log().find("otlp_grpc=off"), std::string::npos) << off.Log();
}

TEST(OtlpGrpcListenerTest, ExplicitAddressThatCannotBeBoundIsAStartUpError) {
  DaemonProcess holder(MakeTempDir("otlp-grpc-holder"),
                       {"--otlp-grpc", "off", "--otlp-http", "off"});
  ASSERT_TRUE(holder.Started());
  CommandResult result = RunXrayd({"--offline", "--data-dir", MakeTempDir("otlp-grpc-taken"), "-b",
                                   "127.0.0.1:0", "-t", "127.0.0.1:0", "--otlp-http", "off",
                                   "--otlp-grpc", "127.0.0.1:" + std::to_string(holder.TcpPort())});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("--otlp-grpc"), std::string::npos) << result.err;
}

// A default address that is taken (simulated: a non-explicit address already in use) is only a
// warning: the daemon starts without that listener. The same address given explicitly fails.
TEST(OtlpGrpcListenerTest, TakenDefaultAddressIsOnlyAWarning) {
  DaemonProcess holder(MakeTempDir("otlp-grpc-holder"),
                       {"--otlp-grpc", "off", "--otlp-http", "off"});
  ASSERT_TRUE(holder.Started());
  daemon::DaemonConfig config = testing_support::TestDaemonConfig();
  config.data_dir = MakeTempDir("otlp-grpc-default");
  config.offline = true;
  config.udp = daemon::Endpoint{"127.0.0.1", 0};
  config.tcp = daemon::Endpoint{"127.0.0.1", 0};
  config.otlp_http.reset();
  config.otlp_grpc = daemon::Endpoint{"127.0.0.1", holder.TcpPort()};
  config.otlp_grpc_explicit = false;
  daemon::Daemon d(config);
  ASSERT_TRUE(d.Start());
  EXPECT_FALSE(d.OtlpGrpcEndpoint().has_value());
  config.otlp_grpc_explicit = true;
  config.data_dir = MakeTempDir("otlp-grpc-explicit");
  daemon::Daemon explicit_daemon(config);
  Status started = explicit_daemon.Start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("--otlp-grpc"), std::string::npos);
  d.Stop();
}

TEST(OtlpGrpcConfigTest, PrintConfigAndConfigFile) {
  CommandResult result = RunXrayd({"--print-config", "--otlp-grpc", "127.0.0.1:4999"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::regex_search(result.out, std::regex("otlp_grpc_address +127.0.0.1:4999 +flag")))
      << result.out;
  CommandResult defaults = RunXrayd({"--print-config"});
  EXPECT_TRUE(
      std::regex_search(defaults.out, std::regex("otlp_grpc_address +127.0.0.1:4317 +default")))
      << defaults.out;
  const std::string path = MakeTempDir("otlp-grpc-cfg") + "/cfg.yaml";
  std::ofstream(path) << "Version: 2\nXrayd:\n  OtlpGrpcAddress: \"off\"\n";
  CommandResult file = RunXrayd({"-c", path, "--print-config"});
  EXPECT_EQ(file.exit_code, 0) << file.err;
  EXPECT_TRUE(std::regex_search(file.out, std::regex("otlp_grpc_address +off +config")))
      << file.out;
}

}  // namespace
}  // namespace xrayd::testing_support
