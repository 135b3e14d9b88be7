#include "daemon/api/request_guard.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace xrayd::daemon {
namespace {

HttpRequest Request(std::string method, std::string target,
                    std::map<std::string, std::string> headers = {}) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.headers = std::move(headers);
  if (request.headers.find("host") == request.headers.end()) {
    request.headers["host"] = "127.0.0.1:2000";
  }
  return request;
}

RequestGuard Guard(ApiSecurityOptions options = {}) {
  return RequestGuard(std::move(options), GuardEnvironment{"127.0.0.1", "devbox"});
}

std::string Header(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) {
      return value;
    }
  }
  return "";
}

// Asserts an X-Ray-shaped refusal: status, X-Amzn-ErrorType, {"__type","message"}, the reason.
void ExpectRefused(const GuardDecision& decision, int status, ApiRefusal reason,
                   const std::string& type) {
  ASSERT_TRUE(decision.response.has_value());
  ASSERT_TRUE(decision.refusal.has_value());
  EXPECT_EQ(*decision.refusal, reason);
  EXPECT_EQ(decision.response->status, status);
  EXPECT_EQ(decision.response->content_type, "application/json");
  EXPECT_EQ(Header(*decision.response, "X-Amzn-ErrorType"), type);
  auto body = nlohmann::json::parse(decision.response->body);
  EXPECT_EQ(body["__type"], type);
  EXPECT_FALSE(body["message"].get<std::string>().empty());
}

void ExpectAllowed(const GuardDecision& decision) {
  EXPECT_FALSE(decision.response.has_value()) << (decision.response ? decision.response->body : "");
  EXPECT_FALSE(decision.refusal.has_value());
}

// --- Host check (DNS rebinding) ---

TEST(RequestGuardTest, NonBrowserClientsPassWhateverHostTheyName) {
  const RequestGuard guard = Guard();
  for (const char* host : {"xray-daemon.default.svc:2000", "attacker.example", "", "x"}) {
    ExpectAllowed(guard.Check(Request("POST", "/GetSamplingRules",
                                      {{"host", host}, {"content-type", "application/json"}})));
    ExpectAllowed(guard.Check(Request("GET", "/metrics", {{"host", host}})));
  }
}

TEST(RequestGuardTest, BrowserWithForeignHostIsRefusedOnEveryPath) {
  const RequestGuard guard = Guard();
  for (const char* path : {"/TraceSummaries", "/metrics", "/healthz", "/v1/traces", "/Nope"}) {
    // A rebinding page: same-origin for the browser, so Origin names the attacker's host too.
    ExpectRefused(guard.Check(Request("POST", path,
                                      {{"host", "attacker.example:2000"},
                                       {"origin", "http://attacker.example:2000"}})),
                  403, ApiRefusal::kHost, "AccessDeniedException");
    ExpectRefused(
        guard.Check(
            Request("GET", path, {{"host", "attacker.example:2000"}, {"sec-fetch-mode", "cors"}})),
        403, ApiRefusal::kHost, "AccessDeniedException");
  }
}

TEST(RequestGuardTest, DefaultHostsAllowedForBrowsers) {
  const RequestGuard guard = Guard();
  for (const char* host :
       {"localhost:2000", "LOCALHOST", "app.localhost:2000", "127.0.0.1:2000", "127.0.0.2",
        "[::1]:2000", "10.1.2.3:2000", "[fe80::1]", "devbox:2000", "DevBox.", "localhost."}) {
    EXPECT_TRUE(guard.HostAllowed(host)) << host;
    ExpectAllowed(guard.Check(
        Request("GET", "/metrics", {{"host", host}, {"sec-fetch-site", "same-origin"}})));
  }
  for (const char* host : {"attacker.example", "localhost.attacker.example", "127.0.0.1.nip.io",
                           "devbox.attacker.example", "", "notlocalhost", "2130706433x"}) {
    EXPECT_FALSE(guard.HostAllowed(host)) << host;
  }
}

TEST(RequestGuardTest, BoundAddressAndAllowedHostsAreAccepted) {
  RequestGuard bound_name(ApiSecurityOptions{},
                          GuardEnvironment{"xrayd.internal", ""});  // Unusual, but a name.
  EXPECT_TRUE(bound_name.HostAllowed("xrayd.internal:2000"));
  ApiSecurityOptions options;
  options.allowed_hosts = {"xray-daemon", "Console.Example:8080"};
  const RequestGuard guard = Guard(options);
  EXPECT_TRUE(guard.HostAllowed("xray-daemon:2000"));
  EXPECT_TRUE(guard.HostAllowed("console.example"));
  EXPECT_FALSE(guard.HostAllowed("xray-daemon.evil"));
  options.allowed_hosts = {"*"};
  EXPECT_TRUE(Guard(options).HostAllowed("anything.example"));
}

// --- Cross-site requests (CSRF) ---

TEST(RequestGuardTest, CrossSiteBrowserRequestsAreRefusedOnDataAndStatePaths) {
  const RequestGuard guard = Guard();
  const std::vector<std::map<std::string, std::string>> attacks = {
      {{"origin", "http://evil.example"}},
      {{"origin", "null"}},
      {{"origin", "http://127.0.0.1:8080"}},  // Another local port is another origin.
      {{"sec-fetch-site", "cross-site"}},
      {{"sec-fetch-site", "same-site"}},
      {{"sec-fetch-site", "cross-site"}, {"sec-fetch-mode", "navigate"}},
  };
  for (const char* path : {"/DeleteGroup", "/CreateSamplingRule", "/TraceSummaries", "/Traces",
                           "/TraceSegments", "/metrics", "/Nope"}) {
    for (auto headers : attacks) {
      headers["content-type"] = "application/json";
      ExpectRefused(guard.Check(Request("POST", path, headers)), 403, ApiRefusal::kCrossSite,
                    "AccessDeniedException");
    }
  }
  // No CORS headers on a refusal to a foreign origin.
  const GuardDecision refused =
      guard.Check(Request("POST", "/Groups", {{"origin", "http://evil.example"}}));
  EXPECT_EQ(Header(*refused.response, "Access-Control-Allow-Origin"), "");
}

TEST(RequestGuardTest, SameOriginAndTypedUrlRequestsPass) {
  const RequestGuard guard = Guard();
  ExpectAllowed(guard.Check(Request("POST", "/Groups",
                                    {{"origin", "http://127.0.0.1:2000"},
                                     {"sec-fetch-site", "same-origin"},
                                     {"content-type", "application/json"}})));
  ExpectAllowed(guard.Check(Request("GET", "/metrics", {{"sec-fetch-site", "none"}})));
  const GuardDecision allowed = guard.Check(Request("GET", "/metrics"));
  EXPECT_TRUE(allowed.headers.empty());
}

TEST(RequestGuardTest, HealthStaysOpenToCrossSiteButNotToRebinding) {
  const RequestGuard guard = Guard();
  ExpectAllowed(guard.Check(Request("GET", "/healthz", {{"origin", "http://evil.example"}})));
  ExpectAllowed(guard.Check(Request("GET", "/healthz", {{"sec-fetch-site", "cross-site"}})));
  ExpectRefused(guard.Check(Request("GET", "/healthz",
                                    {{"host", "evil.example"}, {"sec-fetch-site", "same-origin"}})),
                403, ApiRefusal::kHost, "AccessDeniedException");
}

TEST(RequestGuardTest, CorsOriginGetsHeadersAndPreflightAnswers) {
  ApiSecurityOptions options;
  options.cors_origins = {"http://localhost:3000/"};
  const RequestGuard guard = Guard(options);
  const GuardDecision allowed = guard.Check(Request("POST", "/TraceSummaries",
                                                    {{"origin", "http://localhost:3000"},
                                                     {"sec-fetch-site", "same-site"},
                                                     {"content-type", "application/json"}}));
  ExpectAllowed(allowed);
  ASSERT_FALSE(allowed.headers.empty());
  EXPECT_EQ(allowed.headers[0], (std::pair<std::string, std::string>{"Access-Control-Allow-Origin",
                                                                     "http://localhost:3000"}));

  const GuardDecision preflight = guard.Check(
      Request("OPTIONS", "/TraceSummaries",
              {{"origin", "http://localhost:3000"},
               {"access-control-request-method", "POST"},
               {"access-control-request-headers", "Content-Type,X-Amz-Date,Authorization"}}));
  ASSERT_TRUE(preflight.response.has_value());
  EXPECT_FALSE(preflight.refusal.has_value());
  EXPECT_EQ(preflight.response->status, 204);
  EXPECT_EQ(Header(*preflight.response, "Access-Control-Allow-Origin"), "http://localhost:3000");
  EXPECT_NE(Header(*preflight.response, "Access-Control-Allow-Methods").find("POST"),
            std::string::npos);
  EXPECT_EQ(Header(*preflight.response, "Access-Control-Allow-Headers"),
            "content-type,x-amz-date,authorization");

  // Another origin's preflight is refused, without CORS headers.
  const GuardDecision other = guard.Check(
      Request("OPTIONS", "/TraceSummaries",
              {{"origin", "http://localhost:3001"}, {"access-control-request-method", "POST"}}));
  ExpectRefused(other, 403, ApiRefusal::kCrossSite, "AccessDeniedException");
  EXPECT_EQ(Header(*other.response, "Access-Control-Allow-Origin"), "");
}

// --- Content types a page can send without a preflight ---

TEST(RequestGuardTest, SimpleBodyTypesAreRefusedOnApiPathsFromAnyone) {
  const RequestGuard guard = Guard();
  for (const char* type :
       {"text/plain", "text/plain;charset=UTF-8", " Text/Plain ; charset=x",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=----x"}) {
    for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
      ExpectRefused(guard.Check(Request(method, "/DeleteGroup", {{"content-type", type}})), 415,
                    ApiRefusal::kContentType, "UnsupportedMediaTypeException");
    }
  }
}

TEST(RequestGuardTest, RealClientsBodyTypesPass) {
  const RequestGuard guard = Guard();
  // aws-xray-sdk-core's pollers and @aws-sdk/client-xray send application/json; botocore may send
  // none for an empty body; OTLP/HTTP sends protobuf; curl users pass -H.
  for (const char* type : {"application/json", "application/json; charset=utf-8",
                           "application/x-amz-json-1.1", "application/x-protobuf"}) {
    ExpectAllowed(guard.Check(Request("POST", "/SamplingTargets", {{"content-type", type}})));
  }
  ExpectAllowed(guard.Check(Request("POST", "/Groups")));
  ExpectAllowed(guard.Check(Request("GET", "/metrics", {{"content-type", "text/plain"}})));
}

// --- Authentication ---

ApiSecurityOptions WithAuth(AuthCheck result, int* calls) {
  ApiSecurityOptions options;
  options.authenticate = [result, calls](const HttpRequest&) {
    ++*calls;
    return result;
  };
  return options;
}

TEST(RequestGuardTest, AuthenticationRefusalsUseAwsErrorTypes) {
  int calls = 0;
  ExpectRefused(
      Guard(WithAuth({AuthOutcome::kMissing, ""}, &calls)).Check(Request("POST", "/Groups")), 403,
      ApiRefusal::kMissingAuth, "MissingAuthenticationTokenException");
  ExpectRefused(
      Guard(WithAuth({AuthOutcome::kUnknownKey, ""}, &calls)).Check(Request("POST", "/Groups")),
      403, ApiRefusal::kUnknownKey, "UnrecognizedClientException");
  const GuardDecision bad =
      Guard(WithAuth({AuthOutcome::kBadSignature, "sigv4: clock skew"}, &calls))
          .Check(Request("POST", "/Groups"));
  ExpectRefused(bad, 403, ApiRefusal::kBadSignature, "InvalidSignatureException");
  EXPECT_NE(bad.response->body.find("clock skew"), std::string::npos);
  ExpectAllowed(Guard(WithAuth({AuthOutcome::kOk, ""}, &calls)).Check(Request("POST", "/Groups")));
  EXPECT_EQ(calls, 4);
}

// --- Form POSTs of the query protocol (CloudWatch's older clients) ---

constexpr char kSigV4[] =
    "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/monitoring/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, Signature=00ff";

TEST(RequestGuardTest, FormPostSignedWithSigV4Passes) {
  const RequestGuard guard = Guard();
  for (const char* type :
       {"application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
        " Application/X-WWW-Form-Urlencoded "}) {
    ExpectAllowed(
        guard.Check(Request("POST", "/", {{"content-type", type}, {"authorization", kSigV4}})));
  }
}

TEST(RequestGuardTest, UnsignedOrOtherwiseSignedFormPostsStayRefused) {
  const RequestGuard guard = Guard();
  const std::string form = "application/x-www-form-urlencoded";
  // No Authorization, another scheme, an empty one, the scheme without a space after it.
  for (const std::map<std::string, std::string>& headers :
       std::vector<std::map<std::string, std::string>>{
           {{"content-type", form}},
           {{"content-type", form}, {"authorization", "Basic dXNlcjpwYXNz"}},
           {{"content-type", form}, {"authorization", ""}},
           {{"content-type", form}, {"authorization", "AWS4-HMAC-SHA256"}},
           {{"content-type", form}, {"authorization", "AWS4-HMAC-SHA256x Credential=a"}}}) {
    ExpectRefused(guard.Check(Request("POST", "/", headers)), 415, ApiRefusal::kContentType,
                  "UnsupportedMediaTypeException");
  }
  // The signature admits forms only: the other simple types and methods other than POST stay out.
  for (const char* type : {"text/plain", "multipart/form-data; boundary=----x"}) {
    ExpectRefused(
        guard.Check(Request("POST", "/", {{"content-type", type}, {"authorization", kSigV4}})), 415,
        ApiRefusal::kContentType, "UnsupportedMediaTypeException");
  }
  ExpectRefused(
      guard.Check(Request("PUT", "/", {{"content-type", form}, {"authorization", kSigV4}})), 415,
      ApiRefusal::kContentType, "UnsupportedMediaTypeException");
}

TEST(RequestGuardTest, SignedFormPostFromACrossSitePageIsStillRefused) {
  const RequestGuard guard = Guard();
  ExpectRefused(guard.Check(Request("POST", "/",
                                    {{"content-type", "application/x-www-form-urlencoded"},
                                     {"authorization", kSigV4},
                                     {"origin", "http://evil.example"},
                                     {"sec-fetch-site", "cross-site"}})),
                403, ApiRefusal::kCrossSite, "AccessDeniedException");
}

TEST(RequestGuardTest, SignedFormPostIsAuthenticatedWhenAuthenticationIsOn) {
  int calls = 0;
  const GuardDecision bad =
      Guard(WithAuth({AuthOutcome::kBadSignature, ""}, &calls))
          .Check(Request(
              "POST", "/",
              {{"content-type", "application/x-www-form-urlencoded"}, {"authorization", kSigV4}}));
  ExpectRefused(bad, 403, ApiRefusal::kBadSignature, "InvalidSignatureException");
  EXPECT_EQ(calls, 1);
  ExpectAllowed(Guard(WithAuth({AuthOutcome::kOk, ""}, &calls))
                    .Check(Request("POST", "/",
                                   {{"content-type", "application/x-www-form-urlencoded"},
                                    {"authorization", kSigV4}})));
  EXPECT_EQ(calls, 2);
}

TEST(RequestGuardTest, HealthIsOpenAndMetricsOnlyBehindMetricsAuth) {
  int calls = 0;
  ApiSecurityOptions options = WithAuth({AuthOutcome::kMissing, ""}, &calls);
  ExpectAllowed(Guard(options).Check(Request("GET", "/healthz")));
  ExpectAllowed(Guard(options).Check(Request("GET", "/metrics")));
  EXPECT_EQ(calls, 0);
  options.metrics_auth = true;
  ExpectRefused(Guard(options).Check(Request("GET", "/metrics")), 403, ApiRefusal::kMissingAuth,
                "MissingAuthenticationTokenException");
  ExpectAllowed(Guard(options).Check(Request("GET", "/healthz")));
}

TEST(RequestGuardTest, SdkSamplingPollsNeedNoSignature) {
  int calls = 0;
  const RequestGuard guard = Guard(WithAuth({AuthOutcome::kMissing, ""}, &calls));
  ExpectAllowed(
      guard.Check(Request("POST", "/GetSamplingRules", {{"content-type", "application/json"}})));
  ExpectAllowed(guard.Check(Request("POST", "/SamplingTargets")));
  EXPECT_EQ(calls, 0);
  ExpectRefused(guard.Check(Request("POST", "/SamplingRules")), 403, ApiRefusal::kMissingAuth,
                "MissingAuthenticationTokenException");
  ExpectRefused(
      guard.Check(Request("POST", "/GetSamplingRules", {{"origin", "http://evil.example"}})), 403,
      ApiRefusal::kCrossSite, "AccessDeniedException");
}

TEST(RequestGuardTest, BrowserChecksComeBeforeAuthentication) {
  int calls = 0;
  const RequestGuard guard = Guard(WithAuth({AuthOutcome::kOk, ""}, &calls));
  ExpectRefused(guard.Check(Request("POST", "/Groups", {{"origin", "http://evil.example"}})), 403,
                ApiRefusal::kCrossSite, "AccessDeniedException");
  ExpectRefused(guard.Check(Request("POST", "/Groups", {{"content-type", "text/plain"}})), 415,
                ApiRefusal::kContentType, "UnsupportedMediaTypeException");
  EXPECT_EQ(calls, 0);
}

TEST(RequestGuardTest, CorsOriginSeesAuthenticationErrors) {
  int calls = 0;
  ApiSecurityOptions options = WithAuth({AuthOutcome::kUnknownKey, ""}, &calls);
  options.cors_origins = {"http://localhost:3000"};
  const GuardDecision refused =
      Guard(options).Check(Request("POST", "/Groups", {{"origin", "http://localhost:3000"}}));
  ExpectRefused(refused, 403, ApiRefusal::kUnknownKey, "UnrecognizedClientException");
  EXPECT_EQ(Header(*refused.response, "Access-Control-Allow-Origin"), "http://localhost:3000");
}

// --- Response headers ---

TEST(RequestGuardTest, SecurityHeadersForbidFramingAndSniffing) {
  auto headers = SecurityHeaders("application/json");
  auto find = [&headers](std::string_view name) {
    for (const auto& [key, value] : headers) {
      if (key == name) {
        return value;
      }
    }
    return std::string();
  };
  EXPECT_EQ(find("Content-Security-Policy"), "default-src 'none'; frame-ancestors 'none'");
  EXPECT_EQ(find("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(find("Referrer-Policy"), "no-referrer");
  headers = SecurityHeaders("text/html; charset=utf-8");
  EXPECT_NE(find("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
}

TEST(RequestGuardTest, LoopbackHosts) {
  for (const char* host :
       {"localhost", "a.localhost", "127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "10.0.0.1", "::", "localhostx", ".localhost", "evil"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

}  // namespace
}  // namespace xrayd::daemon
