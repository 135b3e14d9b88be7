#include "daemon/api/api_router.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace xrayd::daemon {
namespace {

HttpRequest Request(std::string method, std::string target) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  return request;
}

TEST(ApiRouterTest, DispatchesByMethodAndPathIgnoringQuery) {
  ApiRouter router;
  router.Add("GET", "/healthz", [](const HttpRequest&) {
    HttpResponse response;
    response.body = "ok";
    return response;
  });
  HttpResponse response = router.Handle(Request("GET", "/healthz?verbose=1"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok");
}

TEST(ApiRouterTest, UnknownPathIsA404InXRayErrorShape) {
  ApiRouter router;
  HttpResponse response = router.Handle(Request("POST", "/Nope"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/json");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "X-Amzn-ErrorType");
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["__type"], "UnknownOperationException");
  EXPECT_NE(body["message"].get<std::string>().find("/Nope"), std::string::npos);
}

TEST(ApiRouterTest, WrongMethodIsA405NamingTheRightOne) {
  ApiRouter router;
  router.Add("GET", "/metrics", [](const HttpRequest&) { return HttpResponse{}; });
  HttpResponse response = router.Handle(Request("POST", "/metrics"));
  EXPECT_EQ(response.status, 405);
  EXPECT_NE(response.body.find("GET"), std::string::npos);
}

}  // namespace
}  // namespace xrayd::daemon
