// The OTLP/HTTP receiver of the real daemon: spans posted as protobuf (plain and gzip) and JSON,
// on the --otlp-http listener and on the TCP address, are stored like UDP segments and found by
// GetTraceSummaries filters and BatchGetTraces; bad input gets 400/415 and is counted; an
// explicit --otlp-http address that cannot be bound stops start-up, a taken default does not.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/daemon.h"
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
using xrayd::daemon::otlp::testing::Gzip;
using xrayd::daemon::otlp::testing::RequestProto;
using xrayd::daemon::otlp::testing::SpanProto;

// A W3C random trace id: its first 4 bytes (ffffffff) are no plausible epoch.
constexpr const char* kTraceA = "ffffffff0123456789abcdef00000001";
constexpr const char* kTraceB = "ffffffff0123456789abcdef00000002";
constexpr const char* kTraceC = "ffffffff0123456789abcdef00000003";

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

// Trace A of service "checkout": a SERVER span answering 500 with tenant t1, and a CLIENT call.
RequestProto TraceA(std::uint64_t start) {
  RequestProto request;
  auto* rs = request.add_resource_spans();
  AddString(rs->mutable_resource()->mutable_attributes(), "service.name", "checkout");
  auto* spans = rs->add_scope_spans();
  SpanProto server = Span(kTraceA, "a000000000000001", "", SpanProto::SPAN_KIND_SERVER, start);
  AddString(server.mutable_attributes(), "http.request.method", "POST");
  AddInt(server.mutable_attributes(), "http.response.status_code", 500);
  AddString(server.mutable_attributes(), "tenant", "t1");
  *spans->add_spans() = server;
  SpanProto client = Span(kTraceA, "a000000000000002", "a000000000000001",
                          SpanProto::SPAN_KIND_CLIENT, start + 1000);
  AddString(client.mutable_attributes(), "peer.service", "payments");
  *spans->add_spans() = client;
  return request;
}

// Trace B of service "cart" as OTLP JSON: a SERVER span answering 200 with tenant t2.
std::string TraceBJson(std::uint64_t start) {
  json span{{"traceId", kTraceB},
            {"spanId", "b000000000000001"},
            {"name", "GET /cart"},
            {"kind", 2},
            {"startTimeUnixNano", std::to_string(start)},
            {"endTimeUnixNano", std::to_string(start + 100'000'000)},
            {"attributes",
             {{{"key", "http.method"}, {"value", {{"stringValue", "GET"}}}},
              {{"key", "http.status_code"}, {"value", {{"intValue", "200"}}}},
              {{"key", "tenant"}, {"value", {{"stringValue", "t2"}}}}}}};
  json resource{{"attributes", {{{"key", "service.name"}, {"value", {{"stringValue", "cart"}}}}}}};
  return json{{"resourceSpans", {{{"resource", resource}, {"scopeSpans", {{{"spans", {span}}}}}}}}}
      .dump();
}

// POST /v1/traces to 127.0.0.1:port with `headers` (name -> value) and `body`; Content-Length is
// `content_length` when given (the body may then be shorter: the server decides on the header),
// else the body's size. Reads until the server closes; status 0 if unreachable. 10 s timeout.
HttpResult PostTraces(std::uint16_t port, const std::map<std::string, std::string>& headers,
                      const std::string& body, std::optional<std::size_t> content_length = {}) {
  HttpResult result;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return result;
  }
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return result;
  }
  std::string request = "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nConnection: close\r\nContent-Length: " +
                        std::to_string(content_length.value_or(body.size())) + "\r\n";
  for (const auto& [name, value] : headers) {
    request += name + ": " + value + "\r\n";
  }
  request += "\r\n" + body;
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      break;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buffer[8192];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) {
    response.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const std::size_t end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) {
    return result;
  }
  result.status = std::atoi(response.c_str() + 9);
  result.headers = response.substr(0, end);
  result.body = response.substr(end + 4);
  return result;
}

std::uint16_t OtlpPort(const DaemonProcess& daemon) {
  std::smatch match;
  const std::string log = daemon.Log();
  static const std::regex kPort("otlp_http=127\\.0\\.0\\.1:([0-9]+)");
  if (!std::regex_search(log, match, kPort)) {
    return 0;
  }
  return static_cast<std::uint16_t>(std::stoi(match[1]));
}

class OtlpHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("otlp-http");
    daemon_ = std::make_unique<DaemonProcess>(
        dir_,
        std::vector<std::string>{"--otlp-http", "127.0.0.1:0", "--otlp-index-attribute", "tenant"});
    ASSERT_TRUE(daemon_->Started());
    otlp_port_ = OtlpPort(*daemon_);
    ASSERT_NE(otlp_port_, 0) << daemon_->Log();
  }

  HttpResult PostOtlp(std::uint16_t port, const std::string& body, const std::string& type,
                      const std::string& encoding = "") {
    std::map<std::string, std::string> headers{{"Content-Type", type}};
    if (!encoding.empty()) {
      headers["Content-Encoding"] = encoding;
    }
    return PostTraces(port, headers, body);
  }

  // Trace ids (X-Ray form) of GetTraceSummaries for `filter` over the last hour of events.
  std::set<std::string> Find(const std::string& filter) {
    // TimeRangeType Event: the default (TraceId) reads the time from the id's first 4 bytes, which
    // a W3C random id does not hold.
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
  std::uint16_t otlp_port_ = 0;
};

TEST_F(OtlpHttpTest, SpansAreStoredAndQueryableLikeSegments) {
  const std::uint64_t start = NowNanos() - 30'000'000'000ull;
  // Protobuf on the OTLP listener, JSON and gzip'd protobuf on the TCP address.
  HttpResult a = PostOtlp(otlp_port_, TraceA(start).SerializeAsString(), "application/x-protobuf");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.headers.find("application/x-protobuf"), std::string::npos);
  HttpResult b = PostOtlp(daemon_->TcpPort(), TraceBJson(start), "application/json");
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(json::parse(b.body), json::object());
  RequestProto c;
  auto* rs = c.add_resource_spans();
  AddString(rs->mutable_resource()->mutable_attributes(), "service.name", "cart");
  *rs->add_scope_spans()->add_spans() =
      Span(kTraceC, "c000000000000001", "", SpanProto::SPAN_KIND_SERVER, start);
  HttpResult gz =
      PostOtlp(daemon_->TcpPort(), Gzip(c.SerializeAsString()), "application/x-protobuf", "gzip");
  ASSERT_EQ(gz.status, 200) << gz.body;

  EXPECT_EQ(daemon_->WaitForMetric("xrayd_segments_stored_total", 4), 4);
  EXPECT_EQ(daemon_->Metric("xrayd_otlp_spans_accepted_total{transport=\"http\"}"), 4);
  const std::string a_id = XrayId(kTraceA);
  const std::string b_id = XrayId(kTraceB);
  const std::string c_id = XrayId(kTraceC);
  // Summaries are built in the background: wait until all three traces are searchable.
  ASSERT_TRUE(WaitUntil([&] { return Find("").size() == 3; }, std::chrono::seconds(20)));
  EXPECT_EQ(Find(R"(annotation.tenant = "t1")"), std::set<std::string>{a_id});
  EXPECT_EQ(Find(R"(annotation.tenant = "t2")"), std::set<std::string>{b_id});
  EXPECT_EQ(Find(R"(service("cart"))"), (std::set<std::string>{b_id, c_id}));
  EXPECT_EQ(Find(R"(service("payments"))"), std::set<std::string>{a_id});
  EXPECT_EQ(Find("http.status = 500"), std::set<std::string>{a_id});
  EXPECT_EQ(Find("fault"), std::set<std::string>{a_id});
  EXPECT_EQ(Find("!fault"), (std::set<std::string>{b_id, c_id}));

  // BatchGetTraces returns the segment and the subsegment stored as its own document.
  HttpResult traces = HttpPost(daemon_->TcpPort(), "/Traces", json{{"TraceIds", {a_id}}}.dump());
  ASSERT_EQ(traces.status, 200) << traces.body;
  json parsed = json::parse(traces.body);
  ASSERT_EQ(parsed["Traces"].size(), 1u);
  EXPECT_EQ(parsed["Traces"][0]["Id"], a_id);
  std::set<std::string> names;
  for (const json& segment : parsed["Traces"][0]["Segments"]) {
    json doc = json::parse(segment["Document"].get<std::string>());
    names.insert(doc["name"].get<std::string>() + ":" + doc["id"].get<std::string>());
  }
  EXPECT_TRUE(names.count("checkout:a000000000000001")) << traces.body;
  EXPECT_NE(traces.body.find("a000000000000002"), std::string::npos) << traces.body;
}

TEST_F(OtlpHttpTest, PartialSuccessForSpansThatCannotBeSegments) {
  RequestProto request = TraceA(NowNanos());
  request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->set_span_id("x");
  HttpResult result = PostOtlp(otlp_port_, request.SerializeAsString(), "application/x-protobuf");
  ASSERT_EQ(result.status, 200);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
  ASSERT_TRUE(response.ParseFromString(result.body));
  EXPECT_EQ(response.partial_success().rejected_spans(), 1);
  EXPECT_FALSE(response.partial_success().error_message().empty());
  EXPECT_EQ(daemon_->Metric(
                "xrayd_otlp_spans_rejected_total{transport=\"http\",reason=\"invalid_span\"}"),
            1);
}

TEST_F(OtlpHttpTest, BadInputIsRefusedAndCounted) {
  HttpResult garbage =
      PostOtlp(otlp_port_, std::string("\x0a\xff\xff\xff\xff\x0f", 6), "application/x-protobuf");
  EXPECT_EQ(garbage.status, 400);
  HttpResult bad_json = PostOtlp(daemon_->TcpPort(), "{\"resourceSpans\": 1}", "application/json");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(json::parse(bad_json.body)["code"], 3);
  HttpResult bad_gzip = PostOtlp(otlp_port_, "not gzip", "application/json", "gzip");
  EXPECT_EQ(bad_gzip.status, 400);
  HttpResult text = PostOtlp(otlp_port_, "<spans/>", "application/xml");
  EXPECT_EQ(text.status, 415);
  EXPECT_EQ(daemon_->Metric(
                "xrayd_otlp_requests_refused_total{transport=\"http\",reason=\"bad_protobuf\"}"),
            1);
  EXPECT_EQ(
      daemon_->Metric("xrayd_otlp_requests_refused_total{transport=\"http\",reason=\"bad_json\"}"),
      1);
  EXPECT_EQ(
      daemon_->Metric("xrayd_otlp_requests_refused_total{transport=\"http\",reason=\"bad_gzip\"}"),
      1);
  EXPECT_EQ(daemon_->Metric("xrayd_otlp_requests_refused_total{transport=\"http\",reason="
                            "\"unsupported_media_type\"}"),
            1);
  // Over the API's body limit (8 MiB): 413 from the HTTP server.
  HttpResult big =
      PostTraces(otlp_port_, {{"Content-Type", "application/x-protobuf"}}, "", 9u << 20);
  EXPECT_EQ(big.status, 413);
  // The daemon still serves.
  EXPECT_EQ(HttpGet(daemon_->TcpPort(), "/healthz").status, 200);
}

TEST_F(OtlpHttpTest, OffDisablesTheListenerButNotTheRoute) {
  const std::string dir = MakeTempDir("otlp-off");
  // The test harness passes off already; a listener asked for first shows that off wins.
  DaemonProcess off(dir, {"--otlp-http", "127.0.0.1:0", "--otlp-http", "off"});
  ASSERT_TRUE(off.Started());
  EXPECT_NE(off.Log().find("otlp_http=off"), std::string::npos) << off.Log();
  HttpResult result = PostTraces(off.TcpPort(), {{"Content-Type", "application/json"}}, "{}");
  EXPECT_EQ(result.status, 200);
}

TEST_F(OtlpHttpTest, ExplicitAddressThatCannotBeBoundIsAStartUpError) {
  const std::string dir = MakeTempDir("otlp-taken");
  CommandResult result =
      RunXrayd({"--offline", "--data-dir", dir, "-b", "127.0.0.1:0", "-t", "127.0.0.1:0",
                "--otlp-http", "127.0.0.1:" + std::to_string(daemon_->TcpPort())});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("--otlp-http"), std::string::npos) << result.err;
}

TEST_F(OtlpHttpTest, PrintConfigShowsTheSettings) {
  CommandResult result = RunXrayd({"--print-config", "--otlp-http", "127.0.0.1:4999",
                                   "--otlp-index-attribute", "a,b", "--otlp-index-all"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::regex_search(result.out, std::regex("otlp_http_address +127.0.0.1:4999 +flag")))
      << result.out;
  EXPECT_TRUE(std::regex_search(result.out, std::regex("otlp_index_attributes +\"?a,b")))
      << result.out;
  EXPECT_TRUE(std::regex_search(result.out, std::regex("otlp_index_all +true"))) << result.out;
  CommandResult defaults = RunXrayd({"--print-config"});
  EXPECT_TRUE(
      std::regex_search(defaults.out, std::regex("otlp_http_address +127.0.0.1:4318 +default")))
      << defaults.out;
}

TEST_F(OtlpHttpTest, ConfigFileKeysUnderXrayd) {
  const std::string path = MakeTempDir("otlp-cfg") + "/cfg.yaml";
  std::ofstream(path) << "Version: 2\nXrayd:\n  OtlpHttpAddress: \"off\"\n"
                         "  OtlpIndexAttributes: [tenant, order.id]\n  OtlpIndexAll: true\n";
  CommandResult result = RunXrayd({"-c", path, "--print-config"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::regex_search(result.out, std::regex("otlp_http_address +off +config")))
      << result.out;
  EXPECT_TRUE(
      std::regex_search(result.out, std::regex("otlp_index_attributes +\"?tenant,order.id")))
      << result.out;
  EXPECT_TRUE(std::regex_search(result.out, std::regex("otlp_index_all +true +config")))
      << result.out;
}

// A default address that is taken (simulated: a non-explicit address already in use) is only a
// warning: the daemon starts without that listener.
TEST(OtlpHttpDefaultTest, TakenDefaultAddressIsOnlyAWarning) {
  const std::string dir = MakeTempDir("otlp-default");
  DaemonProcess holder(MakeTempDir("otlp-holder"), {"--otlp-http", "off"});
  ASSERT_TRUE(holder.Started());
  daemon::DaemonConfig config = testing_support::TestDaemonConfig();
  config.data_dir = dir;
  config.offline = true;
  config.udp = daemon::Endpoint{"127.0.0.1", 0};
  config.tcp = daemon::Endpoint{"127.0.0.1", 0};
  config.otlp_http = daemon::Endpoint{"127.0.0.1", holder.TcpPort()};
  config.otlp_http_explicit = false;
  daemon::Daemon d(config);
  ASSERT_TRUE(d.Start());
  EXPECT_FALSE(d.OtlpHttpEndpoint().has_value());
  config.otlp_http_explicit = true;
  config.data_dir = MakeTempDir("otlp-explicit");
  daemon::Daemon explicit_daemon(config);
  EXPECT_FALSE(explicit_daemon.Start());
  d.Stop();
}

}  // namespace
}  // namespace xrayd::testing_support
