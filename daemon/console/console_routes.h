#pragma once
// The web console's routes on the API's router (README "Console"): GET / redirects to
// /ui/traces; GET /ui/assets/NAME serves an embedded file with its ETag and a year-long cache
// (names carry a content hash); every other GET /ui/... serves the single-page app's index.html
// (deep links), never cached without revalidation. The console is a same-origin client of the
// X-Ray API, so the request guard (daemon/api/request_guard.h) applies unchanged. Built without
// the console (no node/npm), /ui/ answers 404 saying how to get it.

#include <span>

#include "daemon/api/api_router.h"
#include "daemon/console/console_assets.h"

namespace xrayd::daemon::console {

// Answers one GET for "/", "/ui" or a path under "/ui/" from `assets`. Pure: used by the routes
// and tested directly.
HttpResponse ServeConsole(const HttpRequest& request, std::span<const ConsoleAsset> assets);

// Registers GET and HEAD for / and /ui... on `router`, serving EmbeddedConsoleAssets() (the HTTP
// server leaves a HEAD's body out).
void RegisterConsoleRoutes(ApiRouter& router);

}  // namespace xrayd::daemon::console
