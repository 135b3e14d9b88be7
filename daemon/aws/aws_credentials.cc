#include "daemon/aws/aws_credentials.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/aws/aws_credentials_internal.h"
#include "daemon/aws/aws_profile.h"
#include "proto/iso8601.h"
#include "proto/text.h"

namespace xrayd::daemon {

namespace internal {

namespace {

class CachedProvider final : public CredentialsProvider {
 public:
  CachedProvider(std::string name, CredentialsFetcher fetch, WallClock clock,
                 std::chrono::seconds margin)
      : name_(std::move(name)),
        fetch_(std::move(fetch)),
        clock_(std::move(clock)),
        margin_(margin) {}

  Result<AwsCredentials> Get() override {
    std::lock_guard lock(mu_);
    const auto now = clock_();
    if (cached_ && (!cached_->expiration || now < *cached_->expiration - margin_)) {
      return *cached_;
    }
    auto fresh = fetch_();
    if (fresh) {
      cached_ = *fresh;
      return fresh;
    }
    if (cached_ && cached_->expiration && now < *cached_->expiration) {
      return *cached_;
    }
    return fresh;
  }

  std::string Name() const override { return name_; }

 private:
  const std::string name_;
  const CredentialsFetcher fetch_;
  const WallClock clock_;
  const std::chrono::seconds margin_;
  std::mutex mu_;
  std::optional<AwsCredentials> cached_;  // Guarded by mu_.
};

}  // namespace

std::unique_ptr<CredentialsProvider> MakeCached(std::string name, CredentialsFetcher fetch,
                                                const CredentialsOptions& options) {
  WallClock clock = options.clock ? options.clock : [] { return std::chrono::system_clock::now(); };
  return std::make_unique<CachedProvider>(std::move(name), std::move(fetch), std::move(clock),
                                          options.refresh_margin);
}

std::optional<std::string> EnvValue(const Environment& env, std::string_view name) {
  const auto it = env.find(name);
  if (it == env.end() || it->second.empty()) {
    return std::nullopt;
  }
  return it->second;
}

bool EnvTrue(const Environment& env, std::string_view name) {
  const auto value = EnvValue(env, name);
  if (!value) {
    return false;
  }
  return proto::EqualsIgnoreCase(*value, "true");
}

Result<AwsCredentials> ParseCredentialsJson(std::string_view body, std::string_view source) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  auto field = [&](const char* name) -> std::string {
    if (!json.is_object()) {
      return "";
    }
    const auto it = json.find(name);
    return it != json.end() && it->is_string() ? it->get<std::string>() : "";
  };
  if (json.is_discarded() || !json.is_object()) {
    return MakeError(ErrorCode::kMalformed,
                     std::string(source) + ": credentials answer is not a JSON object");
  }
  if (const std::string code = field("Code"); !code.empty() && code != "Success") {
    return MakeError(ErrorCode::kIOError,
                     std::string(source) + ": credentials answer has Code " + code);
  }
  AwsCredentials credentials;
  credentials.access_key_id = field("AccessKeyId");
  credentials.secret_access_key = field("SecretAccessKey");
  credentials.session_token = field("Token");
  credentials.source = std::string(source);
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return MakeError(ErrorCode::kMalformed, std::string(source) +
                                                ": credentials answer lacks AccessKeyId or "
                                                "SecretAccessKey");
  }
  if (const std::string expiration = field("Expiration"); !expiration.empty()) {
    credentials.expiration = proto::ParseIso8601Time(expiration);
    if (!credentials.expiration) {
      return MakeError(ErrorCode::kMalformed,
                       std::string(source) + ": credentials answer has a bad Expiration");
    }
  }
  return credentials;
}

CredentialsFetcher EnvironmentFetcher(const CredentialsOptions& options) {
  return [env = options.env]() -> Result<AwsCredentials> {
    const auto id = EnvValue(env, "AWS_ACCESS_KEY_ID");
    const auto secret = EnvValue(env, "AWS_SECRET_ACCESS_KEY");
    if (!id || !secret) {
      return MakeError(ErrorCode::kNotFound,
                       "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set");
    }
    AwsCredentials credentials;
    credentials.access_key_id = *id;
    credentials.secret_access_key = *secret;
    credentials.session_token = EnvValue(env, "AWS_SESSION_TOKEN").value_or("");
    credentials.source = "environment";
    if (const auto expiration = EnvValue(env, "AWS_CREDENTIAL_EXPIRATION")) {
      credentials.expiration = proto::ParseIso8601Time(*expiration);
      if (!credentials.expiration) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "environment: AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time");
      }
    }
    return credentials;
  };
}

CredentialsFetcher ProfileFetcher(const CredentialsOptions& options) {
  return [env = options.env, override_name = options.profile]() -> Result<AwsCredentials> {
    const std::string profile = ActiveProfileName(env, override_name);
    auto values = LoadProfile(env, profile);
    if (!values) {
      return MakeError(values.error().code, "shared files: " + values.error().message);
    }
    auto get = [&](std::string_view key) -> std::string {
      const auto it = values->find(key);
      return it != values->end() ? it->second : "";
    };
    const std::string where = "shared files: profile '" + profile + "'";
    if (!get("aws_access_key_id").empty() || !get("aws_secret_access_key").empty()) {
      if (get("aws_access_key_id").empty() || get("aws_secret_access_key").empty()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         where + " sets only one of aws_access_key_id and aws_secret_access_key");
      }
      AwsCredentials credentials;
      credentials.access_key_id = get("aws_access_key_id");
      credentials.secret_access_key = get("aws_secret_access_key");
      credentials.session_token = get("aws_session_token");
      credentials.source = "profile:" + profile;
      return credentials;
    }
    if (!get("web_identity_token_file").empty()) {
      return MakeError(ErrorCode::kNotFound, where + " uses web identity (next source)");
    }
    for (const char* unsupported : {"credential_process", "source_profile", "sso_session",
                                    "sso_start_url", "credential_source"}) {
      if (!get(unsupported).empty()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         where + " uses " + unsupported +
                             ", which xrayd does not support: give keys, web identity, or -r "
                             "ROLE_ARN with another source");
      }
    }
    return MakeError(ErrorCode::kNotFound, where + " has no credentials");
  };
}

Result<AwsCredentials> RunChain(
    const std::vector<std::pair<std::string, CredentialsFetcher>>& chain) {
  std::string tried;
  for (const auto& [name, fetch] : chain) {
    auto credentials = fetch();
    if (credentials) {
      return credentials;
    }
    if (credentials.error().code != ErrorCode::kNotFound) {
      return credentials;
    }
    if (!tried.empty()) {
      tried += "; ";
    }
    tried += credentials.error().message;
  }
  return MakeError(ErrorCode::kNotFound, "no AWS credentials found (" + tried + ")");
}

}  // namespace internal

std::unique_ptr<CredentialsProvider> MakeDefaultCredentialsChain(CredentialsOptions options) {
  std::vector<std::pair<std::string, internal::CredentialsFetcher>> chain = {
      {"environment", internal::EnvironmentFetcher(options)},
      {"shared-files", internal::ProfileFetcher(options)},
      {"web-identity", internal::WebIdentityFetcher(options)},
      {"container", internal::ContainerFetcher(options)},
      {"imds", internal::ImdsFetcher(options)},
  };
  auto base = internal::MakeCached(
      "default-chain", [chain = std::move(chain)] { return internal::RunChain(chain); }, options);
  if (options.role_arn.empty()) {
    return base;
  }
  std::string role = options.role_arn;
  return MakeAssumeRoleCredentials(std::shared_ptr<CredentialsProvider>(std::move(base)),
                                   std::move(role), std::move(options));
}

std::unique_ptr<CredentialsProvider> MakeEnvironmentCredentials(const CredentialsOptions& options) {
  return internal::MakeCached("environment", internal::EnvironmentFetcher(options), options);
}
std::unique_ptr<CredentialsProvider> MakeProfileCredentials(const CredentialsOptions& options) {
  return internal::MakeCached("shared-files", internal::ProfileFetcher(options), options);
}
std::unique_ptr<CredentialsProvider> MakeWebIdentityCredentials(const CredentialsOptions& options) {
  return internal::MakeCached("web-identity", internal::WebIdentityFetcher(options), options);
}
std::unique_ptr<CredentialsProvider> MakeContainerCredentials(const CredentialsOptions& options) {
  return internal::MakeCached("container", internal::ContainerFetcher(options), options);
}
std::unique_ptr<CredentialsProvider> MakeImdsCredentials(const CredentialsOptions& options) {
  return internal::MakeCached("imds", internal::ImdsFetcher(options), options);
}
std::unique_ptr<CredentialsProvider> MakeAssumeRoleCredentials(
    std::shared_ptr<CredentialsProvider> base, std::string role_arn,
    const CredentialsOptions& options) {
  return internal::MakeCached(
      "assume-role", internal::AssumeRoleFetcher(std::move(base), std::move(role_arn), options),
      options);
}

std::unique_ptr<CredentialsProvider> MakeStaticCredentials(AwsCredentials credentials) {
  if (credentials.source.empty()) {
    credentials.source = "static";
  }
  CredentialsOptions options;
  return internal::MakeCached(
      "static", [credentials]() -> Result<AwsCredentials> { return credentials; }, options);
}

std::string RedactAccessKeyId(std::string_view access_key_id) {
  if (access_key_id.size() <= 8) {
    return "****";
  }
  return std::string(access_key_id.substr(0, 4)) + "****" +
         std::string(access_key_id.substr(access_key_id.size() - 4));
}

}  // namespace xrayd::daemon
