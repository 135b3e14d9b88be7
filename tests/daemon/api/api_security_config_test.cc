// The security settings (--allowed-host, --cors-origin, --api-auth, --api-key, --api-keys-file,
// --metrics-auth and their cfg.yaml keys) and the SigV4 authenticator built from them.
#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "daemon/api_security.h"
#include "daemon/aws/sigv4.h"
#include "daemon/config.h"
#include "tests/support/test_daemon_config.h"

namespace xrayd::daemon {
namespace {

const Environment kEnv{{"HOME", "/home/u"}};

std::string TempFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ApiSecurityConfigTest, DefaultsAreOpenLoopbackWithoutAuth) {
  auto parsed = ParseDaemonFlags({}, kEnv);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->config.allowed_hosts.empty());
  EXPECT_TRUE(parsed->config.cors_origins.empty());
  EXPECT_FALSE(parsed->config.api_auth_sigv4);
  EXPECT_FALSE(ApiSecurityFor(parsed->config).authenticate);
}

TEST(ApiSecurityConfigTest, RepeatableFlagsAndCommaLists) {
  auto parsed = ParseDaemonFlags({"--allowed-host", "xray-daemon", "--allowed-host=a.example,b",
                                  "--cors-origin", "http://localhost:3000"},
                                 kEnv);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->config.allowed_hosts,
            (std::vector<std::string>{"xray-daemon", "a.example", "b"}));
  EXPECT_EQ(parsed->config.cors_origins, (std::vector<std::string>{"http://localhost:3000"}));
  for (const char* bad : {"localhost:3000", "http://x/path", "*", ""}) {
    auto refused = ParseDaemonFlags({"--cors-origin", bad}, kEnv);
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message.find("--cors-origin"), std::string::npos);
  }
}

TEST(ApiSecurityConfigTest, CfgYamlKeysAcceptListsAndFlagsAdd) {
  const std::string keys = TempFile("keys-yaml", "AKIDFILE:filesecret\n");
  const std::string cfg = TempFile("security.yaml",
                                   "Version: 2\nXrayd:\n  AllowedHosts: [xray-daemon, other]\n"
                                   "  CorsOrigins: http://localhost:3000\n  ApiAuth: sigv4\n"
                                   "  ApiKeysFile: " +
                                       keys + "\n  MetricsAuth: true\n");
  auto parsed = ParseDaemonFlags({"-c", cfg, "--allowed-host", "third"}, kEnv);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->config.allowed_hosts,
            (std::vector<std::string>{"xray-daemon", "other", "third"}));
  EXPECT_TRUE(parsed->config.api_auth_sigv4);
  EXPECT_TRUE(parsed->config.metrics_auth);
  EXPECT_EQ(parsed->config.api_keys.at("AKIDFILE"), "filesecret");
}

TEST(ApiSecurityConfigTest, KeysFromFlagsAndFileNeverPrinted) {
  const std::string keys =
      TempFile("keys", "# comment\n\nAKIDONE:secret-one\r\n  AKIDTWO:secret:two  \n");
  auto parsed = ParseDaemonFlags(
      {"--api-auth", "sigv4", "--api-keys-file", keys, "--api-key", "AKIDTHREE:secret-three"},
      kEnv);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->config.api_keys.size(), 3u);
  EXPECT_EQ(parsed->config.api_keys.at("AKIDTWO"), "secret:two");
  const std::string printed = PrintConfig(*parsed);
  EXPECT_NE(printed.find("AKIDONE"), std::string::npos);
  EXPECT_EQ(printed.find("secret"), std::string::npos) << printed;
}

TEST(ApiSecurityConfigTest, BadSecuritySettingsAreRefusedWithoutLeakingSecrets) {
  auto no_keys = ParseDaemonFlags({"--api-auth", "sigv4"}, kEnv);
  ASSERT_FALSE(no_keys);
  EXPECT_NE(no_keys.error().message.find("--api-key"), std::string::npos);
  auto metrics_alone = ParseDaemonFlags({"--metrics-auth"}, kEnv);
  ASSERT_FALSE(metrics_alone);
  EXPECT_NE(metrics_alone.error().message.find("--api-auth"), std::string::npos);
  auto bad_mode = ParseDaemonFlags({"--api-auth", "basic"}, kEnv);
  ASSERT_FALSE(bad_mode);
  auto bad_key = ParseDaemonFlags({"--api-key", "nosecret"}, kEnv);
  ASSERT_FALSE(bad_key);
  const std::string keys = TempFile("bad-keys", "AKIDOK:fine\ntopsecretwithoutcolon\n");
  auto bad_file = ParseDaemonFlags({"--api-keys-file", keys}, kEnv);
  ASSERT_FALSE(bad_file);
  EXPECT_NE(bad_file.error().message.find("line 2"), std::string::npos);
  EXPECT_EQ(bad_file.error().message.find("topsecret"), std::string::npos);
  auto missing = ParseDaemonFlags({"--api-keys-file", "/nonexistent/keys"}, kEnv);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIOError);
}

// A request signed as the AWS SDKs sign it, as the server would hand it to the guard.
HttpRequest Signed(const std::string& key_id, const std::string& secret,
                   std::chrono::system_clock::time_point when) {
  HttpRequest request;
  request.method = "POST";
  request.target = "/Groups";
  request.body = "{}";
  request.headers = {{"host", "127.0.0.1:2000"}, {"content-type", "application/json"}};
  SigningRequest to_sign;
  to_sign.host = "127.0.0.1:2000";
  to_sign.path = "/Groups";
  to_sign.headers = {{"content-type", "application/json"}};
  to_sign.body = request.body;
  AwsCredentials credentials;
  credentials.access_key_id = key_id;
  credentials.secret_access_key = secret;
  auto headers = SignRequest(to_sign, credentials, "us-east-1", "xray", when);
  EXPECT_TRUE(headers);
  for (const auto& [name, value] : *headers) {
    request.headers[name] = value;
  }
  return request;
}

TEST(ApiSecurityConfigTest, SigV4AuthenticatorChecksKeysAndSignatures) {
  DaemonConfig config = testing_support::TestDaemonConfig();
  config.api_auth_sigv4 = true;
  config.api_keys = {{"AKIDGOOD", "good-secret"}};
  const ApiSecurityOptions options = ApiSecurityFor(config);
  ASSERT_TRUE(options.authenticate);
  const auto now = std::chrono::system_clock::now();

  EXPECT_EQ(options.authenticate(Signed("AKIDGOOD", "good-secret", now)).outcome, AuthOutcome::kOk);
  EXPECT_EQ(options.authenticate(Signed("AKIDOTHER", "good-secret", now)).outcome,
            AuthOutcome::kUnknownKey);
  EXPECT_EQ(options.authenticate(Signed("AKIDGOOD", "wrong-secret", now)).outcome,
            AuthOutcome::kBadSignature);
  EXPECT_EQ(
      options.authenticate(Signed("AKIDGOOD", "good-secret", now - std::chrono::hours(1))).outcome,
      AuthOutcome::kBadSignature);
  HttpRequest tampered = Signed("AKIDGOOD", "good-secret", now);
  tampered.body = R"({"GroupName":"x"})";
  const AuthCheck check = options.authenticate(tampered);
  EXPECT_EQ(check.outcome, AuthOutcome::kBadSignature);
  EXPECT_EQ(check.detail.find("good-secret"), std::string::npos);
  HttpRequest unsigned_request = tampered;
  unsigned_request.headers.erase("authorization");
  EXPECT_EQ(options.authenticate(unsigned_request).outcome, AuthOutcome::kMissing);
  unsigned_request.headers["authorization"] = "Basic dXNlcjpwYXNz";
  EXPECT_EQ(options.authenticate(unsigned_request).outcome, AuthOutcome::kBadSignature);
}

}  // namespace
}  // namespace xrayd::daemon
