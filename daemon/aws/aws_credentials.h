#pragma once
// AWS credentials for forwarding: the credentials struct, the thread-safe caching provider
// interface, and the default chain in the AWS SDKs' order (docs/forwarding.md#credentials-chain):
//   environment -> shared credentials/config files (profile) -> web identity (STS
//   AssumeRoleWithWebIdentity) -> ECS/EKS container endpoint -> EC2 IMDSv2,
// optionally topped by `-r ROLE_ARN` (STS AssumeRole signed with the chain's credentials).
// Secrets (secret key, session token, web identity / container tokens) never appear in error
// messages or logs: errors name the source, file, URL and HTTP status only.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/environment.h"
#include "daemon/net/http_proxy.h"
#include "proto/result.h"

namespace xrayd::daemon {

struct AwsCredentials {
  std::string access_key_id{};
  std::string secret_access_key{};
  std::string session_token{};                                        // Empty for long-term keys.
  std::optional<std::chrono::system_clock::time_point> expiration{};  // nullopt: never expires.
  std::string source{};  // Which provider gave them ("environment", "imds", ...), for logs.
};

// A wall clock seam (tests advance a fake time).
using WallClock = std::function<std::chrono::system_clock::time_point()>;

// Thread-safe. Get() returns cached credentials and fetches new ones when none are cached or the
// cached ones expire within the refresh margin (5 minutes). If a refresh fails while the cached
// credentials are still valid, the cached ones are returned.
// Errors: kNotFound when no source is configured (forwarding then stays off), other codes when a
// configured source failed (kIOError network/HTTP, kMalformed bad answer or file,
// kInvalidArgument).
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  [[nodiscard]] virtual Result<AwsCredentials> Get() = 0;
  virtual std::string Name() const = 0;
};

struct CredentialsOptions {
  Environment env{};                // Usually ProcessEnvironment(); tests pass their own.
  std::string profile{};            // Overrides AWS_PROFILE when not empty.
  std::string region{};             // Region for STS (default us-east-1 when empty).
  std::string sts_endpoint{};       // Overrides https://sts.<region>.<partition suffix>.
  std::string role_arn{};           // -r: assume this role on top of the chain ("" = none).
  std::string role_session_name{};  // Default "xrayd-<epoch seconds>".
  bool skip_imds = false;  // Local mode: never ask EC2 IMDS (also AWS_EC2_METADATA_DISABLED).
  // Where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is resolved (tests point it at a loopback fake).
  std::string container_endpoint = "http://169.254.170.2";
  bool verify_tls = true;
  ProxySettings proxy{};  // Proxies for STS calls; IMDS and the container endpoint never use them.
  std::chrono::milliseconds http_timeout{3000};
  std::chrono::seconds refresh_margin{300};
  WallClock clock{};  // Default std::chrono::system_clock::now.
};

// The default chain (cached), with AssumeRole on top when options.role_arn is set.
std::unique_ptr<CredentialsProvider> MakeDefaultCredentialsChain(CredentialsOptions options);

// Each source alone (cached). Each returns kNotFound when it is not configured in `options.env`.
std::unique_ptr<CredentialsProvider> MakeEnvironmentCredentials(const CredentialsOptions& options);
std::unique_ptr<CredentialsProvider> MakeProfileCredentials(const CredentialsOptions& options);
std::unique_ptr<CredentialsProvider> MakeWebIdentityCredentials(const CredentialsOptions& options);
std::unique_ptr<CredentialsProvider> MakeContainerCredentials(const CredentialsOptions& options);
std::unique_ptr<CredentialsProvider> MakeImdsCredentials(const CredentialsOptions& options);
// STS AssumeRole of `role_arn`, signed with `base`'s credentials (cached).
std::unique_ptr<CredentialsProvider> MakeAssumeRoleCredentials(
    std::shared_ptr<CredentialsProvider> base, std::string role_arn,
    const CredentialsOptions& options);
// Fixed credentials (tests, config).
std::unique_ptr<CredentialsProvider> MakeStaticCredentials(AwsCredentials credentials);

// "AKIA****WXYZ"-style redaction of an access key id for logs (secrets are never logged at all).
std::string RedactAccessKeyId(std::string_view access_key_id);

}  // namespace xrayd::daemon
