#pragma once
// Environment: the process environment as a value, so code that reads variables can be tested with
// a map of its own instead of the real environment.

#include <functional>
#include <map>
#include <string>

namespace xrayd::daemon {

using Environment = std::map<std::string, std::string, std::less<>>;

// The process environment (environ) as an Environment.
Environment ProcessEnvironment();

}  // namespace xrayd::daemon
