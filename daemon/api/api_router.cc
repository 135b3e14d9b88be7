#include "daemon/api/api_router.h"

#include <utility>

#include <nlohmann/json.hpp>

namespace xrayd::daemon {

HttpResponse JsonError(int status, std::string_view type, std::string_view message) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.headers.emplace_back("X-Amzn-ErrorType", std::string(type));
  response.body = nlohmann::json{{"__type", type}, {"message", message}}.dump();
  return response;
}

void ApiRouter::Add(std::string method, std::string path, Handler handler) {
  routes_[{std::move(method), std::move(path)}] = std::move(handler);
}

void ApiRouter::AddPrefix(std::string method, std::string prefix, Handler handler) {
  prefixes_[{std::move(method), std::move(prefix)}] = std::move(handler);
}

void ApiRouter::SetFallback(Handler handler) {
  fallback_ = std::move(handler);
}

HttpResponse ApiRouter::Handle(const HttpRequest& request) const {
  std::string path = request.target.substr(0, request.target.find('?'));
  if (auto it = routes_.find({request.method, path}); it != routes_.end()) {
    return it->second(request);
  }
  const Handler* longest = nullptr;
  std::size_t longest_size = 0;
  for (const auto& [key, handler] : prefixes_) {
    if (key.first == request.method && path.starts_with(key.second) &&
        (longest == nullptr || key.second.size() > longest_size)) {
      longest = &handler;
      longest_size = key.second.size();
    }
  }
  if (longest != nullptr) {
    return (*longest)(request);
  }
  if (fallback_) {
    return fallback_(request);
  }
  for (const auto& [key, handler] : routes_) {
    if (key.second == path) {
      return JsonError(405, "MethodNotAllowedException",
                       request.method + " is not allowed on " + path + " (use " + key.first + ")");
    }
  }
  return JsonError(404, "UnknownOperationException",
                   "no operation at " + request.method + " " + path +
                       "; this xrayd serves GET /healthz and GET /metrics");
}

}  // namespace xrayd::daemon
