#include "daemon/console/console_routes.h"

#include <array>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace xrayd::daemon::console {
namespace {

constexpr std::array<ConsoleAsset, 2> kAssets = {{
    {"index.html", "text/html; charset=utf-8", "\"i1\"", "<!doctype html><p>app</p>"},
    {"assets/app-X1.js", "text/javascript; charset=utf-8", "\"j1\"", "console.log(1)"},
}};

HttpRequest Get(std::string target) {
  HttpRequest request;
  request.method = "GET";
  request.target = std::move(target);
  return request;
}

std::optional<std::string> HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

TEST(ConsoleRoutesTest, RootAndUiRedirectToTraces) {
  for (const char* target : {"/", "/ui", "/ui/", "/?x=1"}) {
    const HttpResponse response = ServeConsole(Get(target), kAssets);
    EXPECT_EQ(response.status, 302) << target;
    EXPECT_EQ(HeaderOf(response, "Location"), "/ui/traces") << target;
  }
}

TEST(ConsoleRoutesTest, DeepLinksServeIndexWithoutLongCache) {
  for (const char* target : {"/ui/traces", "/ui/traces/1-5759e988-bd862e3fe1be46a994272793",
                             "/ui/traces?filter=service(%22a%22)&since=15m", "/ui/unknown/page"}) {
    const HttpResponse response = ServeConsole(Get(target), kAssets);
    EXPECT_EQ(response.status, 200) << target;
    EXPECT_EQ(response.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(response.body, "<!doctype html><p>app</p>");
    EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-cache");
    EXPECT_EQ(HeaderOf(response, "ETag"), "\"i1\"");
  }
}

TEST(ConsoleRoutesTest, AssetsCarryETagAndLongCache) {
  const HttpResponse response = ServeConsole(Get("/ui/assets/app-X1.js"), kAssets);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(response.body, "console.log(1)");
  EXPECT_EQ(HeaderOf(response, "ETag"), "\"j1\"");
  EXPECT_EQ(HeaderOf(response, "Cache-Control"), "public, max-age=31536000, immutable");
}

TEST(ConsoleRoutesTest, MatchingIfNoneMatchIsA304WithoutBody) {
  HttpRequest request = Get("/ui/assets/app-X1.js");
  request.headers["if-none-match"] = "\"j1\"";
  const HttpResponse response = ServeConsole(request, kAssets);
  EXPECT_EQ(response.status, 304);
  EXPECT_TRUE(response.body.empty());
  request.headers["if-none-match"] = "\"old\"";
  EXPECT_EQ(ServeConsole(request, kAssets).status, 200);
}

TEST(ConsoleRoutesTest, UnknownAssetIsA404NotTheApp) {
  const HttpResponse response = ServeConsole(Get("/ui/assets/missing.js"), kAssets);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/json");
}

TEST(ConsoleRoutesTest, WithoutAssetsSaysHowToGetTheConsole) {
  const HttpResponse response = ServeConsole(Get("/ui/traces"), {});
  EXPECT_EQ(response.status, 404);
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["__type"], "ConsoleNotBuiltException");
  EXPECT_NE(body["message"].get<std::string>().find("apt-get install nodejs npm"),
            std::string::npos);
  EXPECT_EQ(ServeConsole(Get("/"), {}).status, 302);
}

TEST(ConsoleRoutesTest, RouterSendsUiPathsToTheConsoleAndKeepsExactRoutes) {
  ApiRouter router;
  router.Add("POST", "/TraceSummaries", [](const HttpRequest&) {
    HttpResponse response;
    response.body = "api";
    return response;
  });
  router.AddPrefix("GET", "/ui/", [](const HttpRequest&) {
    HttpResponse response;
    response.body = "ui";
    return response;
  });
  router.AddPrefix("GET", "/ui/assets/", [](const HttpRequest&) {
    HttpResponse response;
    response.body = "asset";
    return response;
  });
  EXPECT_EQ(router.Handle(Get("/ui/traces/abc")).body, "ui");
  EXPECT_EQ(router.Handle(Get("/ui/assets/a.js")).body, "asset");  // Longest prefix wins.
  HttpRequest post = Get("/TraceSummaries");
  post.method = "POST";
  EXPECT_EQ(router.Handle(post).body, "api");
  post.target = "/ui/traces";
  EXPECT_EQ(router.Handle(post).status, 404);  // Prefixes match their method only.
  EXPECT_EQ(router.Handle(Get("/uix")).status, 404);
}

TEST(ConsoleRoutesTest, HeadIsRoutedAsGet) {
  ApiRouter router;
  RegisterConsoleRoutes(router);
  for (const char* target : {"/", "/ui", "/ui/traces", "/ui/traces/1-2-3", "/ui/map?since=1h"}) {
    HttpRequest head = Get(target);
    head.method = "HEAD";
    const HttpResponse get_answer = router.Handle(Get(target));
    const HttpResponse head_answer = router.Handle(head);
    EXPECT_EQ(head_answer.status, get_answer.status) << target;
    EXPECT_EQ(head_answer.content_type, get_answer.content_type) << target;
    EXPECT_EQ(head_answer.headers, get_answer.headers) << target;
  }
}

TEST(ConsoleRoutesTest, RegisteredRoutesServeTheEmbeddedConsole) {
  ApiRouter router;
  RegisterConsoleRoutes(router);
  EXPECT_EQ(router.Handle(Get("/")).status, 302);
  const HttpResponse page = router.Handle(Get("/ui/traces/1-5759e988-bd862e3fe1be46a994272793"));
  if (EmbeddedConsoleAssets().empty()) {
    EXPECT_EQ(page.status, 404);  // Built without node/npm.
  } else {
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("/ui/assets/app-"), std::string::npos);
  }
}

}  // namespace
}  // namespace xrayd::daemon::console
