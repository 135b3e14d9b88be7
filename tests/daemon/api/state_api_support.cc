#include "tests/daemon/api/state_api_support.h"

#include <gtest/gtest.h>

namespace xrayd::daemon {

StateApiFixture::StateApiFixture() {
  auto opened = storage::StateStore::Open(":memory:");
  EXPECT_TRUE(opened.has_value());
  store = std::move(*opened);
  ApiServices services;
  services.state = store.get();
  RegisterGroupApi(router, services);
  RegisterSamplingApi(router, services);
}

HttpResponse StateApiFixture::Post(const std::string& path, const std::string& body) const {
  HttpRequest request;
  request.method = "POST";
  request.target = path;
  request.headers["content-type"] = "application/json";
  request.body = body;
  return router.Handle(request);
}

nlohmann::json StateApiFixture::Ok(const std::string& path, const nlohmann::json& body) const {
  HttpResponse response = Post(path, body.dump());
  EXPECT_EQ(response.status, 200) << path << " " << body.dump() << " -> " << response.body;
  EXPECT_EQ(response.content_type, "application/json");
  auto parsed = nlohmann::json::parse(response.body, nullptr, false);
  EXPECT_TRUE(parsed.is_object()) << response.body;
  return response.status == 200 ? parsed : nlohmann::json();
}

std::string ErrorType(const HttpResponse& response) {
  std::string header;
  for (const auto& [name, value] : response.headers) {
    if (name == "X-Amzn-ErrorType") {
      header = value;
    }
  }
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("__type") || body["__type"] != header ||
      !body.contains("message")) {
    return "";
  }
  return header;
}

std::string ErrorMessage(const HttpResponse& response) {
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  return body.is_object() && body.contains("message") && body["message"].is_string()
             ? body["message"].get<std::string>()
             : "";
}

}  // namespace xrayd::daemon
