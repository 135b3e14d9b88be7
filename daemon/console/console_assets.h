#pragma once
// The web console's files, embedded in the binary at build time (console/build.mjs writes the
// table from the esbuild bundle). No file is read at run time.

#include <span>
#include <string_view>

namespace xrayd::daemon::console {

struct ConsoleAsset {
  std::string_view path;          // Below /ui/: "index.html", "assets/app-HASH.js".
  std::string_view content_type;  // "text/javascript; charset=utf-8", ...
  std::string_view etag;          // Quoted strong validator of `body`: "\"sha256-prefix\"".
  std::string_view body;
};

// Every embedded file; empty when xrayd was built without node/npm (no console).
std::span<const ConsoleAsset> EmbeddedConsoleAssets();

}  // namespace xrayd::daemon::console
