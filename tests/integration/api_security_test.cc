// The real daemon's TCP port against the attacks of docs/security.md: a cross-site page, a
// DNS-rebinding page (forged Host), simple-request bodies, and --api-auth sigv4. Loopback only.

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "daemon/aws/sigv4.h"
#include "tests/integration/daemon_process_support.h"

namespace xrayd::testing_support {
namespace {

std::string Local(std::uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

const std::string kGroup =
    R"json({"GroupName":"checkout","FilterExpression":"service(\"api\")"})json";

class ApiSecurityTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_ = MakeTempDir("api-security");
};

TEST_F(ApiSecurityTest, CrossSitePageCannotChangeOrReadAnything) {
  DaemonProcess daemon(dir_);
  ASSERT_TRUE(daemon.Started());
  const std::uint16_t port = daemon.TcpPort();
  ASSERT_EQ(HttpPost(port, "/CreateGroup", kGroup).status, 200);

  // What a page at http://evil.example can send without a preflight.
  HttpResult deleted = SendHttp(port, "POST", "/DeleteGroup",
                                {{"Host", Local(port)},
                                 {"Origin", "http://evil.example"},
                                 {"Sec-Fetch-Site", "cross-site"},
                                 {"Content-Type", "text/plain;charset=UTF-8"}},
                                R"({"GroupName":"checkout"})");
  EXPECT_EQ(deleted.status, 403) << deleted.body;
  EXPECT_NE(deleted.headers.find("X-Amzn-ErrorType: AccessDeniedException"), std::string::npos);
  EXPECT_EQ(deleted.headers.find("Access-Control-Allow-Origin"), std::string::npos);
  HttpResult read = SendHttp(port, "POST", "/TraceSummaries",
                             {{"Host", Local(port)},
                              {"Origin", "http://evil.example"},
                              {"Content-Type", "application/json"}},
                             R"({"StartTime":0,"EndTime":4102444800})");
  EXPECT_EQ(read.status, 403);
  // A form POST (no Origin from an old browser would still be caught by its type).
  HttpResult form =
      SendHttp(port, "POST", "/DeleteGroup",
               {{"Host", Local(port)}, {"Content-Type", "application/x-www-form-urlencoded"}},
               "GroupName=checkout");
  EXPECT_EQ(form.status, 415) << form.body;
  EXPECT_NE(form.body.find("UnsupportedMediaTypeException"), std::string::npos);

  HttpResult groups = SendHttp(port, "POST", "/Groups", {{"Host", Local(port)}});
  EXPECT_EQ(groups.status, 200);
  EXPECT_NE(groups.body.find("checkout"), std::string::npos) << "the group was deleted";

  EXPECT_GE(daemon.Metric("xrayd_api_requests_refused_total{reason=\"cross_site\"}"), 2);
  EXPECT_GE(daemon.Metric("xrayd_api_requests_refused_total{reason=\"content_type\"}"), 1);
  EXPECT_NE(daemon.Log().find("refused POST /DeleteGroup"), std::string::npos) << daemon.Log();
}

TEST_F(ApiSecurityTest, RebindingHostIsRefusedToBrowsersOnly) {
  DaemonProcess daemon(dir_, {"--allowed-host", "xray-daemon"});
  ASSERT_TRUE(daemon.Started());
  const std::uint16_t port = daemon.TcpPort();
  const std::string rebound = "attacker.example:" + std::to_string(port);
  HttpResult summaries = SendHttp(
      port, "POST", "/TraceSummaries",
      {{"Host", rebound}, {"Origin", "http://" + rebound}, {"Content-Type", "application/json"}},
      R"({"StartTime":0,"EndTime":4102444800})");
  EXPECT_EQ(summaries.status, 403) << summaries.body;
  EXPECT_NE(summaries.body.find("--allowed-host"), std::string::npos);
  HttpResult metrics =
      SendHttp(port, "GET", "/metrics", {{"Host", rebound}, {"Sec-Fetch-Mode", "cors"}});
  EXPECT_EQ(metrics.status, 403);
  // The allowed name works from a browser; any name works from an SDK (no Origin).
  HttpResult allowed = SendHttp(port, "GET", "/metrics",
                                {{"Host", "xray-daemon:2000"}, {"Sec-Fetch-Site", "same-origin"}});
  EXPECT_EQ(allowed.status, 200);
  HttpResult sdk = SendHttp(
      port, "POST", "/GetSamplingRules",
      {{"Host", "xray-daemon.default.svc:2000"}, {"Content-Type", "application/json"}}, "{}");
  EXPECT_EQ(sdk.status, 200) << sdk.body;
  EXPECT_EQ(daemon.Metric("xrayd_api_requests_refused_total{reason=\"host\"}"), 2);
}

TEST_F(ApiSecurityTest, EveryResponseCarriesSecurityHeaders) {
  DaemonProcess daemon(dir_);
  ASSERT_TRUE(daemon.Started());
  for (const char* path : {"/healthz", "/metrics", "/Nope"}) {
    HttpResult result = HttpGet(daemon.TcpPort(), path);
    EXPECT_NE(result.headers.find("Content-Security-Policy: default-src 'none'; frame-ancestors "
                                  "'none'"),
              std::string::npos)
        << path << "\n"
        << result.headers;
    EXPECT_NE(result.headers.find("X-Content-Type-Options: nosniff"), std::string::npos);
    EXPECT_NE(result.headers.find("Referrer-Policy: no-referrer"), std::string::npos);
  }
}

TEST_F(ApiSecurityTest, CorsOriginIsAnsweredAndOthersAreNot) {
  DaemonProcess daemon(dir_, {"--cors-origin", "http://localhost:3000"});
  ASSERT_TRUE(daemon.Started());
  const std::uint16_t port = daemon.TcpPort();
  HttpResult preflight = SendHttp(port, "OPTIONS", "/Groups",
                                  {{"Host", Local(port)},
                                   {"Origin", "http://localhost:3000"},
                                   {"Access-Control-Request-Method", "POST"},
                                   {"Access-Control-Request-Headers", "content-type"}});
  EXPECT_EQ(preflight.status, 204) << preflight.body;
  EXPECT_NE(preflight.headers.find("Access-Control-Allow-Origin: http://localhost:3000"),
            std::string::npos);
  HttpResult groups = SendHttp(port, "POST", "/Groups",
                               {{"Host", Local(port)},
                                {"Origin", "http://localhost:3000"},
                                {"Sec-Fetch-Site", "same-site"},
                                {"Content-Type", "application/json"}});
  EXPECT_EQ(groups.status, 200);
  EXPECT_NE(groups.headers.find("Access-Control-Allow-Origin: http://localhost:3000"),
            std::string::npos);
  HttpResult other = SendHttp(port, "POST", "/Groups",
                              {{"Host", Local(port)}, {"Origin", "http://localhost:3001"}});
  EXPECT_EQ(other.status, 403);
}

std::map<std::string, std::string> SignedHeaders(std::uint16_t port, const std::string& path,
                                                 const std::string& body, const std::string& key_id,
                                                 const std::string& secret,
                                                 const std::string& method = "POST") {
  daemon::SigningRequest request;
  request.method = method;
  request.host = Local(port);
  request.path = path;
  request.headers = {{"content-type", "application/json"}};
  request.body = body;
  daemon::AwsCredentials credentials;
  credentials.access_key_id = key_id;
  credentials.secret_access_key = secret;
  auto signed_headers = daemon::SignRequest(request, credentials, "us-east-1", "xray",
                                            std::chrono::system_clock::now());
  std::map<std::string, std::string> out = {{"Host", Local(port)},
                                            {"Content-Type", "application/json"}};
  if (signed_headers) {
    for (const auto& [name, value] : *signed_headers) {
      out[name] = value;
    }
  }
  return out;
}

TEST_F(ApiSecurityTest, SigV4AuthWithGoodAndBadKeys) {
  DaemonProcess daemon(dir_,
                       {"--api-auth", "sigv4", "--api-key", "AKIDXRAYD:s3cret", "--metrics-auth"});
  ASSERT_TRUE(daemon.Started());
  const std::uint16_t port = daemon.TcpPort();
  HttpResult good =
      SendHttp(port, "POST", "/CreateGroup",
               SignedHeaders(port, "/CreateGroup", kGroup, "AKIDXRAYD", "s3cret"), kGroup);
  EXPECT_EQ(good.status, 200) << good.body;
  HttpResult unknown =
      SendHttp(port, "POST", "/Groups", SignedHeaders(port, "/Groups", "", "AKIDOTHER", "s3cret"));
  EXPECT_EQ(unknown.status, 403);
  EXPECT_NE(unknown.headers.find("X-Amzn-ErrorType: UnrecognizedClientException"),
            std::string::npos);
  HttpResult bad =
      SendHttp(port, "POST", "/Groups", SignedHeaders(port, "/Groups", "", "AKIDXRAYD", "wrong"));
  EXPECT_EQ(bad.status, 403);
  EXPECT_NE(bad.headers.find("X-Amzn-ErrorType: InvalidSignatureException"), std::string::npos);
  HttpResult missing = SendHttp(port, "POST", "/Groups", {{"Host", Local(port)}});
  EXPECT_EQ(missing.status, 403);
  EXPECT_NE(missing.headers.find("X-Amzn-ErrorType: MissingAuthenticationTokenException"),
            std::string::npos);
  EXPECT_EQ(HttpGet(port, "/healthz").status, 200);
  EXPECT_EQ(HttpGet(port, "/metrics").status, 403);
  HttpResult metrics = SendHttp(port, "GET", "/metrics",
                                SignedHeaders(port, "/metrics", "", "AKIDXRAYD", "s3cret", "GET"));
  EXPECT_EQ(metrics.status, 200) << metrics.body;
  EXPECT_NE(metrics.body.find("xrayd_api_requests_refused_total{reason=\"unknown_key\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("xrayd_api_requests_refused_total{reason=\"bad_signature\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("xrayd_api_requests_refused_total{reason=\"missing_auth\"} 2"),
            std::string::npos);
}

}  // namespace
}  // namespace xrayd::testing_support
