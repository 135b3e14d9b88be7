// The asset table of a build made without node/npm: no console (daemon/console/CMakeLists.txt).
#include "daemon/console/console_assets.h"

namespace xrayd::daemon::console {

std::span<const ConsoleAsset> EmbeddedConsoleAssets() {
  return {};
}

}  // namespace xrayd::daemon::console
