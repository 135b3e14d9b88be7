#include "daemon/cli/cli_sign.h"

#include <iostream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/aws/aws_credentials.h"
#include "daemon/aws/sigv4.h"
#include "daemon/cli/cli_parse.h"
#include "proto/iso8601.h"

namespace xrayd::daemon {

int RunSignRequestCommand(std::istream& in, std::ostream& out, std::ostream& err,
                          const proto::Clock& clock) {
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) {
    err << "xrayd sign-request: stdin is not a JSON object\n";
    return 2;
  }
  auto str = [&](const char* key, const char* fallback = "") -> std::string {
    const auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
  };
  SigningRequest request;
  request.method = str("method", "POST");
  request.host = str("host");
  request.path = str("path", "/");
  request.query = str("query");
  const std::string body = str("body");
  request.body = body;
  if (const auto headers = json.find("headers"); headers != json.end()) {
    if (headers->is_object()) {
      for (const auto& [name, value] : headers->items()) {
        request.headers.emplace_back(name,
                                     value.is_string() ? value.get<std::string>() : value.dump());
      }
    } else if (headers->is_array()) {
      for (const auto& pair : *headers) {
        if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
          err << "xrayd sign-request: headers must be [[name, value], ...]\n";
          return 2;
        }
        request.headers.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
      }
    }
  }
  AwsCredentials credentials;
  credentials.access_key_id = str("access_key_id");
  credentials.secret_access_key = str("secret_access_key");
  credentials.session_token = str("session_token");
  std::chrono::system_clock::time_point time = clock.WallNow();
  if (const auto it = json.find("time"); it != json.end()) {
    if (it->is_number()) {
      time = std::chrono::system_clock::from_time_t(it->get<std::time_t>());
    } else if (auto parsed =
                   proto::ParseIso8601Time(it->is_string() ? it->get<std::string>() : "")) {
      time = *parsed;
    } else {
      err << "xrayd sign-request: time must be ISO 8601 or epoch seconds\n";
      return 2;
    }
  }
  SigningOptions options;
  if (const auto it = json.find("content_sha256"); it != json.end() && it->is_boolean()) {
    options.add_content_sha256 = it->get<bool>();
  }
  auto added = SignRequest(request, credentials, str("region", "us-east-1"), str("service", "xray"),
                           time, options);
  if (!added) {
    err << "xrayd sign-request: " << added.error().message << "\n";
    return 2;
  }
  nlohmann::ordered_json result = nlohmann::ordered_json::object();
  for (const auto& [name, value] : *added) {
    result[name] = value;
  }
  out << result.dump() << "\n";
  return 0;
}

int RunSignRequestCommandLine(const std::vector<std::string>& args, std::istream& in,
                              std::ostream& out, std::ostream& err) {
  CLI::App app(
      "Reads one JSON request on stdin ({method, host, path, query, headers, body, "
      "access_key_id, secret_access_key, session_token, region, service, time, content_sha256}), "
      "signs it with SigV4 and prints the headers to add as a JSON object. For tests.",
      "xrayd sign-request");
  if (auto code = ParseCommandLine(app, args, out, err)) {
    return *code;
  }
  return RunSignRequestCommand(in, out, err);
}

}  // namespace xrayd::daemon
