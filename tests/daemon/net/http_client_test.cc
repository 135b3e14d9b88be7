// HttpClient against a FakeHttpServer on 127.0.0.1: request shape, answers, error kinds, timeouts.
#include "daemon/net/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/daemon/fake_http_server_support.h"

namespace xrayd::daemon {
namespace {

TEST(HttpClientTest, ParsesUrls) {
  auto url = ParseUrl("https://xray.us-east-1.amazonaws.com/TraceSegments?x=1");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "xray.us-east-1.amazonaws.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/TraceSegments?x=1");
  EXPECT_EQ(url->HostHeader(), "xray.us-east-1.amazonaws.com");
  url = ParseUrl("http://[::1]:8080");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->target, "/");
  EXPECT_EQ(url->HostHeader(), "[::1]:8080");
  EXPECT_FALSE(ParseUrl("ftp://x/"));
  EXPECT_FALSE(ParseUrl("http://user:pw@x/"));
  EXPECT_FALSE(ParseUrl("http://x:99999/"));
  EXPECT_FALSE(ParseUrl("no-scheme"));
}

TEST(HttpClientTest, SendsMethodHeadersBodyAndReadsTheAnswer) {
  FakeHttpServer server([](const FakeHttpRequest& r) -> FakeHttpResponse {
    return {201, {{"X-Answer", "yes"}}, r.method + " " + r.target + " " + r.body};
  });
  HttpClient client;
  ClientRequest request;
  request.method = "POST";
  request.url = server.Url() + "/TraceSegments?a=b";
  request.headers = {{"content-type", "application/json"}};
  request.body = R"({"k":1})";
  auto response = client.Send(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->Header("x-answer"), "yes");
  EXPECT_EQ(response->body, R"(POST /TraceSegments?a=b {"k":1})");
  const auto seen = server.Requests().at(0);
  EXPECT_EQ(seen.Header("host"), "127.0.0.1:" + std::to_string(server.Port()));
  EXPECT_EQ(seen.Header("content-length"), "7");
  EXPECT_EQ(seen.Header("content-type"), "application/json");

  // The server closed the connection (Connection: close); the next request reconnects.
  request.method = "GET";
  request.body.clear();
  response = client.Send(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(server.Requests().size(), 2u);
}

TEST(HttpClientTest, ClassifiesRefusedTimeoutAndBadUrl) {
  // A port that was just free: nothing listens there.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  close(fd);
  HttpClient client;
  ClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/x";
  auto response = client.Send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, HttpErrorKind::kRefused) << response.error().message;

  FakeHttpServer slow([](const FakeHttpRequest&) -> FakeHttpResponse {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    return {200, {}, "late"};
  });
  request.url = slow.Url() + "/slow";
  request.timeout = std::chrono::milliseconds(150);
  const auto start = std::chrono::steady_clock::now();
  response = client.Send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, HttpErrorKind::kTimeout) << response.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(550));

  request.url = "gopher://x/";
  response = client.Send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, HttpErrorKind::kBadUrl);
  EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument);
}

TEST(HttpClientTest, RefusesHeaderValuesWithLineBreaks) {
  HttpClient client;
  ClientRequest request;
  request.url = "http://127.0.0.1:9/";
  request.headers = {{"x-token", "a\r\nInjected: 1"}};
  auto response = client.Send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().message.find("Injected"), std::string::npos);
}

}  // namespace
}  // namespace xrayd::daemon
