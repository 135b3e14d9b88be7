// Proxy selection (daemon/http_proxy.h): proxy address parsing, NO_PROXY forms, the -p /
// environment rule, credential redaction; and HttpClient through a proxy (absolute form for http,
// CONNECT for https) against a FakeHttpServer playing the proxy on 127.0.0.1.
#include "daemon/net/http_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "daemon/aws/aws_credentials.h"
#include "daemon/net/http_client.h"
#include "tests/daemon/fake_http_server_support.h"

namespace xrayd::daemon {
namespace {

TEST(HttpProxyTest, ParsesProxyAddressForms) {
  struct Case {
    const char* text;
    const char* host;
    std::uint16_t port;
  };
  const Case cases[] = {
      {"http://127.0.0.1:3128", "127.0.0.1", 3128},
      {"127.0.0.1:3128", "127.0.0.1", 3128},
      {"HTTP://Proxy.Corp.example:8080/", "Proxy.Corp.example", 8080},
      {"http://proxy.corp.example", "proxy.corp.example", 80},
      {"proxy.corp.example", "proxy.corp.example", 80},
      {"  http://[::1]:8080  ", "::1", 8080},
  };
  for (const Case& c : cases) {
    auto url = ParseProxyUrl(c.text);
    ASSERT_TRUE(url) << c.text << ": " << url.error().message;
    EXPECT_EQ(url->host, c.host) << c.text;
    EXPECT_EQ(url->port, c.port) << c.text;
    EXPECT_FALSE(url->has_credentials) << c.text;
    EXPECT_EQ(url->BasicAuthorization(), "") << c.text;
  }
  EXPECT_EQ(ParseProxyUrl("http://[::1]:8080")->HostPort(), "[::1]:8080");
  EXPECT_EQ(ParseProxyUrl("h")->HostPort(), "h:80");
}

TEST(HttpProxyTest, CredentialsBecomeBasicProxyAuthorization) {
  // RFC 7617's example pair.
  auto url = ParseProxyUrl("http://Aladdin:open%20sesame@127.0.0.1:3128");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_TRUE(url->has_credentials);
  EXPECT_EQ(url->username, "Aladdin");
  EXPECT_EQ(url->password, "open sesame");
  EXPECT_EQ(url->BasicAuthorization(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(url->HostPort(), "127.0.0.1:3128");  // Never the credentials.

  auto user_only = ParseProxyUrl("bob@proxy:1");
  ASSERT_TRUE(user_only);
  EXPECT_EQ(user_only->BasicAuthorization(), "Basic Ym9iOg==");  // "bob:"
  // An '@' inside the password (escaped or not) still splits at the last '@'.
  auto at = ParseProxyUrl("http://u:p@ss@proxy:1");
  ASSERT_TRUE(at);
  EXPECT_EQ(at->password, "p@ss");
  EXPECT_EQ(at->host, "proxy");
}

TEST(HttpProxyTest, RejectsBadProxyAddressesWithoutShowingCredentials) {
  for (const char* text :
       {"", "   ", "https://proxy:443", "socks5://proxy:1080", "http://proxy:0",
        "http://proxy:99999", "http://proxy:", "http://:3128", "http://proxy:12ab", "http://[::1",
        "http://pro xy:1", "http://user:pa%zzss@proxy:1"}) {
    auto url = ParseProxyUrl(text);
    EXPECT_FALSE(url) << text;
    if (!url) {
      EXPECT_EQ(url.error().code, ErrorCode::kInvalidArgument) << text;
      EXPECT_NE(url.error().message.find("proxy"), std::string::npos) << url.error().message;
    }
  }
  auto url = ParseProxyUrl("http://admin:s3cr3t@proxy:notaport");
  ASSERT_FALSE(url);
  EXPECT_EQ(url.error().message.find("s3cr3t"), std::string::npos) << url.error().message;
  EXPECT_EQ(url.error().message.find("admin"), std::string::npos) << url.error().message;
  EXPECT_NE(url.error().message.find("***@proxy"), std::string::npos) << url.error().message;
}

TEST(HttpProxyTest, RedactsUserInfoOnly) {
  EXPECT_EQ(RedactProxyUrl("http://u:p@h:1"), "http://***@h:1");
  EXPECT_EQ(RedactProxyUrl("u:p@h:1/x@y"), "***@h:1/x@y");
  EXPECT_EQ(RedactProxyUrl("http://h:1"), "http://h:1");
  EXPECT_EQ(RedactProxyUrl(""), "");
}

TEST(HttpProxyTest, NoProxyForms) {
  struct Case {
    const char* no_proxy;
    const char* host;
    std::uint16_t port;
    bool match;
  };
  const Case cases[] = {
      {"*", "anything.example", 443, true},
      {"example.com", "example.com", 443, true},
      {"example.com", "xray.example.com", 443, true},
      {"example.com", "EXAMPLE.COM", 443, true},
      {"example.com", "example.com.", 443, true},
      {"example.com", "notexample.com", 443, false},
      {"example.com", "example.org", 443, false},
      {".example.com", "example.com", 443, true},
      {".example.com", "a.b.example.com", 443, true},
      {"*.example.com", "a.example.com", 443, true},
      {"*.example.com", "badexample.com", 443, false},
      {"foo.test, example.com ,bar.test", "x.example.com", 443, true},
      {"foo.test,,bar.test", "example.com", 443, false},
      {"example.com:8443", "example.com", 8443, true},
      {"example.com:8443", "example.com", 443, false},
      {"127.0.0.1", "127.0.0.1", 2000, true},
      {"127.0.0.1", "127.0.0.2", 2000, false},
      {"127.0.0.1:80", "127.0.0.1", 443, false},
      {"127.0.0.1", "localhost", 443, false},  // No name resolution: literals match literals.
      {"localhost", "localhost", 443, true},
      {"::1", "::1", 443, true},
      {"[::1]", "::1", 443, true},
      {"[::1]:443", "::1", 443, true},
      {"[::1]:443", "::1", 80, false},
      {"0:0:0:0:0:0:0:1", "::1", 443, true},  // Addresses compare as addresses.
      {"10.0.0.0/8", "10.200.3.4", 443, true},
      {"10.0.0.0/8", "11.0.0.1", 443, false},
      {"127.0.0.0/30", "127.0.0.3", 443, true},
      {"127.0.0.0/30", "127.0.0.4", 443, false},
      {"fd00::/8", "fd12::1", 443, true},
      {"fd00::/8", "10.0.0.1", 443, false},
      {"10.0.0.0/8", "ten.example", 443, false},
      {"10.0.0.0/33", "10.0.0.1", 443, false},  // Bad CIDR: ignored.
      {"", "example.com", 443, false},
      {".", "example.com", 443, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(NoProxyMatches(c.no_proxy, c.host, c.port), c.match)
        << "NO_PROXY='" << c.no_proxy << "' host=" << c.host << " port=" << c.port;
  }
}

ProxyUrl Expect(const Result<ProxyChoice>& choice) {
  EXPECT_TRUE(choice) << choice.error().message;
  EXPECT_TRUE(choice && choice->proxy);
  return choice && choice->proxy ? *choice->proxy : ProxyUrl{};
}

TEST(HttpProxyTest, EnvironmentProxiesFollowSchemeAndNoProxy) {
  const Environment env = {{"HTTPS_PROXY", "http://secure-proxy:3128"},
                           {"http_proxy", "plain-proxy:8080"},
                           {"NO_PROXY", "internal.example,127.0.0.1"}};
  const ProxySettings settings = ProxySettingsFrom("", env);
  EXPECT_EQ(Expect(SelectProxy(settings, "https", "xray.us-east-1.amazonaws.com", 443)).host,
            "secure-proxy");
  EXPECT_EQ(SelectProxy(settings, "https", "xray.us-east-1.amazonaws.com", 443)->reason,
            "HTTPS_PROXY");
  EXPECT_EQ(Expect(SelectProxy(settings, "http", "xray.example", 80)).HostPort(),
            "plain-proxy:8080");
  EXPECT_EQ(SelectProxy(settings, "http", "xray.example", 80)->reason, "http_proxy");
  // NO_PROXY matches: direct, whatever the scheme.
  auto bypass = SelectProxy(settings, "https", "api.internal.example", 443);
  ASSERT_TRUE(bypass);
  EXPECT_FALSE(bypass->proxy);
  EXPECT_EQ(bypass->reason, "NO_PROXY");
  EXPECT_FALSE(SelectProxy(settings, "http", "127.0.0.1", 2000)->proxy);
  // Loopback is not exempt by itself (unlike Go): only NO_PROXY bypasses.
  EXPECT_TRUE(SelectProxy(settings, "https", "127.0.0.2", 443)->proxy);
  EXPECT_TRUE(SelectProxy(settings, "https", "localhost", 443)->proxy);
}

TEST(HttpProxyTest, UpperCaseVariablesWinAndEmptyCountsAsUnset) {
  const ProxySettings both = ProxySettingsFrom(
      "", {{"HTTPS_PROXY", "upper:1"}, {"https_proxy", "lower:1"}, {"no_proxy", "x.test"}});
  EXPECT_EQ(Expect(SelectProxy(both, "https", "a.test", 443)).host, "upper");
  EXPECT_FALSE(SelectProxy(both, "https", "x.test", 443)->proxy);  // no_proxy read too.
  const ProxySettings empty_upper =
      ProxySettingsFrom("", {{"HTTPS_PROXY", ""}, {"https_proxy", "lower:1"}});
  EXPECT_EQ(Expect(SelectProxy(empty_upper, "https", "a.test", 443)).host, "lower");
  // HTTPS_PROXY alone does not apply to http targets (Go's rule), nor HTTP_PROXY to https.
  EXPECT_FALSE(
      SelectProxy(ProxySettingsFrom("", {{"HTTPS_PROXY", "p:1"}}), "http", "a", 80)->proxy);
  EXPECT_FALSE(
      SelectProxy(ProxySettingsFrom("", {{"HTTP_PROXY", "p:1"}}), "https", "a", 443)->proxy);
  const ProxySettings none = ProxySettingsFrom("", {{"NO_PROXY", "*"}});
  EXPECT_TRUE(none.Empty());
  EXPECT_FALSE(SelectProxy(none, "https", "a", 443)->proxy);
}

TEST(HttpProxyTest, ExplicitProxyAppliesToEveryTargetAndIgnoresNoProxy) {
  // As the official daemon: -p is http.ProxyURL(-p), the environment is not read for it.
  const ProxySettings settings =
      ProxySettingsFrom("http://explicit:3128", {{"HTTPS_PROXY", "env:1"}, {"NO_PROXY", "*"}});
  EXPECT_EQ(Expect(SelectProxy(settings, "https", "xray.us-east-1.amazonaws.com", 443)).host,
            "explicit");
  EXPECT_EQ(SelectProxy(settings, "https", "xray.us-east-1.amazonaws.com", 443)->reason, "-p");
  EXPECT_EQ(Expect(SelectProxy(settings, "http", "127.0.0.1", 8080)).host, "explicit");
}

TEST(HttpProxyTest, InstanceMetadataAndContainerEndpointsAreNeverProxied) {
  const ProxySettings settings =
      ProxySettingsFrom("http://explicit:3128", {{"HTTP_PROXY", "env:1"}});
  for (const char* host :
       {"169.254.169.254", "fd00:ec2::254", "169.254.170.2", "169.254.170.23", "fd00:ec2::23"}) {
    auto choice = SelectProxy(settings, "http", host, 80);
    ASSERT_TRUE(choice) << host;
    EXPECT_FALSE(choice->proxy) << host;
  }
  EXPECT_TRUE(SelectProxy(settings, "http", "169.254.169.253", 80)->proxy);
}

TEST(HttpProxyTest, BadProxyFailsRequestsWithRedactedMessage) {
  const ProxySettings settings =
      ProxySettingsFrom("", {{"HTTPS_PROXY", "https://user:hunter2@proxy:3128"}});
  auto choice = SelectProxy(settings, "https", "xray.us-east-1.amazonaws.com", 443);
  ASSERT_FALSE(choice);
  EXPECT_EQ(choice.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(choice.error().message.find("HTTPS_PROXY"), std::string::npos);
  EXPECT_EQ(choice.error().message.find("hunter2"), std::string::npos) << choice.error().message;
  // A bad proxy that does not apply to the target is harmless.
  EXPECT_TRUE(SelectProxy(settings, "http", "a", 80));
  const std::string line = DescribeProxyFor(settings, "https://xray.us-east-1.amazonaws.com");
  EXPECT_EQ(line.rfind("proxy=invalid (HTTPS_PROXY: ", 0), 0u) << line;
  EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
}

TEST(HttpProxyTest, DescribesTheProxyForTheStartUpLine) {
  EXPECT_EQ(DescribeProxyFor(ProxySettingsFrom("", {}), "https://x.test"), "");
  EXPECT_EQ(DescribeProxyFor(ProxySettingsFrom("http://u:secret@127.0.0.1:3128", {}),
                             "https://xray.us-east-1.amazonaws.com"),
            "proxy=127.0.0.1:3128 (-p)");
  EXPECT_EQ(DescribeProxyFor(ProxySettingsFrom("", {{"HTTPS_PROXY", "127.0.0.1:3128"},
                                                    {"NO_PROXY", "127.0.0.1"}}),
                             "https://127.0.0.1:4443"),
            "proxy=none (NO_PROXY matches 127.0.0.1)");
  EXPECT_EQ(
      DescribeProxyFor(ProxySettingsFrom("", {{"HTTP_PROXY", "127.0.0.1:3128"}}), "https://x.test"),
      "proxy=none");
}

// --- HttpClient through a proxy (FakeHttpServer plays the proxy) ---

std::uint16_t ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  close(fd);
  return ntohs(address.sin_port);
}

TEST(HttpClientProxyTest, HttpTargetGoesToTheProxyInAbsoluteForm) {
  FakeHttpServer proxy([](const FakeHttpRequest&) -> FakeHttpResponse {
    return {200, {}, "via proxy"};
  });
  HttpClientOptions options;
  options.proxy = ProxySettingsFrom(
      "http://Aladdin:open%20sesame@127.0.0.1:" + std::to_string(proxy.Port()), {});
  HttpClient client(options);
  ClientRequest request;
  request.method = "POST";
  request.url = "http://xray.invalid.test:2000/TraceSegments?a=1";
  request.body = "{}";
  auto response = client.Send(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "via proxy");
  const auto seen = proxy.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "http://xray.invalid.test:2000/TraceSegments?a=1");
  EXPECT_EQ(seen[0].Header("Host"), "xray.invalid.test:2000");
  EXPECT_EQ(seen[0].Header("Proxy-Authorization"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(seen[0].body, "{}");
}

TEST(HttpClientProxyTest, ProxyAuthenticationRequiredIsAProxyError) {
  FakeHttpServer proxy([](const FakeHttpRequest&) -> FakeHttpResponse {
    return {407, {{"Proxy-Authenticate", "Basic realm=\"p\""}}, "denied"};
  });
  HttpClientOptions options;
  options.proxy =
      ProxySettingsFrom("http://u:topsecret@127.0.0.1:" + std::to_string(proxy.Port()), {});
  HttpClient client(options);
  ClientRequest request;
  request.url = "http://xray.invalid.test/x";
  auto response = client.Send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, HttpErrorKind::kProxy);
  EXPECT_NE(response.error().message.find("127.0.0.1:" + std::to_string(proxy.Port())),
            std::string::npos)
      << response.error().message;
  EXPECT_NE(response.error().message.find("407"), std::string::npos) << response.error().message;
  EXPECT_EQ(response.error().message.find("topsecret"), std::string::npos);
  EXPECT_STREQ(HttpErrorKindName(response.error().kind), "proxy");
}

TEST(HttpClientProxyTest, HttpsTargetAsksForATunnelAndReportsItsRefusal) {
  FakeHttpServer proxy([](const FakeHttpRequest&) -> FakeHttpResponse {
    return {407, {{"Proxy-Authenticate", "Basic realm=\"p\""}}, "denied"};
  });
  HttpClientOptions options;
  options.proxy = ProxySettingsFrom(
      "", {{"HTTPS_PROXY", "http://u:topsecret@127.0.0.1:" + std::to_string(proxy.Port())}});
  HttpClient client(options);
  ClientRequest request;
  request.method = "POST";
  request.url = "https://xray.invalid.test/TraceSegments";
  request.body = "secret body";
  auto response = client.Send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, HttpErrorKind::kProxy) << response.error().message;
  const std::string& message = response.error().message;
  EXPECT_NE(message.find("proxy 127.0.0.1:" + std::to_string(proxy.Port())), std::string::npos)
      << message;
  EXPECT_NE(message.find("CONNECT xray.invalid.test:443 with 407"), std::string::npos) << message;
  EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
  const auto seen = proxy.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "CONNECT");
  EXPECT_EQ(seen[0].target, "xray.invalid.test:443");
  EXPECT_EQ(seen[0].Header("Host"), "xray.invalid.test:443");
  EXPECT_EQ(seen[0].Header("Proxy-Authorization"), "Basic dTp0b3BzZWNyZXQ=");  // "u:topsecret"
  EXPECT_TRUE(seen[0].body.empty());  // Nothing of the request itself reaches the proxy.
}

TEST(HttpClientProxyTest, RefusedProxyIsRefusedAndNoProxyBypassesIt) {
  FakeHttpServer target([](const FakeHttpRequest&) -> FakeHttpResponse {
    return {200, {}, "direct"};
  });
  const std::uint16_t closed = ClosedPort();
  HttpClientOptions options;
  options.proxy = ProxySettingsFrom("", {{"HTTP_PROXY", "127.0.0.1:" + std::to_string(closed)}});
  ClientRequest request;
  request.url = target.Url() + "/x";
  {
    HttpClient client(options);
    auto response = client.Send(request);
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().kind, HttpErrorKind::kRefused);
    EXPECT_NE(response.error().message.find("proxy 127.0.0.1:" + std::to_string(closed)),
              std::string::npos)
        << response.error().message;
    EXPECT_TRUE(target.Requests().empty());
  }
  options.proxy = ProxySettingsFrom("", {{"HTTP_PROXY", "127.0.0.1:" + std::to_string(closed)},
                                         {"NO_PROXY", "localhost,127.0.0.1"}});
  HttpClient client(options);
  auto response = client.Send(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "direct");
}

TEST(HttpClientProxyTest, BadProxyAddressFailsTheRequest) {
  HttpClientOptions options;
  options.proxy = ProxySettingsFrom("socks5://127.0.0.1:1080", {});
  HttpClient client(options);
  ClientRequest request;
  request.url = "http://127.0.0.1:9/x";
  auto response = client.Send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, HttpErrorKind::kProxy);
  EXPECT_NE(response.error().message.find("-p: bad proxy address"), std::string::npos)
      << response.error().message;
}

TEST(HttpClientProxyTest, StsCallsGoThroughTheConfiguredProxy) {
  FakeHttpServer proxy([](const FakeHttpRequest&) -> FakeHttpResponse {
    return {200,
            {{"Content-Type", "text/xml"}},
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAPROXIED"
            "</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
            "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult>"
            "</AssumeRoleResponse>"};
  });
  CredentialsOptions options;
  options.region = "us-east-1";
  options.sts_endpoint = "http://sts.invalid.test/";
  options.proxy = ProxySettingsFrom("127.0.0.1:" + std::to_string(proxy.Port()), {});
  auto provider = MakeAssumeRoleCredentials(
      MakeStaticCredentials({.access_key_id = "AKIDEXAMPLE", .secret_access_key = "secret"}),
      "arn:aws:iam::123456789012:role/r", options);
  auto credentials = provider->Get();
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "ASIAPROXIED");
  const auto seen = proxy.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "http://sts.invalid.test/");
  EXPECT_NE(seen[0].body.find("Action=AssumeRole"), std::string::npos);
}

}  // namespace
}  // namespace xrayd::daemon
