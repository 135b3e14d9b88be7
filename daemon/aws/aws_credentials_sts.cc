// Credential sources backed by AWS STS: web identity (AssumeRoleWithWebIdentity, unsigned) and
// `-r ROLE_ARN` (AssumeRole, SigV4-signed with the base chain's credentials). Query API over a
// form-encoded POST; XML answers.
#include <cctype>
#include <ctime>
#include <fstream>
#include <sstream>

#include "daemon/aws/aws_credentials_internal.h"
#include "daemon/aws/aws_profile.h"
#include "daemon/aws/aws_region.h"
#include "daemon/aws/sigv4.h"
#include "daemon/net/http_client.h"
#include "proto/iso8601.h"

namespace xrayd::daemon::internal {

namespace {

std::string FormEncode(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back("0123456789ABCDEF"[c >> 4]);
      out.push_back("0123456789ABCDEF"[c & 15]);
    }
  }
  return out;
}

std::string XmlUnescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '&') {
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool replaced = false;
      for (const auto& [entity, c] : kEntities) {
        if (text.substr(i, entity.size()) == entity) {
          out.push_back(c);
          i += entity.size() - 1;
          replaced = true;
          break;
        }
      }
      if (replaced) {
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// The text of the first <tag>...</tag> inside `xml`, unescaped; "" if absent.
std::string XmlText(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const std::size_t start = xml.find(open);
  if (start == std::string_view::npos) {
    return "";
  }
  const std::size_t end = xml.find(close, start + open.size());
  if (end == std::string_view::npos) {
    return "";
  }
  return XmlUnescape(xml.substr(start + open.size(), end - start - open.size()));
}

std::string StsRegion(const CredentialsOptions& options) {
  if (!options.region.empty()) {
    return options.region;
  }
  if (auto region = EnvValue(options.env, "AWS_REGION")) {
    return *region;
  }
  if (auto region = EnvValue(options.env, "AWS_DEFAULT_REGION")) {
    return *region;
  }
  return "us-east-1";
}

std::string StsEndpoint(const CredentialsOptions& options) {
  std::string endpoint = options.sts_endpoint;
  if (endpoint.empty()) {
    endpoint = EnvValue(options.env, "AWS_ENDPOINT_URL_STS").value_or("");
  }
  if (endpoint.empty()) {
    endpoint = StsEndpointForRegion(StsRegion(options));
  }
  return endpoint;
}

std::string SessionName(const CredentialsOptions& options, const std::string& from_profile) {
  if (!options.role_session_name.empty()) {
    return options.role_session_name;
  }
  if (auto name = EnvValue(options.env, "AWS_ROLE_SESSION_NAME")) {
    return *name;
  }
  if (!from_profile.empty()) {
    return from_profile;
  }
  const auto now = options.clock ? options.clock() : std::chrono::system_clock::now();
  return "xrayd-" + std::to_string(std::chrono::system_clock::to_time_t(now));
}

// POSTs a form to STS (signed when `credentials` is given) and turns the XML answer into
// credentials. `action` names the call in errors; secrets never appear in them.
Result<AwsCredentials> CallSts(const CredentialsOptions& options, std::string_view action,
                               const std::string& form, const AwsCredentials* credentials,
                               std::string source) {
  const std::string endpoint = StsEndpoint(options);
  auto url = ParseUrl(endpoint);
  if (!url) {
    return MakeError(ErrorCode::kInvalidArgument, "sts: " + url.error().message);
  }
  ClientRequest request;
  request.method = "POST";
  request.url = endpoint;
  request.body = form;
  request.timeout = options.http_timeout;
  request.headers = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  if (credentials != nullptr) {
    SigningRequest signing;
    signing.method = "POST";
    signing.host = url->HostHeader();
    signing.path = url->target.substr(0, url->target.find('?'));
    signing.query = url->target.find('?') == std::string::npos
                        ? ""
                        : url->target.substr(url->target.find('?') + 1);
    signing.headers = request.headers;
    signing.body = request.body;
    const auto now = options.clock ? options.clock() : std::chrono::system_clock::now();
    XRAYD_TRY_ASSIGN(auto added,
                     SignRequest(signing, *credentials, StsRegion(options), "sts", now));
    request.headers.emplace_back("host", signing.host);
    request.headers.insert(request.headers.end(), added.begin(), added.end());
  }
  HttpClient client(HttpClientOptions{.verify_tls = options.verify_tls, .proxy = options.proxy});
  auto response = client.Send(request);
  if (!response) {
    return MakeError(ErrorCode::kIOError,
                     "sts " + std::string(action) + ": " + response.error().message);
  }
  if (response->status != 200) {
    const std::string code = XmlText(response->body, "Code");
    std::string message = XmlText(response->body, "Message");
    if (message.size() > 300) {
      message.resize(300);
    }
    return MakeError(ErrorCode::kIOError, "sts " + std::string(action) + " answered " +
                                              std::to_string(response->status) +
                                              (code.empty() ? "" : " " + code) +
                                              (message.empty() ? "" : ": " + message));
  }
  const std::string block = XmlText(response->body, "Credentials");
  AwsCredentials out;
  out.access_key_id = XmlText(block, "AccessKeyId");
  out.secret_access_key = XmlText(block, "SecretAccessKey");
  out.session_token = XmlText(block, "SessionToken");
  out.source = std::move(source);
  const std::string expiration = XmlText(block, "Expiration");
  if (out.access_key_id.empty() || out.secret_access_key.empty() || out.session_token.empty()) {
    return MakeError(ErrorCode::kMalformed,
                     "sts " + std::string(action) + ": answer has no complete Credentials");
  }
  if (!expiration.empty()) {
    out.expiration = proto::ParseIso8601Time(expiration);
    if (!out.expiration) {
      return MakeError(ErrorCode::kMalformed,
                       "sts " + std::string(action) + ": answer has a bad Expiration");
    }
  }
  return out;
}

}  // namespace

CredentialsFetcher WebIdentityFetcher(const CredentialsOptions& options) {
  return [options]() -> Result<AwsCredentials> {
    std::string token_file = EnvValue(options.env, "AWS_WEB_IDENTITY_TOKEN_FILE").value_or("");
    std::string role_arn = EnvValue(options.env, "AWS_ROLE_ARN").value_or("");
    std::string profile_session;
    if (token_file.empty() || role_arn.empty()) {
      auto values = LoadProfile(options.env, ActiveProfileName(options.env, options.profile));
      if (values) {
        auto get = [&](std::string_view key) {
          const auto it = values->find(key);
          return it != values->end() ? it->second : std::string();
        };
        token_file = get("web_identity_token_file");
        role_arn = get("role_arn");
        profile_session = get("role_session_name");
      }
    }
    if (token_file.empty() || role_arn.empty()) {
      return MakeError(ErrorCode::kNotFound,
                       "web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN not set");
    }
    std::ifstream in(token_file, std::ios::binary);
    if (!in) {
      return MakeError(ErrorCode::kIOError, "web identity: cannot read token file " + token_file);
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::string token = text.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
      token.pop_back();
    }
    if (token.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "web identity: token file " + token_file + " is empty");
    }
    const std::string form =
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + FormEncode(role_arn) +
        "&RoleSessionName=" + FormEncode(SessionName(options, profile_session)) +
        "&WebIdentityToken=" + FormEncode(token);
    return CallSts(options, "AssumeRoleWithWebIdentity", form, nullptr, "web-identity:" + role_arn);
  };
}

CredentialsFetcher AssumeRoleFetcher(std::shared_ptr<CredentialsProvider> base,
                                     std::string role_arn, const CredentialsOptions& options) {
  return [base = std::move(base), role_arn = std::move(role_arn),
          options]() -> Result<AwsCredentials> {
    auto source = base->Get();
    if (!source) {
      return MakeError(source.error().code,
                       "assume role " + role_arn + ": " + source.error().message);
    }
    const std::string form =
        "Action=AssumeRole&Version=2011-06-15&RoleArn=" + FormEncode(role_arn) +
        "&RoleSessionName=" + FormEncode(SessionName(options, "")) + "&DurationSeconds=3600";
    return CallSts(options, "AssumeRole", form, &*source, "assume-role:" + role_arn);
  };
}

}  // namespace xrayd::daemon::internal
