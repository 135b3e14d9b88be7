#include "daemon/api_security.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "daemon/aws/sigv4.h"

namespace xrayd::daemon {

namespace {

Authenticator SigV4Authenticator(std::map<std::string, std::string> keys) {
  auto secrets = std::make_shared<const std::map<std::string, std::string>>(std::move(keys));
  return [secrets](const HttpRequest& request) -> AuthCheck {
    auto header = request.headers.find("authorization");
    if (header == request.headers.end()) {
      return {AuthOutcome::kMissing, ""};
    }
    auto parsed = ParseAuthorization(header->second);
    if (!parsed) {
      return {AuthOutcome::kBadSignature, "malformed Authorization header"};
    }
    if (secrets->find(parsed->access_key_id) == secrets->end()) {
      return {AuthOutcome::kUnknownKey, ""};
    }
    VerifyRequest verify;
    verify.method = request.method;
    const auto question = request.target.find('?');
    verify.path = request.target.substr(0, question);
    verify.query = question == std::string::npos ? "" : request.target.substr(question + 1);
    verify.headers.assign(request.headers.begin(), request.headers.end());
    verify.body = request.body;
    auto lookup = [&secrets](std::string_view id) -> std::optional<std::string> {
      auto it = secrets->find(std::string(id));
      return it == secrets->end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    // The X-Ray API and OTLP are signed for service xray, the CloudWatch API for monitoring.
    VerifyOptions options;
    options.service.clear();
    auto verified = VerifySignature(verify, lookup, std::chrono::system_clock::now(), options);
    if (!verified) {
      return {AuthOutcome::kBadSignature, verified.error().message};
    }
    if (verified->service != "xray" && verified->service != "monitoring") {
      return {AuthOutcome::kBadSignature,
              "signed for service '" + verified->service +
                  "', not xray (X-Ray, OTLP) or monitoring (CloudWatch)"};
    }
    return {AuthOutcome::kOk, ""};
  };
}

}  // namespace

ApiSecurityOptions ApiSecurityFor(const DaemonConfig& config) {
  ApiSecurityOptions options;
  options.allowed_hosts = config.allowed_hosts;
  options.cors_origins = config.cors_origins;
  if (config.api_auth_sigv4) {
    options.authenticate = SigV4Authenticator(config.api_keys);
    options.metrics_auth = config.metrics_auth;
  }
  return options;
}

}  // namespace xrayd::daemon
