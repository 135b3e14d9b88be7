// The live tail's hub behind a real HttpServer on loopback, with a search that answers from a list
// the test controls: events per new summary and revision, heartbeats, a closed peer noticed, the
// stream limit, a refused filter, resuming, and stopping with streams open.
#include "daemon/console/tail_hub.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/api/http_server.h"
#include "daemon/console/console_routes.h"
#include "daemon/core/endpoint.h"
#include "tests/support/sse_client.h"
#include "tests/support/wait_until.h"

namespace xrayd::daemon::console {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing_support::SseClient;
using testing_support::WaitUntil;

constexpr milliseconds kWait{5000};

// Stands in for POST /TraceSummaries: every summary in `summaries`, 400 for the filter "bad(".
class FakeSearch {
 public:
  void Put(const std::string& id, int revision) {
    std::lock_guard lock(mu_);
    summaries_[id] = revision;
  }
  std::vector<json> Requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  HttpResponse Answer(const HttpRequest& request) {
    const json body = json::parse(request.body);
    std::lock_guard lock(mu_);
    requests_.push_back(body);
    if (body.value("FilterExpression", "") == "bad(") {
      return JsonError(400, "InvalidRequestException", "unexpected end of filter at column 5");
    }
    json list = json::array();
    for (const auto& [id, revision] : summaries_) {
      list.push_back({{"Id", id}, {"Revision", revision}, {"Duration", 0.5}});
    }
    HttpResponse response;
    response.content_type = "application/json";
    response.body = json{{"TraceSummaries", list}}.dump();
    return response;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> summaries_;
  std::vector<json> requests_;
};

HttpRequest Get(std::string target) {
  HttpRequest request;
  request.method = "GET";
  request.target = std::move(target);
  return request;
}

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class TailHubTest : public ::testing::Test {
 protected:
  void StartWith(TailOptions options) {
    hub_ = std::make_shared<TailHub>([this](const HttpRequest& r) { return search_.Answer(r); },
                                     options);
    RegisterTailRoute(router_, hub_);
    server_ = std::make_unique<HttpServer>(router_, HttpServerOptions{});
    ASSERT_TRUE(server_->Start(Endpoint{"127.0.0.1", 0}));
    hub_->Start();
  }
  void TearDown() override {
    if (hub_) {
      hub_->Stop();
    }
    if (server_) {
      server_->Stop();
    }
  }
  std::uint16_t Port() const { return server_->LocalEndpoint().port; }

  FakeSearch search_;
  ApiRouter router_;
  std::shared_ptr<TailHub> hub_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(TailHubTest, SendsEachTraceRevisionOnceWhenNotified) {
  StartWith(TailOptions{.min_round_interval = milliseconds(10)});
  search_.Put("1-00000000-00000000000000000000000a", 1);
  SseClient client(Port(), "/ui/api/tail");
  ASSERT_TRUE(client.Connected());
  ASSERT_TRUE(client.WaitFor("\"Id\":\"1-00000000-00000000000000000000000a\"", kWait))
      << client.Text();
  EXPECT_NE(client.Text().find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(client.Text().find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_EQ(client.Text().find("Content-Length"), std::string::npos);
  EXPECT_NE(client.Text().find("\nid: "), std::string::npos);

  // Notified again: only what is new is sent, and a new revision of a trace sent before.
  search_.Put("1-00000000-00000000000000000000000b", 1);
  hub_->Notify();
  ASSERT_TRUE(client.WaitFor("00000000000000000000000b", kWait));
  search_.Put("1-00000000-00000000000000000000000a", 2);
  hub_->Notify();
  ASSERT_TRUE(client.WaitFor("\"Revision\":2", kWait));
  EXPECT_EQ(Count(client.Text(), "00000000000000000000000a\""), 2u) << client.Text();
  EXPECT_EQ(Count(client.Text(), "00000000000000000000000b\""), 1u) << client.Text();
}

TEST_F(TailHubTest, NoSearchWithoutNotification) {
  StartWith(TailOptions{.min_round_interval = milliseconds(10)});
  SseClient client(Port(), "/ui/api/tail");
  ASSERT_TRUE(WaitUntil([&] { return search_.Requests().size() == 1; }, kWait));
  // Idle: no round runs until the summary worker reports something.
  EXPECT_FALSE(WaitUntil([&] { return search_.Requests().size() > 1; }, milliseconds(300)));
  hub_->Notify();
  EXPECT_TRUE(WaitUntil([&] { return search_.Requests().size() == 2; }, kWait));
}

TEST_F(TailHubTest, HeartbeatsAndForgetsAClosedPeer) {
  StartWith(TailOptions{.heartbeat = milliseconds(50)});
  SseClient client(Port(), "/ui/api/tail");
  ASSERT_TRUE(client.WaitFor(": heartbeat\n\n", kWait)) << client.Text();
  EXPECT_EQ(hub_->OpenStreams(), 1u);
  client.Close();
  EXPECT_TRUE(WaitUntil([&] { return hub_->OpenStreams() == 0; }, kWait));
}

TEST_F(TailHubTest, AnswersBusyBeyondTheLimit) {
  StartWith(TailOptions{.max_streams = 2});
  SseClient first(Port(), "/ui/api/tail");
  SseClient second(Port(), "/ui/api/tail");
  ASSERT_TRUE(first.WaitFor("text/event-stream", kWait));
  ASSERT_TRUE(second.WaitFor("text/event-stream", kWait));
  SseClient third(Port(), "/ui/api/tail");
  ASSERT_TRUE(third.WaitFor("Retry-After: 5", kWait)) << third.Text();
  EXPECT_NE(third.Text().find("HTTP/1.1 503"), std::string::npos) << third.Text();
  first.Close();
  ASSERT_TRUE(WaitUntil([&] { return hub_->OpenStreams() == 1; }, kWait));
  SseClient fourth(Port(), "/ui/api/tail");
  EXPECT_TRUE(fourth.WaitFor("text/event-stream", kWait)) << fourth.Text();
}

TEST_F(TailHubTest, RefusedFilterEndsTheStreamWithTheApiError) {
  StartWith(TailOptions{});
  SseClient client(Port(), "/ui/api/tail?filter=bad%28");
  ASSERT_TRUE(client.WaitForEof(kWait));
  EXPECT_NE(client.Text().find("event: problem\ndata: "), std::string::npos) << client.Text();
  EXPECT_NE(client.Text().find("column 5"), std::string::npos);
  EXPECT_TRUE(WaitUntil([&] { return hub_->OpenStreams() == 0; }, kWait));
}

TEST_F(TailHubTest, ResumesFromTheLastEventId) {
  StartWith(TailOptions{.max_resume_seconds = 1e10});
  SseClient header(Port(), "/ui/api/tail?filter=ok", {{"Last-Event-ID", "1700000000.000"}});
  SseClient query(Port(), "/ui/api/tail?lastEventId=1600000000.5");
  ASSERT_TRUE(WaitUntil([&] { return search_.Requests().size() == 2; }, kWait));
  std::vector<double> starts;
  for (const json& request : search_.Requests()) {
    starts.push_back(request["StartTime"].get<double>());
  }
  std::sort(starts.begin(), starts.end());
  EXPECT_DOUBLE_EQ(starts[0], 1600000000.5);
  EXPECT_DOUBLE_EQ(starts[1], 1700000000.0);
}

TEST_F(TailHubTest, StopClosesOpenStreams) {
  StartWith(TailOptions{});
  SseClient client(Port(), "/ui/api/tail");
  ASSERT_TRUE(client.WaitFor("text/event-stream", kWait));
  const auto started = std::chrono::steady_clock::now();
  hub_->Stop();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_TRUE(client.WaitForEof(kWait));
  EXPECT_EQ(hub_->OpenStreams(), 0u);
  // Stopped: a new request is refused rather than left open.
  EXPECT_EQ(hub_->Handle(Get("/ui/api/tail")).status, 503);
}

// HEAD over the real server: GET's status and headers, Content-Length too, and no body; on the
// tail, no stream is opened.
TEST_F(TailHubTest, HeadAnswersWithoutABody) {
  StartWith(TailOptions{});
  RegisterConsoleRoutes(router_);
  SseClient get(Port(), "/ui/traces", {{"Connection", "close"}, {"Accept", "text/html"}});
  SseClient head(Port(), "/ui/traces", {{"Connection", "close"}, {"Accept", "text/html"}}, "HEAD");
  ASSERT_TRUE(get.WaitForEof(kWait));
  ASSERT_TRUE(head.WaitForEof(kWait));
  const std::string& got = get.Text();
  const std::string& headed = head.Text();
  const std::size_t header_end = headed.find("\r\n\r\n");
  ASSERT_NE(header_end, std::string::npos) << headed;
  EXPECT_EQ(headed.size(), header_end + 4) << headed;          // Nothing after the headers.
  EXPECT_EQ(got.substr(0, got.find("\r\n\r\n") + 4), headed);  // The same status and headers.
  EXPECT_NE(headed.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_EQ(headed.find("Content-Length: 0\r\n"), std::string::npos) << headed;

  SseClient tail(Port(), "/ui/api/tail", {{"Connection", "close"}}, "HEAD");
  ASSERT_TRUE(tail.WaitForEof(kWait)) << tail.Text();
  EXPECT_NE(tail.Text().find("text/event-stream"), std::string::npos);
  EXPECT_EQ(hub_->OpenStreams(), 0u);
}

TEST(TailRequestTest, ReadsFilterAndResumePoint) {
  HttpRequest request = Get("/ui/api/tail?x=1&filter=service(%22a%20b%22)+AND+ok&lastEventId=12.5");
  TailRequest parsed = ParseTailRequest(request);
  EXPECT_EQ(parsed.filter, "service(\"a b\") AND ok");
  EXPECT_EQ(parsed.resume, 12.5);
  request.headers["last-event-id"] = "20";
  EXPECT_EQ(ParseTailRequest(request).resume, 20.0);
  request.headers["last-event-id"] = "nope";
  EXPECT_EQ(ParseTailRequest(request).resume, 12.5);
  EXPECT_FALSE(ParseTailRequest(Get("/t?lastEventId=-1")).resume);
  EXPECT_EQ(ParseTailRequest(Get("/t?filter=%zz")).filter, "");
  EXPECT_EQ(DecodeQueryComponent("%4"), std::nullopt);
  EXPECT_EQ(DecodeQueryComponent("a%2Bb+c"), "a+b c");
}

TEST(TailRequestTest, FormatsEventsLineByLine) {
  EXPECT_EQ(FormatEvent("7", "", "{}"), "id: 7\ndata: {}\n\n");
  EXPECT_EQ(FormatEvent("", "problem", "a\nb"), "event: problem\ndata: a\ndata: b\n\n");
}

}  // namespace
}  // namespace xrayd::daemon::console
