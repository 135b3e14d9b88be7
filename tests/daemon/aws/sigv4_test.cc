// SigV4 against AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite: inputs and
// expected Authorization headers reproduced below), the X-Ray golden vector of
// docs/forwarding.md#sigv4-signing, and the verifier used by fake endpoints.
#include "daemon/aws/sigv4.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace xrayd::daemon {
namespace {

using std::chrono::system_clock;

// 2015-08-30T12:36:00Z, the test suite's x-amz-date.
system_clock::time_point SuiteTime() {
  return system_clock::from_time_t(1440938160);
}

AwsCredentials SuiteCredentials() {
  AwsCredentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";
  credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  return credentials;
}

constexpr char kSuiteToken[] =
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPf"
    "IeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7W"
    "Z0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8"
    "FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

struct SuiteCase {
  const char* name;
  const char* method;
  const char* path;
  const char* query;
  SigV4Headers headers;  // Besides host and x-amz-date.
  const char* body;
  const char* signed_headers;
  const char* signature;
};

std::string Authorization(const SigV4Headers& headers) {
  for (const auto& [name, value] : headers) {
    if (name == "authorization") {
      return value;
    }
  }
  return "";
}

TEST(SigV4Test, MatchesTheAwsTestSuite) {
  const std::vector<SuiteCase> cases = {
      {"get-vanilla",
       "GET",
       "/",
       "",
       {},
       "",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"post-vanilla",
       "POST",
       "/",
       "",
       {},
       "",
       "host;x-amz-date",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"get-vanilla-empty-query-key",
       "GET",
       "/",
       "Param1=value1",
       {},
       "",
       "host;x-amz-date",
       "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
      {"get-vanilla-query-order-key-case",
       "GET",
       "/",
       "Param2=value2&Param1=value1",
       {},
       "",
       "host;x-amz-date",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-unreserved",
       "GET",
       "/",
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {},
       "",
       "host;x-amz-date",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-vanilla-utf8-query",
       "GET",
       "/",
       "\xE1\x88\xB4=bar",
       {},
       "",
       "host;x-amz-date",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"post-vanilla-query",
       "POST",
       "/",
       "Param1=value1",
       {},
       "",
       "host;x-amz-date",
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"post-vanilla-query-nonunreserved",
       "POST",
       "/",
       "%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D",
       {},
       "",
       "host;x-amz-date",
       "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"},
      {"post-vanilla-query-space",
       "POST",
       "/",
       "p=",
       {},
       "",
       "host;x-amz-date",
       "e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b"},
      {"get-unreserved",
       "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       "",
       {},
       "",
       "host;x-amz-date",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8",
       "GET",
       "/\xE1\x88\xB4",
       "",
       {},
       "",
       "host;x-amz-date",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-header-key-duplicate",
       "GET",
       "/",
       "",
       {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
       "",
       "host;my-header1;x-amz-date",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-order",
       "GET",
       "/",
       "",
       {{"My-Header1", "value4"},
        {"My-Header1", "value1"},
        {"My-Header1", "value3"},
        {"My-Header1", "value2"}},
       "",
       "host;my-header1;x-amz-date",
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"get-header-value-trim",
       "GET",
       "/",
       "",
       {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
       "",
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"post-header-key-sort",
       "POST",
       "/",
       "",
       {{"My-Header1", "value1"}},
       "",
       "host;my-header1;x-amz-date",
       "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
      {"post-header-value-case",
       "POST",
       "/",
       "",
       {{"My-Header1", "VALUE1"}},
       "",
       "host;my-header1;x-amz-date",
       "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"post-x-www-form-urlencoded",
       "POST",
       "/",
       "",
       {{"Content-Type", "application/x-www-form-urlencoded"}},
       "Param1=value1",
       "content-type;host;x-amz-date",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
      {"post-x-www-form-urlencoded-parameters",
       "POST",
       "/",
       "",
       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}},
       "Param1=value1",
       "content-type;host;x-amz-date",
       "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
      // Path normalisation (get-relative, get-slash, get-slash-dot-slash, get-slash-pointless-dot,
      // get-relative-relative): each canonical path is "/", so each signs as get-vanilla.
      {"get-relative",
       "GET",
       "/example/..",
       "",
       {},
       "",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-relative-relative",
       "GET",
       "/example1/example2/../..",
       "",
       {},
       "",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-slash",
       "GET",
       "//",
       "",
       {},
       "",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-slash-dot-slash",
       "GET",
       "/./",
       "",
       {},
       "",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    SigningRequest request;
    request.method = c.method;
    request.host = "example.amazonaws.com";
    request.path = c.path;
    request.query = c.query;
    request.headers = c.headers;
    request.body = c.body;
    auto added = SignRequest(request, SuiteCredentials(), "us-east-1", "service", SuiteTime(),
                             SigningOptions{.add_content_sha256 = false});
    ASSERT_TRUE(added) << added.error().message;
    EXPECT_EQ(Authorization(*added),
              std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                          "aws4_request, SignedHeaders=") +
                  c.signed_headers + ", Signature=" + c.signature);
  }
}

TEST(SigV4Test, SessionTokenIsSentAndSignedAsInPostStsHeaderBefore) {
  AwsCredentials credentials = SuiteCredentials();
  credentials.session_token = kSuiteToken;
  SigningRequest request;
  request.method = "POST";
  request.host = "example.amazonaws.com";
  auto added = SignRequest(request, credentials, "us-east-1", "service", SuiteTime(),
                           SigningOptions{.add_content_sha256 = false});
  ASSERT_TRUE(added);
  ASSERT_EQ(added->size(), 3u);
  EXPECT_EQ((*added)[0], (std::pair<std::string, std::string>("x-amz-date", "20150830T123600Z")));
  EXPECT_EQ((*added)[1],
            (std::pair<std::string, std::string>("x-amz-security-token", kSuiteToken)));
  EXPECT_EQ(Authorization(*added),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date;x-amz-security-token, "
            "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}

TEST(SigV4Test, IntermediateValuesMatchThePublishedOnes) {
  // post-vanilla's canonical request and string to sign.
  SigningRequest request;
  request.method = "POST";
  request.host = "example.amazonaws.com";
  request.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  const std::string canonical = CanonicalRequest(request, Sha256Hex(""));
  EXPECT_EQ(canonical,
            "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(StringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", canonical),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87");
  // The signing-key example of AWS's "derive a signing key" page (iam, 2012-02-15).
  const std::string key =
      SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
  EXPECT_EQ(HmacSha256Hex(key, "").size(), 64u);
  std::string hex;
  for (const unsigned char c : key) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 15]);
  }
  EXPECT_EQ(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
  EXPECT_EQ(FormatAmzDate(SuiteTime()), "20150830T123600Z");
}

TEST(SigV4Test, XrayGoldenVectorWithContentSha256) {
  // docs/forwarding.md#sigv4-signing: computed identically by @smithy/signature-v4 and an
  // independent implementation.
  const std::string body = R"({"TraceIds":["1-581cf771-a006649127e371903a2de979"]})";
  ASSERT_EQ(body.size(), 52u);
  SigningRequest request;
  request.method = "POST";
  request.host = "xray.us-east-1.amazonaws.com";
  request.path = "/Traces";
  request.headers = {{"content-type", "application/json"}};
  request.body = body;
  auto added = SignRequest(request, SuiteCredentials(), "us-east-1", "xray", SuiteTime());
  ASSERT_TRUE(added);
  ASSERT_EQ(added->size(), 3u);
  EXPECT_EQ((*added)[1].first, "x-amz-content-sha256");
  EXPECT_EQ((*added)[1].second, "1f1d118f0318dbcabb13ddb01904f5cca3df897b76688d997320a589c72ed54f");
  EXPECT_EQ(Authorization(*added),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/xray/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, "
            "Signature=a813caacbe784b94acf9ce436c3f43edb9ee3875d095d6b5fe9ea6ff24f27759");
}

// The signing key is kept between requests: each of the secret, the day, the region and the
// service must still change the signature, and going back gives the first one again.
TEST(SigV4Test, EverySigningInputStillChangesTheSignature) {
  SigningRequest request;
  request.host = "xray.us-east-1.amazonaws.com";
  request.path = "/TraceSegments";
  request.body = "{}";
  const auto sign = [&](const std::string& secret, std::chrono::system_clock::time_point when,
                        std::string_view region, std::string_view service) {
    AwsCredentials credentials = SuiteCredentials();
    credentials.secret_access_key = secret;
    auto added = SignRequest(request, credentials, region, service, when);
    EXPECT_TRUE(added);
    return added ? Authorization(*added) : std::string();
  };
  const std::string secret = SuiteCredentials().secret_access_key;
  const auto next_day = SuiteTime() + std::chrono::hours(24);
  const std::string first = sign(secret, SuiteTime(), "us-east-1", "xray");
  EXPECT_EQ(sign(secret, SuiteTime(), "us-east-1", "xray"), first);
  const std::string other_secret = sign(secret + "x", SuiteTime(), "us-east-1", "xray");
  EXPECT_NE(other_secret.substr(other_secret.find("Signature=")),
            first.substr(first.find("Signature=")));
  EXPECT_NE(sign(secret, next_day, "us-east-1", "xray"), first);
  EXPECT_NE(sign(secret, SuiteTime(), "eu-west-1", "xray"), first);
  EXPECT_NE(sign(secret, SuiteTime(), "us-east-1", "sts"), first);
  EXPECT_EQ(sign(secret, SuiteTime(), "us-east-1", "xray"), first);
}

TEST(SigV4Test, PathIsEncodedOnceMoreAsSentLikeEveryServiceButS3) {
  SigningRequest request;
  request.method = "GET";
  request.path = "/a%20b/c";
  request.headers = {{"host", "h"}, {"x-amz-date", "20150830T123600Z"}};
  EXPECT_TRUE(CanonicalRequest(request, "x").starts_with("GET\n/a%2520b/c\n"));
  EXPECT_EQ(EncodePath("/a b/\xC3\xBC"), "/a%20b/%C3%BC");
}

TEST(SigV4Test, RejectsUnusableInput) {
  SigningRequest request;
  request.host = "h";
  AwsCredentials empty;
  EXPECT_EQ(SignRequest(request, empty, "us-east-1", "xray", SuiteTime()).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(SignRequest(request, SuiteCredentials(), "", "xray", SuiteTime()));
  request.headers = {{"Authorization", "x"}};
  EXPECT_FALSE(SignRequest(request, SuiteCredentials(), "us-east-1", "xray", SuiteTime()));
}

// --- verification ---

struct SignedFixture {
  VerifyRequest request;
  std::string body = R"({"TraceSegmentDocuments":["{}"]})";
};

SignedFixture SignForVerify(const AwsCredentials& credentials, system_clock::time_point when) {
  SignedFixture fixture;
  SigningRequest request;
  request.method = "POST";
  request.host = "127.0.0.1:2000";
  request.path = "/TraceSegments";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = fixture.body;
  auto added = SignRequest(request, credentials, "us-west-2", "xray", when);
  EXPECT_TRUE(added);
  fixture.request.method = "POST";
  fixture.request.path = "/TraceSegments";
  fixture.request.headers = {{"Host", "127.0.0.1:2000"},
                             {"Content-Type", "application/json"},
                             {"User-Agent", "not signed"}};
  for (const auto& header : *added) {
    fixture.request.headers.push_back(header);
  }
  return fixture;
}

SecretLookup SuiteLookup() {
  return [](std::string_view id) -> std::optional<std::string> {
    if (id == "AKIDEXAMPLE") {
      return std::string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    }
    return std::nullopt;
  };
}

TEST(SigV4VerifyTest, AcceptsWhatSignRequestSigned) {
  AwsCredentials credentials = SuiteCredentials();
  credentials.session_token = "token";
  SignedFixture fixture = SignForVerify(credentials, SuiteTime());
  fixture.request.body = fixture.body;
  auto verified =
      VerifySignature(fixture.request, SuiteLookup(), SuiteTime() + std::chrono::minutes(5));
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(verified->region, "us-west-2");
  EXPECT_EQ(verified->signed_headers,
            (std::vector<std::string>{"content-type", "host", "x-amz-content-sha256", "x-amz-date",
                                      "x-amz-security-token"}));
}

TEST(SigV4VerifyTest, RejectsTamperingSkewWrongServiceAndUnknownKeys) {
  SignedFixture fixture = SignForVerify(SuiteCredentials(), SuiteTime());
  fixture.request.body = fixture.body;
  const auto now = SuiteTime();

  VerifyRequest tampered = fixture.request;
  const std::string other_body = R"({"TraceSegmentDocuments":["{ }"]})";
  tampered.body = other_body;
  auto result = VerifySignature(tampered, SuiteLookup(), now);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("x-amz-content-sha256"), std::string::npos);

  tampered = fixture.request;
  tampered.path = "/Traces";
  result = VerifySignature(tampered, SuiteLookup(), now);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("does not match"), std::string::npos);
  EXPECT_EQ(result.error().message.find("wJalrXUtn"), std::string::npos);

  tampered = fixture.request;
  tampered.headers[1].second = "text/plain";  // content-type is signed
  EXPECT_FALSE(VerifySignature(tampered, SuiteLookup(), now));

  tampered = fixture.request;
  tampered.headers[2].second = "changed";  // user-agent is not signed
  EXPECT_TRUE(VerifySignature(tampered, SuiteLookup(), now));

  result = VerifySignature(fixture.request, SuiteLookup(), now + std::chrono::minutes(16));
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("from the server's time"), std::string::npos);

  result =
      VerifySignature(fixture.request, SuiteLookup(), now,
                      VerifyOptions{.service = "sts", .max_clock_skew = std::chrono::seconds(900)});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("service"), std::string::npos);

  result = VerifySignature(
      fixture.request, [](std::string_view) -> std::optional<std::string> { return std::nullopt; },
      now);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("unknown access key"), std::string::npos);

  result = VerifySignature(
      fixture.request,
      [](std::string_view) -> std::optional<std::string> { return std::string("another secret"); },
      now);
  ASSERT_FALSE(result);

  tampered = fixture.request;
  std::erase_if(tampered.headers, [](const auto& h) { return h.first == "authorization"; });
  result = VerifySignature(tampered, SuiteLookup(), now);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("not signed"), std::string::npos);
}

TEST(SigV4VerifyTest, ParsesAuthorizationAndRejectsOtherShapes) {
  auto parsed = ParseAuthorization(
      "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/xray/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=abc");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->access_key_id, "AKID");
  EXPECT_EQ(parsed->service, "xray");
  EXPECT_EQ(parsed->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  EXPECT_EQ(parsed->signature, "abc");
  EXPECT_FALSE(ParseAuthorization("Bearer x"));
  EXPECT_FALSE(ParseAuthorization("AWS4-HMAC-SHA256 Credential=AKID/2015/us-east-1/xray"));
  EXPECT_FALSE(ParseAuthorization("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc"));
}

}  // namespace
}  // namespace xrayd::daemon
