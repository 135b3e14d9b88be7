#pragma once
// Shared pieces of the credential sources (aws_credentials*.cc). Not for use outside them.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/aws/aws_credentials.h"
#include "daemon/core/environment.h"
#include "proto/result.h"

namespace xrayd::daemon::internal {

// One uncached fetch. kNotFound = this source is not configured (a chain tries the next one).
using CredentialsFetcher = std::function<Result<AwsCredentials>()>;

// Wraps `fetch` in the thread-safe cache of CredentialsProvider (refresh `options.refresh_margin`
// before expiry; keep serving still-valid credentials when a refresh fails).
std::unique_ptr<CredentialsProvider> MakeCached(std::string name, CredentialsFetcher fetch,
                                                const CredentialsOptions& options);

// Uncached fetchers, one per source.
CredentialsFetcher EnvironmentFetcher(const CredentialsOptions& options);
CredentialsFetcher ProfileFetcher(const CredentialsOptions& options);
CredentialsFetcher WebIdentityFetcher(const CredentialsOptions& options);
CredentialsFetcher ContainerFetcher(const CredentialsOptions& options);
CredentialsFetcher ImdsFetcher(const CredentialsOptions& options);
CredentialsFetcher AssumeRoleFetcher(std::shared_ptr<CredentialsProvider> base,
                                     std::string role_arn, const CredentialsOptions& options);

// The value of `name` if set and not empty.
std::optional<std::string> EnvValue(const Environment& env, std::string_view name);
bool EnvTrue(const Environment& env, std::string_view name);  // "true" in any case

// {"AccessKeyId","SecretAccessKey","Token","Expiration"} (ECS and IMDS answers).
Result<AwsCredentials> ParseCredentialsJson(std::string_view body, std::string_view source);

}  // namespace xrayd::daemon::internal
