#include "daemon/core/build_info.h"

#include "daemon/core/build_info_values.h"

namespace xrayd::daemon {

std::string VersionLine() {
  return std::string("xrayd ") + XRAYD_VERSION + " (commit " + XRAYD_GIT_COMMIT + ", " +
         XRAYD_BUILD_TYPE + ")";
}

}  // namespace xrayd::daemon
