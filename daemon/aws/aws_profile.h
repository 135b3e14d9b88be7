#pragma once
// The AWS shared config and credentials files (INI): which profile is active and its settings.
// Credentials file: sections [name]; config file: [default] and [profile name]. A key in the
// credentials file wins over the same key in the config file.

#include <map>
#include <string>
#include <string_view>

#include "daemon/core/environment.h"
#include "proto/result.h"

namespace xrayd::daemon {

using ProfileValues = std::map<std::string, std::string, std::less<>>;

// `override_name` if not empty, else AWS_PROFILE, else "default".
std::string ActiveProfileName(const Environment& env, std::string_view override_name);

// AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws/credentials and ~/.aws/config.
std::string SharedCredentialsPath(const Environment& env);
std::string SharedConfigPath(const Environment& env);

// Parses INI text into section -> key -> value (keys lower-cased, values trimmed; comments '#'
// and ';' at line start; indented sub-keys ignored). Pure.
std::map<std::string, ProfileValues, std::less<>> ParseIni(std::string_view text);

// The merged settings of `profile` from both files. kNotFound when neither file has it (missing
// files are not an error); kIOError when a file exists but cannot be read.
[[nodiscard]] Result<ProfileValues> LoadProfile(const Environment& env, std::string_view profile);

}  // namespace xrayd::daemon
