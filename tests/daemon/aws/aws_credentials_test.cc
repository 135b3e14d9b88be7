// Each credential source alone, the chain's order, caching and refresh before expiry, AssumeRole
// on top, and that secrets never reach error messages. STS, ECS and IMDS are FakeHttpServers on
// 127.0.0.1; no test reaches another address (IMDS is always pointed at a fake or disabled).
#include "daemon/aws/aws_credentials.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/aws/sigv4.h"
#include "tests/daemon/fake_http_server_support.h"

namespace xrayd::daemon {
namespace {

using std::chrono::system_clock;
namespace fs = std::filesystem;

constexpr char kWebIdentityToken[] = "eyJ-web-identity-token-SECRET";
constexpr char kContainerToken[] = "container-auth-token-SECRET";

// 2026-01-01T00:00:00Z
constexpr std::int64_t kT0 = 1767225600;

std::string Iso(std::int64_t seconds) {
  const std::time_t t = seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string CredentialsJson(const std::string& id, std::int64_t expires) {
  return R"({"Code":"Success","AccessKeyId":")" + id + R"(","SecretAccessKey":"secret-)" + id +
         R"(","Token":"token-)" + id + R"(","Expiration":")" + Iso(expires) + R"("})";
}

std::string StsXml(const std::string& action, const std::string& id, std::int64_t expires) {
  return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + action +
         "Result><Credentials><SessionToken>token-" + id +
         "</SessionToken><SecretAccessKey>secret-" + id + "</SecretAccessKey><Expiration>" +
         Iso(expires) + "</Expiration><AccessKeyId>" + id + "</AccessKeyId></Credentials></" +
         action + "Result></" + action + "Response>";
}

class AwsCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("aws_credentials_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.env = {{"HOME", dir_.string()}, {"AWS_EC2_METADATA_DISABLED", "true"}};
    options_.clock = [this] { return system_clock::from_time_t(now_.load()); };
    options_.http_timeout = std::chrono::milliseconds(2000);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  fs::path dir_;
  std::atomic<std::int64_t> now_{kT0};
  CredentialsOptions options_;
};

// A fake IMDS: token, role list, role credentials; counts credential fetches.
struct FakeImds {
  explicit FakeImds(const std::string& id, std::int64_t expires, bool token_supported = true)
      : server([this, id, expires, token_supported](const FakeHttpRequest& r) -> FakeHttpResponse {
          if (r.method == "PUT" && r.path == "/latest/api/token") {
            if (!token_supported) {
              return {404, {}, ""};
            }
            if (r.Header("x-aws-ec2-metadata-token-ttl-seconds") != "21600") {
              return {400, {}, ""};
            }
            return {200, {}, "imds-session-token"};
          }
          if (token_supported && r.Header("x-aws-ec2-metadata-token") != "imds-session-token") {
            return {401, {}, ""};
          }
          if (r.path == "/latest/meta-data/iam/security-credentials/") {
            return {200, {}, "my-role\n"};
          }
          if (r.path == "/latest/meta-data/iam/security-credentials/my-role") {
            ++fetches;
            if (fail) {
              return {500, {}, "secret-" + id};
            }
            return {200, {}, CredentialsJson(id, expires)};
          }
          return {404, {}, ""};
        }) {}
  std::atomic<int> fetches{0};
  std::atomic<bool> fail{false};
  FakeHttpServer server;
};

TEST_F(AwsCredentialsTest, EnvironmentSource) {
  options_.env["AWS_ACCESS_KEY_ID"] = "AKIAENVIRONMENT1";
  options_.env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  options_.env["AWS_SESSION_TOKEN"] = "env-token";
  auto credentials = MakeEnvironmentCredentials(options_)->Get();
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIAENVIRONMENT1");
  EXPECT_EQ(credentials->secret_access_key, "env-secret");
  EXPECT_EQ(credentials->session_token, "env-token");
  EXPECT_FALSE(credentials->expiration);
  EXPECT_EQ(credentials->source, "environment");

  options_.env.erase("AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(MakeEnvironmentCredentials(options_)->Get().error().code, ErrorCode::kNotFound);
}

TEST_F(AwsCredentialsTest, SharedFilesSourceWithProfilesAndCredentialsFileWinning) {
  const std::string config = WriteFile("config",
                                       "[default]\nregion = us-east-1\n"
                                       "[profile dev]\nregion = eu-west-1\n"
                                       "aws_access_key_id = AKIACONFIGDEV\n"
                                       "aws_secret_access_key = config-secret\n"
                                       "s3 =\n  max_concurrent_requests = 2\n");
  const std::string credentials_file = WriteFile("credentials",
                                                 "# comment\n[default]\n"
                                                 "aws_access_key_id=AKIADEFAULT00\n"
                                                 "aws_secret_access_key=default-secret ; note\n"
                                                 "[dev]\naws_secret_access_key = file-secret\n"
                                                 "aws_session_token = dev-token\n");
  options_.env["AWS_CONFIG_FILE"] = config;
  options_.env["AWS_SHARED_CREDENTIALS_FILE"] = credentials_file;

  auto credentials = MakeProfileCredentials(options_)->Get();
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIADEFAULT00");
  EXPECT_EQ(credentials->secret_access_key, "default-secret");
  EXPECT_EQ(credentials->source, "profile:default");

  options_.env["AWS_PROFILE"] = "dev";
  credentials = MakeProfileCredentials(options_)->Get();
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIACONFIGDEV") << "from [profile dev] in config";
  EXPECT_EQ(credentials->secret_access_key, "file-secret") << "credentials file wins per key";
  EXPECT_EQ(credentials->session_token, "dev-token");

  options_.profile = "missing";
  EXPECT_EQ(MakeProfileCredentials(options_)->Get().error().code, ErrorCode::kNotFound);
}

TEST_F(AwsCredentialsTest, SharedFilesDefaultLocationsUnderHome) {
  fs::create_directories(dir_ / ".aws");
  WriteFile(".aws/credentials",
            "[default]\naws_access_key_id=AKIAHOME0000\n"
            "aws_secret_access_key=home-secret\n");
  auto credentials = MakeProfileCredentials(options_)->Get();
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIAHOME0000");
}

TEST_F(AwsCredentialsTest, SharedFilesUnsupportedProfileKindsFailClearly) {
  options_.env["AWS_CONFIG_FILE"] =
      WriteFile("config", "[profile p]\ncredential_process = /bin/secret-tool --print\n");
  options_.env["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "none").string();
  options_.profile = "p";
  auto result = MakeProfileCredentials(options_)->Get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(result.error().message.find("credential_process"), std::string::npos);
  EXPECT_EQ(result.error().message.find("secret-tool"), std::string::npos);
}

TEST_F(AwsCredentialsTest, WebIdentitySourceCallsAssumeRoleWithWebIdentity) {
  FakeHttpServer sts([](const FakeHttpRequest&) -> FakeHttpResponse {
    return {200, {}, StsXml("AssumeRoleWithWebIdentity", "ASIAWEBIDENTITY", kT0 + 3600)};
  });
  options_.env["AWS_WEB_IDENTITY_TOKEN_FILE"] =
      WriteFile("token", std::string(kWebIdentityToken) + "\n");
  options_.env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/xray-writer";
  options_.env["AWS_ROLE_SESSION_NAME"] = "pod-1";
  options_.sts_endpoint = sts.Url() + "/";
  auto credentials = MakeWebIdentityCredentials(options_)->Get();
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "ASIAWEBIDENTITY");
  EXPECT_EQ(credentials->secret_access_key, "secret-ASIAWEBIDENTITY");
  EXPECT_EQ(credentials->session_token, "token-ASIAWEBIDENTITY");
  EXPECT_EQ(credentials->expiration, system_clock::from_time_t(kT0 + 3600));

  const auto requests = sts.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].Header("authorization"), "") << "AssumeRoleWithWebIdentity is unsigned";
  EXPECT_EQ(requests[0].body,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
            "123456789012%3Arole%2Fxray-writer&RoleSessionName=pod-1&WebIdentityToken=" +
                std::string(kWebIdentityToken));

  options_.env.erase("AWS_ROLE_ARN");
  EXPECT_EQ(MakeWebIdentityCredentials(options_)->Get().error().code, ErrorCode::kNotFound);
}

TEST_F(AwsCredentialsTest, WebIdentityStsErrorNamesTheCodeButNotTheToken) {
  FakeHttpServer sts([](const FakeHttpRequest&) -> FakeHttpResponse {
    return {403,
            {},
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not "
            "authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error>"
            "</ErrorResponse>"};
  });
  options_.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = WriteFile("token", kWebIdentityToken);
  options_.env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/r";
  options_.sts_endpoint = sts.Url();
  auto result = MakeWebIdentityCredentials(options_)->Get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kIOError);
  EXPECT_NE(result.error().message.find("403 AccessDenied"), std::string::npos)
      << result.error().message;
  EXPECT_EQ(result.error().message.find(kWebIdentityToken), std::string::npos);
}

TEST_F(AwsCredentialsTest, ContainerSourceFullUriWithTokenFile) {
  FakeHttpServer ecs([](const FakeHttpRequest& r) -> FakeHttpResponse {
    if (r.Header("authorization") != kContainerToken) {
      return {401, {}, ""};
    }
    return {200, {}, CredentialsJson("ASIACONTAINER", kT0 + 3600)};
  });
  options_.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = ecs.Url() + "/v1/credentials";
  options_.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] =
      WriteFile("ecs-token", std::string(kContainerToken) + "\n");
  options_.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "ignored-when-the-file-is-set";
  auto credentials = MakeContainerCredentials(options_)->Get();
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(credentials->session_token, "token-ASIACONTAINER");
  EXPECT_EQ(credentials->source, "container");
  EXPECT_EQ(ecs.Requests().at(0).path, "/v1/credentials");
}

TEST_F(AwsCredentialsTest, ContainerSourceRelativeUriAndTokenVariable) {
  FakeHttpServer ecs([](const FakeHttpRequest& r) -> FakeHttpResponse {
    if (r.path != "/v2/credentials/abc" || r.Header("authorization") != "plain-token") {
      return {404, {}, ""};
    }
    return {200, {}, CredentialsJson("ASIARELATIVE", kT0 + 3600)};
  });
  options_.container_endpoint = ecs.Url();
  options_.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
  options_.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "plain-token";
  auto credentials = MakeContainerCredentials(options_)->Get();
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "ASIARELATIVE");
}

TEST_F(AwsCredentialsTest, ContainerSourceRefusesUnsafeUrisAndTokens) {
  // Rejected before any connection is attempted.
  options_.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://example.com/creds";
  auto result = MakeContainerCredentials(options_)->Get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(result.error().message.find("not allowed over http"), std::string::npos);

  FakeHttpServer ecs([](const FakeHttpRequest&) -> FakeHttpResponse { return {200, {}, "{}"}; });
  options_.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = ecs.Url() + "/creds";
  options_.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "abc\r\nX-Injected: 1";
  result = MakeContainerCredentials(options_)->Get();
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("line break"), std::string::npos);
  EXPECT_EQ(result.error().message.find("X-Injected"), std::string::npos);
  EXPECT_TRUE(ecs.Requests().empty());

  options_.env.erase("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  EXPECT_EQ(MakeContainerCredentials(options_)->Get().error().code, ErrorCode::kNotFound);
}

TEST_F(AwsCredentialsTest, ImdsV2SourceUsesASessionToken) {
  FakeImds imds("ASIAIMDS", kT0 + std::int64_t{6} * 3600);
  options_.env.erase("AWS_EC2_METADATA_DISABLED");
  options_.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.server.Url() + "/";
  auto credentials = MakeImdsCredentials(options_)->Get();
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "ASIAIMDS");
  EXPECT_EQ(credentials->source, "imds:my-role");
  const auto requests = imds.server.Requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].path, "/latest/api/token");
}

TEST_F(AwsCredentialsTest, ImdsFallsBackToV1UnlessDisabled) {
  FakeImds imds("ASIAIMDSV1", kT0 + 3600, /*token_supported=*/false);
  options_.env.erase("AWS_EC2_METADATA_DISABLED");
  options_.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.server.Url();
  auto credentials = MakeImdsCredentials(options_)->Get();
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "ASIAIMDSV1");

  options_.env["AWS_EC2_METADATA_V1_DISABLED"] = "true";
  auto result = MakeImdsCredentials(options_)->Get();
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("IMDSv1 is disabled"), std::string::npos);
}

TEST_F(AwsCredentialsTest, ImdsDisabledOrLocalModeIsNotFoundWithoutNetwork) {
  EXPECT_EQ(MakeImdsCredentials(options_)->Get().error().code, ErrorCode::kNotFound);
  options_.env.erase("AWS_EC2_METADATA_DISABLED");
  options_.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:9";  // would be refused
  options_.skip_imds = true;
  auto result = MakeImdsCredentials(options_)->Get();
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("local mode"), std::string::npos);
}

TEST_F(AwsCredentialsTest, ChainOrderEnvThenFilesThenWebIdentityThenContainerThenImds) {
  FakeHttpServer sts([](const FakeHttpRequest&) -> FakeHttpResponse {
    return {200, {}, StsXml("AssumeRoleWithWebIdentity", "ASIAWEB", kT0 + 3600)};
  });
  FakeHttpServer ecs([](const FakeHttpRequest&) -> FakeHttpResponse {
    return {200, {}, CredentialsJson("ASIAECS", kT0 + 3600)};
  });
  FakeImds imds("ASIAIMDS", kT0 + 3600);
  Environment& env = options_.env;
  env["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  env["AWS_SHARED_CREDENTIALS_FILE"] =
      WriteFile("credentials", "[default]\naws_access_key_id=AKIAFILE\naws_secret_access_key=s\n");
  env["AWS_CONFIG_FILE"] = (dir_ / "no-config").string();
  env["AWS_WEB_IDENTITY_TOKEN_FILE"] = WriteFile("token", kWebIdentityToken);
  env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/r";
  options_.sts_endpoint = sts.Url();
  env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = ecs.Url() + "/creds";
  env.erase("AWS_EC2_METADATA_DISABLED");
  env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.server.Url();

  auto first = [&] {
    auto credentials = MakeDefaultCredentialsChain(options_)->Get();
    EXPECT_TRUE(credentials) << credentials.error().message;
    return credentials ? credentials->access_key_id : std::string("<error>");
  };
  EXPECT_EQ(first(), "AKIAENV");
  env.erase("AWS_ACCESS_KEY_ID");
  EXPECT_EQ(first(), "AKIAFILE");
  env["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "no-credentials").string();
  EXPECT_EQ(first(), "ASIAWEB");
  env.erase("AWS_ROLE_ARN");
  EXPECT_EQ(first(), "ASIAECS");
  env.erase("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  EXPECT_EQ(first(), "ASIAIMDS");
  env["AWS_EC2_METADATA_DISABLED"] = "true";
  auto none = MakeDefaultCredentialsChain(options_)->Get();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  EXPECT_NE(none.error().message.find("no AWS credentials found"), std::string::npos);
}

TEST_F(AwsCredentialsTest, CachesAndRefreshesFiveMinutesBeforeExpiry) {
  FakeImds imds("ASIAIMDS", kT0 + 3600);
  options_.env.erase("AWS_EC2_METADATA_DISABLED");
  options_.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.server.Url();
  auto provider = MakeDefaultCredentialsChain(options_);
  ASSERT_TRUE(provider->Get());
  EXPECT_EQ(imds.fetches.load(), 1);
  now_ = kT0 + 3600 - 301;
  ASSERT_TRUE(provider->Get());
  EXPECT_EQ(imds.fetches.load(), 1) << "more than 5 minutes left: cached";
  now_ = kT0 + 3600 - 299;
  ASSERT_TRUE(provider->Get());
  EXPECT_EQ(imds.fetches.load(), 2) << "under 5 minutes left: refreshed";

  // A failed refresh keeps serving credentials that are still valid, then reports the failure.
  imds.fail = true;
  auto still_valid = provider->Get();
  ASSERT_TRUE(still_valid);
  EXPECT_EQ(imds.fetches.load(), 3);
  now_ = kT0 + 3600 + 1;
  auto expired = provider->Get();
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().message.find("secret-ASIAIMDS"), std::string::npos);
}

TEST_F(AwsCredentialsTest, ConcurrentGetsFetchOnce) {
  FakeImds imds("ASIAIMDS", kT0 + 3600);
  options_.env.erase("AWS_EC2_METADATA_DISABLED");
  options_.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.server.Url();
  auto provider = MakeImdsCredentials(options_);
  std::vector<std::thread> threads;
  threads.reserve(8);
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { ok += provider->Get().has_value() ? 1 : 0; });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(imds.fetches.load(), 1);
}

TEST_F(AwsCredentialsTest, AssumeRoleOnTopOfTheChainIsSignedWithTheChainsKeys) {
  std::string verify_error;
  FakeHttpServer sts([&](const FakeHttpRequest& r) -> FakeHttpResponse {
    VerifyRequest request{r.method, r.path, r.query, r.headers, r.body};
    auto verified = VerifySignature(
        request,
        [](std::string_view id) -> std::optional<std::string> {
          if (id == "AKIABASE") {
            return std::string("base-secret");
          }
          return std::nullopt;
        },
        system_clock::from_time_t(kT0), VerifyOptions{.service = "sts"});
    if (!verified) {
      verify_error = verified.error().message;
      return {403, {}, "<Error><Code>SignatureDoesNotMatch</Code></Error>"};
    }
    return {200, {}, StsXml("AssumeRole", "ASIAASSUMED", kT0 + 3600)};
  });
  options_.env["AWS_ACCESS_KEY_ID"] = "AKIABASE";
  options_.env["AWS_SECRET_ACCESS_KEY"] = "base-secret";
  options_.sts_endpoint = sts.Url() + "/";
  options_.region = "us-west-2";
  options_.role_arn = "arn:aws:iam::123456789012:role/cross-account";
  options_.role_session_name = "xrayd-test";
  auto credentials = MakeDefaultCredentialsChain(options_)->Get();
  ASSERT_TRUE(credentials) << credentials.error().message << " / " << verify_error;
  EXPECT_EQ(credentials->access_key_id, "ASIAASSUMED");
  EXPECT_EQ(credentials->source, "assume-role:arn:aws:iam::123456789012:role/cross-account");
  const auto requests = sts.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].body.find("Action=AssumeRole&"), std::string::npos);
  EXPECT_NE(requests[0].body.find("RoleSessionName=xrayd-test"), std::string::npos);
  EXPECT_NE(requests[0].Header("authorization").find("/us-west-2/sts/aws4_request"),
            std::string::npos);
}

TEST_F(AwsCredentialsTest, SecretsNeverAppearInErrorMessages) {
  const std::vector<std::string> secrets = {"env-secret-VALUE", "env-token-VALUE",
                                            kWebIdentityToken,  kContainerToken,
                                            "secret-LEAK",      "token-LEAK"};
  std::vector<std::string> messages;
  // A container endpoint that echoes secrets in an error body.
  FakeHttpServer ecs([](const FakeHttpRequest&) -> FakeHttpResponse {
    return {500, {}, R"({"SecretAccessKey":"secret-LEAK","Token":"token-LEAK"})"};
  });
  // Credentials JSON whose expiration is bad.
  FakeHttpServer bad_json([](const FakeHttpRequest&) -> FakeHttpResponse {
    return {200,
            {},
            R"({"AccessKeyId":"A","SecretAccessKey":"secret-LEAK","Token":"token-LEAK",)"
            R"("Expiration":"soon"})"};
  });
  CredentialsOptions options = options_;
  options.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = ecs.Url() + "/creds";
  options.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = kContainerToken;
  messages.push_back(MakeContainerCredentials(options)->Get().error().message);
  options.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = bad_json.Url() + "/creds";
  messages.push_back(MakeContainerCredentials(options)->Get().error().message);

  options = options_;
  options.env["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  options.env["AWS_SECRET_ACCESS_KEY"] = "env-secret-VALUE";
  options.env["AWS_SESSION_TOKEN"] = "env-token-VALUE";
  options.env["AWS_CREDENTIAL_EXPIRATION"] = "not a time";
  messages.push_back(MakeDefaultCredentialsChain(options)->Get().error().message);

  options = options_;
  options.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = WriteFile("token", kWebIdentityToken);
  options.env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/r";
  options.sts_endpoint = "http://127.0.0.1:9";  // refused
  messages.push_back(MakeDefaultCredentialsChain(options)->Get().error().message);

  ASSERT_EQ(messages.size(), 4u);
  for (const auto& message : messages) {
    EXPECT_FALSE(message.empty());
    for (const auto& secret : secrets) {
      EXPECT_EQ(message.find(secret), std::string::npos) << message;
    }
  }
  EXPECT_EQ(RedactAccessKeyId("AKIAIOSFODNN7EXAMPLE"), "AKIA****MPLE");
}

}  // namespace
}  // namespace xrayd::daemon
