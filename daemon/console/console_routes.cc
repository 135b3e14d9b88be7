#include "daemon/console/console_routes.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace xrayd::daemon::console {

namespace {

constexpr std::string_view kAssetPrefix = "assets/";

HttpResponse Redirect(std::string location) {
  HttpResponse response;
  response.status = 302;
  response.headers.emplace_back("Location", std::move(location));
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

const ConsoleAsset* Find(std::span<const ConsoleAsset> assets, std::string_view path) {
  auto it = std::find_if(assets.begin(), assets.end(),
                         [path](const ConsoleAsset& asset) { return asset.path == path; });
  return it == assets.end() ? nullptr : &*it;
}

// `asset` with its validator; 304 without a body when the client already holds this version.
HttpResponse Serve(const HttpRequest& request, const ConsoleAsset& asset,
                   std::string_view cache_control) {
  HttpResponse response;
  response.content_type = std::string(asset.content_type);
  response.headers.emplace_back("ETag", std::string(asset.etag));
  response.headers.emplace_back("Cache-Control", std::string(cache_control));
  auto it = request.headers.find("if-none-match");
  if (it != request.headers.end() && it->second.find(asset.etag) != std::string::npos) {
    response.status = 304;
    return response;
  }
  response.body = std::string(asset.body);
  return response;
}

}  // namespace

HttpResponse ServeConsole(const HttpRequest& request, std::span<const ConsoleAsset> assets) {
  const std::string_view target = request.target;
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/" || path == "/ui" || path == "/ui/") {
    return Redirect("/ui/traces");
  }
  if (assets.empty()) {
    return JsonError(404, "ConsoleNotBuiltException",
                     "this xrayd was built without its web console (node and npm were not found "
                     "when it was configured): install them (apt-get install nodejs npm), run "
                     "cmake again and rebuild");
  }
  std::string_view rest = path.substr(std::min(path.size(), std::string_view("/ui/").size()));
  if (rest.starts_with(kAssetPrefix)) {
    const ConsoleAsset* asset = Find(assets, rest);
    if (asset == nullptr) {
      return JsonError(404, "ResourceNotFoundException",
                       "no console asset at " + std::string(path));
    }
    return Serve(request, *asset, "public, max-age=31536000, immutable");
  }
  const ConsoleAsset* index = Find(assets, "index.html");
  if (index == nullptr) {
    return JsonError(404, "ResourceNotFoundException", "the console has no index.html");
  }
  return Serve(request, *index, "no-cache");
}

void RegisterConsoleRoutes(ApiRouter& router) {
  const auto handler = [](const HttpRequest& request) {
    return ServeConsole(request, EmbeddedConsoleAssets());
  };
  // HEAD answers as GET does; the server leaves the body out.
  for (const char* method : {"GET", "HEAD"}) {
    router.Add(method, "/", handler);
    router.Add(method, "/ui", handler);
    router.AddPrefix(method, "/ui/", handler);
  }
}

}  // namespace xrayd::daemon::console
