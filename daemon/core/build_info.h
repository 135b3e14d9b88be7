#pragma once
// What this binary is: version, git commit and build type, as `xrayd --version` prints them.

#include <string>

namespace xrayd::daemon {

// "xrayd 0.1.0 (commit 1decae3a9b2c, RelWithDebInfo)". The commit is "unknown" when the binary was
// built outside a git checkout, and ends in "-dirty" when the work tree had uncommitted changes.
std::string VersionLine();

}  // namespace xrayd::daemon
