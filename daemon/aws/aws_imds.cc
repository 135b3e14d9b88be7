#include "daemon/aws/aws_imds.h"

#include "daemon/aws/aws_credentials_internal.h"
#include "daemon/net/http_client.h"

namespace xrayd::daemon {

namespace {

std::string ImdsEndpoint(const Environment& env) {
  std::string endpoint;
  if (const auto value = internal::EnvValue(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    endpoint = *value;
  } else if (internal::EnvValue(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE").value_or("") ==
             "IPv6") {
    endpoint = "http://[fd00:ec2::254]";
  } else {
    endpoint = "http://169.254.169.254";
  }
  while (!endpoint.empty() && endpoint.back() == '/') {
    endpoint.pop_back();
  }
  return endpoint;
}

}  // namespace

Result<std::string> ImdsGet(const Environment& env, std::string_view path,
                            std::chrono::milliseconds timeout) {
  if (internal::EnvTrue(env, "AWS_EC2_METADATA_DISABLED")) {
    return MakeError(ErrorCode::kNotFound, "imds: disabled by AWS_EC2_METADATA_DISABLED");
  }
  const std::string endpoint = ImdsEndpoint(env);
  HttpClient client;
  ClientRequest token_request;
  token_request.method = "PUT";
  token_request.url = endpoint + "/latest/api/token";
  token_request.headers = {{"x-aws-ec2-metadata-token-ttl-seconds", "21600"}};
  token_request.timeout = timeout;
  auto token = client.Send(token_request);
  if (!token) {
    return MakeError(ErrorCode::kNotFound, "imds: unreachable (" + token.error().message + ")");
  }
  ClientRequest request;
  request.url = endpoint + std::string(path);
  request.timeout = timeout;
  if (token->status == 200 && !token->body.empty()) {
    request.headers = {{"x-aws-ec2-metadata-token", token->body}};
  } else if (internal::EnvTrue(env, "AWS_EC2_METADATA_V1_DISABLED")) {
    return MakeError(ErrorCode::kIOError,
                     "imds: token request answered " + std::to_string(token->status) +
                         " and IMDSv1 is disabled by AWS_EC2_METADATA_V1_DISABLED");
  }
  auto response = client.Send(request);
  if (!response) {
    return MakeError(ErrorCode::kNotFound, "imds: unreachable (" + response.error().message + ")");
  }
  if (response->status == 404) {
    return MakeError(ErrorCode::kNotFound, "imds: GET " + std::string(path) + " answered 404");
  }
  if (response->status != 200) {
    return MakeError(ErrorCode::kIOError, "imds: GET " + std::string(path) + " answered " +
                                              std::to_string(response->status));
  }
  return std::move(response->body);
}

}  // namespace xrayd::daemon
