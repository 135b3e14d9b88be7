#include "daemon/aws/aws_profile.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>

#include "proto/text.h"

namespace xrayd::daemon {

namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::string HomeFile(const Environment& env, std::string_view name) {
  const auto home = env.find("HOME");
  const std::string dir = home != env.end() && !home->second.empty() ? home->second : ".";
  return dir + "/.aws/" + std::string(name);
}

// Reads `path`; nullopt if it does not exist.
Result<std::optional<std::string>> ReadIfExists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::optional<std::string>();
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return MakeError(ErrorCode::kIOError, "cannot read " + path);
  }
  return std::optional<std::string>(text.str());
}

}  // namespace

std::string ActiveProfileName(const Environment& env, std::string_view override_name) {
  if (!override_name.empty()) {
    return std::string(override_name);
  }
  const auto it = env.find("AWS_PROFILE");
  return it != env.end() && !it->second.empty() ? it->second : "default";
}

std::string SharedCredentialsPath(const Environment& env) {
  const auto it = env.find("AWS_SHARED_CREDENTIALS_FILE");
  return it != env.end() && !it->second.empty() ? it->second : HomeFile(env, "credentials");
}

std::string SharedConfigPath(const Environment& env) {
  const auto it = env.find("AWS_CONFIG_FILE");
  return it != env.end() && !it->second.empty() ? it->second : HomeFile(env, "config");
}

std::map<std::string, ProfileValues, std::less<>> ParseIni(std::string_view text) {
  std::map<std::string, ProfileValues, std::less<>> sections;
  ProfileValues* current = nullptr;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view raw = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    if (!raw.empty() && raw.back() == '\r') {
      raw.remove_suffix(1);
    }
    const bool indented = !raw.empty() && (raw.front() == ' ' || raw.front() == '\t');
    const std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    if (line.front() == '[') {
      const std::size_t close = line.find(']');
      if (close == std::string_view::npos) {
        current = nullptr;
        continue;
      }
      current = &sections[std::string(Trim(line.substr(1, close - 1)))];
      continue;
    }
    if (current == nullptr || indented) {
      continue;  // Sub-keys (e.g. "s3 =\n  x = y") ignored.
    }
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    const std::string key = proto::AsciiLower(Trim(line.substr(0, eq)));
    std::string_view value = Trim(line.substr(eq + 1));
    // An inline comment needs whitespace before '#' or ';'.
    for (std::size_t i = 1; i < value.size(); ++i) {
      if ((value[i] == '#' || value[i] == ';') &&
          std::isspace(static_cast<unsigned char>(value[i - 1]))) {
        value = Trim(value.substr(0, i));
        break;
      }
    }
    (*current)[key] = std::string(value);
  }
  return sections;
}

Result<ProfileValues> LoadProfile(const Environment& env, std::string_view profile) {
  ProfileValues merged;
  bool found = false;
  const std::string config_path = SharedConfigPath(env);
  XRAYD_TRY_ASSIGN(auto config, ReadIfExists(config_path));
  if (config) {
    auto sections = ParseIni(*config);
    const std::string name =
        profile == "default" ? std::string("default") : "profile " + std::string(profile);
    auto it = sections.find(name);
    if (it == sections.end() && profile == "default") {
      it = sections.find("profile default");
    }
    if (it != sections.end()) {
      merged = it->second;
      found = true;
    }
  }
  const std::string credentials_path = SharedCredentialsPath(env);
  XRAYD_TRY_ASSIGN(auto credentials, ReadIfExists(credentials_path));
  if (credentials) {
    auto sections = ParseIni(*credentials);
    if (auto it = sections.find(profile); it != sections.end()) {
      for (auto& [key, value] : it->second) {
        merged[key] = value;
      }
      found = true;
    }
  }
  if (!found) {
    return MakeError(ErrorCode::kNotFound, "profile '" + std::string(profile) + "' is in neither " +
                                               credentials_path + " nor " + config_path);
  }
  return merged;
}

}  // namespace xrayd::daemon
