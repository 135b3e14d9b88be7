// The trace operations of the X-Ray API against the real daemon process: PutTraceSegments and UDP
// feed the same store; GetTraceSummaries filters, pages and reports errors as AWS does;
// BatchGetTraces enforces AWS's limits.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/daemon_process_support.h"

namespace xrayd::testing_support {
namespace {

using nlohmann::json;

std::string Segment(const std::string& trace_id, const std::string& id, double start,
                    double response_time, const std::string& user, bool fault) {
  json doc{{"trace_id", trace_id},
           {"id", id},
           {"name", "checkout"},
           {"start_time", start},
           {"end_time", start + response_time},
           {"user", user},
           {"annotations", {{"username", user}}},
           {"http",
            {{"request", {{"method", "POST"}, {"url", "https://shop/api/cart"}}},
             {"response", {{"status", fault ? 500 : 200}}}}}};
  if (fault)
    doc["fault"] = true;
  return doc.dump();
}

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string TraceId(int i) {
  char text[40];
  std::snprintf(text, sizeof text, "1-%08x-%024d", static_cast<unsigned>(Now()), i);
  return text;
}

json Post(DaemonProcess& daemon, const std::string& path, const json& body, int expect_status) {
  HttpResult result = HttpPost(daemon.TcpPort(), path, body.dump());
  EXPECT_EQ(result.status, expect_status) << path << " " << result.body;
  json parsed = json::parse(result.body, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << result.body;
  return parsed;
}

class TraceApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("trace-api");
    daemon_ = std::make_unique<DaemonProcess>(dir_);
    ASSERT_TRUE(daemon_->Started());
    // 12 traces: even ones over UDP, odd ones through PutTraceSegments; 3 are alice's, 4 slow.
    const double start = Now() - 30;
    json documents = json::array();
    for (int i = 0; i < 12; ++i) {
      const std::string user = i % 4 == 0 ? "alice" : "bob";
      ids_.push_back(TraceId(i));
      const std::string doc = Segment(
          ids_.back(), "00000000000000" + std::string(i < 10 ? "0" : "") + std::to_string(i),
          start + i, i % 3 == 0 ? 4.0 : 0.5, user, i == 5);
      if (i % 2 == 0) {
        SendUdp(daemon_->UdpPort(), "{\"format\":\"json\",\"version\":1}\n" + doc);
      } else {
        documents.push_back(doc);
      }
    }
    json put = Post(*daemon_, "/TraceSegments", {{"TraceSegmentDocuments", documents}}, 200);
    EXPECT_EQ(put["UnprocessedTraceSegments"], json::array());
    daemon_->WaitForMetric("xrayd_segments_stored_total", 12);
  }

  json Summaries(const std::string& filter, int status = 200, const std::string& token = "") {
    // Fixed times: a NextToken only resumes a request with the same parameters.
    json body{{"StartTime", window_start_},
              {"EndTime", window_start_ + 7200},
              {"FilterExpression", filter}};
    if (!token.empty())
      body["NextToken"] = token;
    return Post(*daemon_, "/TraceSummaries", body, status);
  }

  // Stores `count` traces of `user` (response time 0.1 s), trace ids numbered from `first`, through
  // PutTraceSegments 50 documents at a time (AWS's limit), and waits until the daemon has stored
  // `stored_total` documents in all.
  void PutUserTraces(int first, int count, const std::string& user, std::int64_t stored_total) {
    json documents = json::array();
    const double start = Now() - 20;
    for (int i = 0; i < count; ++i) {
      char id[17];
      std::snprintf(id, sizeof id, "%016x", static_cast<unsigned>(first + i));
      documents.push_back(Segment(TraceId(first + i), id, start, 0.1, user, false));
      if (documents.size() == 50 || i + 1 == count) {
        Post(*daemon_, "/TraceSegments", {{"TraceSegmentDocuments", documents}}, 200);
        documents = json::array();
      }
    }
    daemon_->WaitForMetric("xrayd_segments_stored_total", stored_total);
  }

  const double window_start_ = Now() - 3600;
  std::string dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::vector<std::string> ids_;
};

TEST_F(TraceApiTest, FilterFindsTheTutorialTraces) {
  json response = Summaries(R"(annotation.username = "alice" AND responsetime > 3)");
  ASSERT_TRUE(response["TraceSummaries"].is_array());
  std::vector<std::string> found;
  for (const json& s : response["TraceSummaries"])
    found.push_back(s["Id"]);
  // alice: i = 0, 4, 8; slow: i % 3 == 0 -> 0 and (not 4) and (not 8)... i = 0 only.
  EXPECT_EQ(found, std::vector<std::string>{ids_[0]});
  const json& summary = response["TraceSummaries"][0];
  EXPECT_DOUBLE_EQ(summary["ResponseTime"].get<double>(), 4.0);
  EXPECT_EQ(summary["Http"]["HttpStatus"], 200);
  EXPECT_EQ(summary["Users"][0]["UserName"], "alice");
  EXPECT_TRUE(response.contains("ApproximateTime"));
  EXPECT_GE(response["TracesProcessedCount"].get<int>(), 1);

  json faults = Summaries("fault");
  ASSERT_EQ(faults["TraceSummaries"].size(), 1u);
  EXPECT_EQ(faults["TraceSummaries"][0]["Id"], ids_[5]);
  EXPECT_EQ(faults["TraceSummaries"][0]["HasFault"], true);
}

TEST_F(TraceApiTest, EveryTraceNewestFirstWithoutFilter) {
  json response = Summaries("");
  std::vector<std::string> found;
  for (const json& s : response["TraceSummaries"])
    found.push_back(s["Id"]);
  EXPECT_EQ(found, std::vector<std::string>(ids_.rbegin(), ids_.rend()));
}

TEST_F(TraceApiTest, InvalidFilterIsA400NamingTheToken) {
  HttpResult result = HttpPost(
      daemon_->TcpPort(), "/TraceSummaries",
      json{{"StartTime", Now() - 60}, {"EndTime", Now()}, {"FilterExpression", "user = alice"}}
          .dump());
  EXPECT_EQ(result.status, 400);
  EXPECT_NE(result.headers.find("X-Amzn-ErrorType: InvalidRequestException"), std::string::npos)
      << result.headers;
  json body = json::parse(result.body);
  EXPECT_EQ(body["__type"], "InvalidRequestException");
  EXPECT_NE(body["message"].get<std::string>().find("alice"), std::string::npos) << body;
  EXPECT_NE(body["message"].get<std::string>().find("column 8"), std::string::npos) << body;

  json unknown_group = Summaries(R"(group.name = "no-such-group")", 400);
  EXPECT_NE(unknown_group["message"].get<std::string>().find("no-such-group"), std::string::npos);
  json backwards =
      Post(*daemon_, "/TraceSummaries", {{"StartTime", Now()}, {"EndTime", Now() - 5}}, 400);
  EXPECT_EQ(backwards["__type"], "InvalidRequestException");
  Post(*daemon_, "/TraceSummaries", {{"EndTime", Now()}}, 400);
  Summaries("", 400, "bogus-token");
}

TEST_F(TraceApiTest, BatchGetTracesReturnsStoredTracesAndAwsLimits) {
  json response =
      Post(*daemon_, "/Traces",
           {{"TraceIds", {ids_[1], ids_[2], "1-00000000-000000000000000000000000"}}}, 200);
  ASSERT_EQ(response["Traces"].size(), 2u);
  EXPECT_EQ(response["UnprocessedTraceIds"], json::array({"1-00000000-000000000000000000000000"}));
  json segment = json::parse(response["Traces"][0]["Segments"][0]["Document"].get<std::string>());
  EXPECT_EQ(segment["name"], "checkout");

  json too_many = Post(*daemon_, "/Traces",
                       {{"TraceIds", {ids_[0], ids_[1], ids_[2], ids_[3], ids_[4], ids_[5]}}}, 400);
  EXPECT_EQ(too_many["message"], "Exceeding maximum query size: 5");
  json token = Post(*daemon_, "/Traces", {{"TraceIds", {ids_[0]}}, {"NextToken", "x"}}, 400);
  EXPECT_EQ(token["message"], "NextToken is currently not supported");
}

TEST_F(TraceApiTest, PutTraceSegmentsReportsBadDocumentsAndLimits) {
  json response = Post(
      *daemon_, "/TraceSegments",
      {{"TraceSegmentDocuments",
        {R"({"trace_id":"bad","id":"0000000000000001","name":"a","start_time":1,"end_time":2})",
         "not json"}}},
      200);
  ASSERT_EQ(response["UnprocessedTraceSegments"].size(), 2u);
  EXPECT_EQ(response["UnprocessedTraceSegments"][0]["Id"], "0000000000000001");
  EXPECT_EQ(response["UnprocessedTraceSegments"][0]["ErrorCode"], "InvalidTraceId");
  EXPECT_EQ(response["UnprocessedTraceSegments"][1]["ErrorCode"], "InvalidJson");
  json many = json::array();
  for (int i = 0; i < 51; ++i)
    many.push_back("{}");
  json limit = Post(*daemon_, "/TraceSegments", {{"TraceSegmentDocuments", many}}, 400);
  EXPECT_EQ(limit["message"], "Exceeding maximum segment count: 50");
}

TEST_F(TraceApiTest, PagesOfAHundredWithTokens) {
  PutUserTraces(1000, 130, "carol", 142);
  json first = Summaries(R"(user = "carol")");
  ASSERT_EQ(first["TraceSummaries"].size(), 100u);
  ASSERT_TRUE(first.contains("NextToken"));
  json second = Summaries(R"(user = "carol")", 200, first["NextToken"]);
  EXPECT_EQ(second["TraceSummaries"].size(), 30u);
  EXPECT_FALSE(second.contains("NextToken"));
  // A token only resumes the request it came from.
  Summaries(R"(user = "bob")", 400, first["NextToken"]);
}

// Sends `request` on a new loopback connection to `port` and closes it without reading the answer.
void SendAndHangUp(std::uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  ::close(fd);
}

// A search evaluates every candidate of service("checkout") from its documents; the client that
// asked hangs up at once, so the search stops at its first check instead of filling the page.
TEST_F(TraceApiTest, ASearchWhoseClientHungUpStops) {
  PutUserTraces(2000, 200, "dave", 212);
  EXPECT_EQ(daemon_->Metric("xrayd_searches_cancelled_total"), 0);
  const std::string body = json{{"StartTime", window_start_},
                                {"EndTime", window_start_ + 7200},
                                {"FilterExpression", R"(service("checkout"))"}}
                               .dump();
  SendAndHangUp(daemon_->TcpPort(),
                "POST /TraceSummaries HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(daemon_->WaitForMetric("xrayd_searches_cancelled_total", 1), 1);
  // A client that stays gets its whole page.
  EXPECT_EQ(Summaries(R"(service("checkout"))")["TraceSummaries"].size(), 100u);
  EXPECT_EQ(daemon_->Metric("xrayd_searches_cancelled_total"), 1);
}

}  // namespace
}  // namespace xrayd::testing_support

namespace xrayd::testing_support {
namespace {

// Groups apply to traces that arrive after the group: group.name in filters and GroupName in
// GetServiceGraph select the same members.
TEST(TraceApiGroupsTest, GroupFilterSelectsLaterTracesInSummariesAndServiceGraph) {
  const std::string dir = MakeTempDir("trace-api-groups");
  DaemonProcess daemon(dir);
  ASSERT_TRUE(daemon.Started());
  const double start = Now() - 60;
  Post(daemon, "/CreateGroup", {{"GroupName", "alices"}, {"FilterExpression", R"(user = "alice")"}},
       200);
  json documents = json::array();
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(TraceId(2000 + i));
    json doc = json::parse(Segment(ids.back(), "000000000000200" + std::to_string(i), start + i,
                                   0.2, i % 2 == 0 ? "alice" : "bob", false));
    doc["name"] = i % 2 == 0 ? "alice-svc" : "bob-svc";
    documents.push_back(doc.dump());
  }
  Post(daemon, "/TraceSegments", {{"TraceSegmentDocuments", documents}}, 200);
  daemon.WaitForMetric("xrayd_segments_stored_total", 4);

  json summaries = Post(daemon, "/TraceSummaries",
                        {{"StartTime", start - 10},
                         {"EndTime", start + 3600},
                         {"FilterExpression", R"(group.name = "alices")"}},
                        200);
  std::vector<std::string> found;
  for (const json& s : summaries["TraceSummaries"])
    found.push_back(s["Id"]);
  EXPECT_EQ(found, (std::vector<std::string>{ids[2], ids[0]}));

  json graph =
      Post(daemon, "/ServiceGraph",
           {{"StartTime", start - 10}, {"EndTime", start + 3600}, {"GroupName", "alices"}}, 200);
  std::vector<std::string> names;
  for (const json& service : graph["Services"]) {
    if (service.contains("Name"))
      names.push_back(service["Name"]);
  }
  EXPECT_NE(std::find(names.begin(), names.end(), "alice-svc"), names.end()) << graph.dump();
  EXPECT_EQ(std::find(names.begin(), names.end(), "bob-svc"), names.end()) << graph.dump();
  Post(daemon, "/ServiceGraph",
       {{"StartTime", start - 10}, {"EndTime", start + 3600}, {"GroupName", "nobody"}}, 400);

  // ApproximateTraceCount: live in /metrics once the traces are summarized, per minute in the CLI.
  EXPECT_EQ(daemon.WaitForMetric(R"(xrayd_group_traces_total{group="alices"})", 2), 2);
  EXPECT_EQ(daemon.WaitForMetric(R"(xrayd_group_traces_total{group="Default"})", 4), 4);
  CommandResult listed = RunXrayd({"groups", "list", "--data-dir", dir});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  json groups = json::parse(listed.out);
  std::int64_t alices = -1;
  for (const json& group : groups["Groups"]) {
    if (group["GroupName"] != "alices")
      continue;
    alices = 0;
    for (const json& minute : group["ApproximateTraceCounts"])
      alices += minute["Value"].get<int>();
  }
  EXPECT_EQ(alices, 2) << listed.out;
}

// A trace whose documents arrive in two writes, its streamed subsegment before its segment (as the
// SDKs send them): the writer summarizes it from the facts it kept of the first, without the
// summary worker reading it back, and its groups count it once, when it first has a summary.
TEST(TraceApiGroupsTest, ATraceSpreadOverTwoWritesIsSummarizedOnIngestAndCountedOnce) {
  const std::string dir = MakeTempDir("trace-api-spread");
  DaemonProcess daemon(dir);
  ASSERT_TRUE(daemon.Started());
  Post(daemon, "/CreateGroup", {{"GroupName", "slow"}, {"FilterExpression", "responsetime > 1"}},
       200);
  const double start = Now() - 60;
  const std::string trace_id = TraceId(3000);
  const json subsegment{
      {"type", "subsegment"},     {"trace_id", trace_id}, {"parent_id", "0000000000003000"},
      {"id", "0000000000003001"}, {"name", "render"},     {"start_time", start + 0.1},
      {"end_time", start + 3.0}};
  Post(daemon, "/TraceSegments", {{"TraceSegmentDocuments", {subsegment.dump()}}}, 200);
  daemon.WaitForMetric("xrayd_segments_stored_total", 1);
  // Sent before the trace has been quiet for the worker's 1 s.
  Post(daemon, "/TraceSegments",
       {{"TraceSegmentDocuments",
         {Segment(trace_id, "0000000000003000", start, 2.5, "alice", false)}}},
       200);
  daemon.WaitForMetric("xrayd_segments_stored_total", 2);

  EXPECT_EQ(daemon.WaitForMetric(R"(xrayd_group_traces_total{group="slow"})", 1), 1);
  EXPECT_EQ(daemon.WaitForMetric("xrayd_traces_summarized_total", 1), 1);
  json summaries = Post(daemon, "/TraceSummaries",
                        {{"StartTime", start - 10},
                         {"EndTime", start + 3600},
                         // The duration needs the subsegment, which ends after the segment.
                         {"FilterExpression", R"(responsetime = 2.5 AND duration = 3)"}},
                        200);
  ASSERT_EQ(summaries["TraceSummaries"].size(), 1u) << summaries.dump();
  EXPECT_EQ(summaries["TraceSummaries"][0]["Id"], trace_id);
  EXPECT_DOUBLE_EQ(summaries["TraceSummaries"][0]["ResponseTime"].get<double>(), 2.5);
  EXPECT_EQ(daemon.Metric("xrayd_trace_summaries_read_back_total"), 0);
  EXPECT_EQ(daemon.Metric(R"(xrayd_group_traces_total{group="slow"})"), 1);
}

}  // namespace
}  // namespace xrayd::testing_support
