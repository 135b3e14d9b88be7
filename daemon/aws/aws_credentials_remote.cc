// Credential sources that ask a local metadata endpoint: ECS/EKS container credentials and EC2
// IMDSv2 (docs/forwarding.md#credentials-chain steps 4 and 5).
#include <fstream>
#include <sstream>

#include "daemon/aws/aws_credentials_internal.h"
#include "daemon/aws/aws_imds.h"
#include "daemon/net/http_client.h"

namespace xrayd::daemon::internal {

namespace {

// FULL_URI hosts allowed over plain http (docs/forwarding.md#credentials-chain): loopback and the
// ECS/EKS agent addresses.
bool AllowedPlainHttpHost(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23";
}

std::string WithoutQuery(const std::string& url) {
  return url.substr(0, url.find('?'));
}

}  // namespace

CredentialsFetcher ContainerFetcher(const CredentialsOptions& options) {
  return [options]() -> Result<AwsCredentials> {
    const Environment& env = options.env;
    std::string url;
    if (const auto relative = EnvValue(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
      url = options.container_endpoint + *relative;
    } else if (const auto full = EnvValue(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
      auto parsed = ParseUrl(*full);
      if (!parsed) {
        return MakeError(ErrorCode::kInvalidArgument, "container: " + parsed.error().message);
      }
      if (parsed->scheme != "https" && !AllowedPlainHttpHost(parsed->host)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "container: AWS_CONTAINER_CREDENTIALS_FULL_URI host " + parsed->host +
                             " is not allowed over http (https, loopback or the ECS/EKS agent "
                             "addresses only)");
      }
      url = *full;
    } else {
      return MakeError(ErrorCode::kNotFound,
                       "container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI not set");
    }
    ClientRequest request;
    request.url = url;
    request.timeout = options.http_timeout;
    std::string token;
    if (const auto file = EnvValue(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      std::ifstream in(*file, std::ios::binary);
      if (!in) {
        return MakeError(ErrorCode::kIOError, "container: cannot read token file " + *file);
      }
      std::ostringstream text;
      text << in.rdbuf();
      token = text.str();
      while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
        token.pop_back();
      }
    } else if (const auto value = EnvValue(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
      token = *value;
    }
    if (token.find_first_of("\r\n") != std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "container: the authorization token contains a line break");
    }
    if (!token.empty()) {
      request.headers = {{"Authorization", token}};
    }
    HttpClient client(HttpClientOptions{.verify_tls = options.verify_tls});
    auto response = client.Send(request);
    if (!response) {
      return MakeError(ErrorCode::kIOError, "container: " + response.error().message);
    }
    if (response->status != 200) {
      return MakeError(ErrorCode::kIOError, "container: GET " + WithoutQuery(url) + " answered " +
                                                std::to_string(response->status));
    }
    return ParseCredentialsJson(response->body, "container");
  };
}

CredentialsFetcher ImdsFetcher(const CredentialsOptions& options) {
  return [options]() -> Result<AwsCredentials> {
    if (options.skip_imds) {
      return MakeError(ErrorCode::kNotFound, "imds: skipped in local mode");
    }
    constexpr std::string_view kRoles = "/latest/meta-data/iam/security-credentials/";
    auto roles = ImdsGet(options.env, kRoles, options.http_timeout);
    if (!roles) {
      if (roles.error().code == ErrorCode::kNotFound) {
        return MakeError(ErrorCode::kNotFound, roles.error().message + " (no instance role)");
      }
      return tl::unexpected(roles.error());
    }
    std::string role = roles->substr(0, roles->find('\n'));
    while (!role.empty() && (role.back() == '\r' || role.back() == ' ')) {
      role.pop_back();
    }
    if (role.empty()) {
      return MakeError(ErrorCode::kNotFound, "imds: no instance role attached");
    }
    XRAYD_TRY_ASSIGN(auto body,
                     ImdsGet(options.env, std::string(kRoles) + role, options.http_timeout));
    auto credentials = ParseCredentialsJson(body, "imds");
    if (!credentials) {
      return credentials;
    }
    credentials->source = "imds:" + role;
    return credentials;
  };
}

}  // namespace xrayd::daemon::internal
