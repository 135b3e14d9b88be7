#include "query/trace_fields.h"

#include <cmath>
#include <limits>

namespace xrayd::query::internal {
namespace {

const nlohmann::ordered_json* At(const nlohmann::ordered_json& node,
                                 std::initializer_list<const char*> path) {
  const nlohmann::ordered_json* current = &node;
  for (const char* key : path) {
    if (!current->is_object()) {
      return nullptr;
    }
    auto it = current->find(key);
    if (it == current->end()) {
      return nullptr;
    }
    current = &*it;
  }
  return current;
}

std::optional<std::string> OptionalString(const nlohmann::ordered_json& node,
                                          std::initializer_list<const char*> path) {
  const std::string* value = StringAt(node, path);
  return value != nullptr ? std::optional<std::string>(*value) : std::nullopt;
}

}  // namespace

const std::string* StringAt(const nlohmann::ordered_json& node,
                            std::initializer_list<const char*> path) {
  const nlohmann::ordered_json* value = At(node, path);
  return value != nullptr && value->is_string() ? &value->get_ref<const std::string&>() : nullptr;
}

std::optional<double> NumberAt(const nlohmann::ordered_json& node,
                               std::initializer_list<const char*> path) {
  const nlohmann::ordered_json* value = At(node, path);
  if (value == nullptr || !value->is_number()) {
    return std::nullopt;
  }
  return value->get<double>();
}

bool TrueAt(const nlohmann::ordered_json& node, std::initializer_list<const char*> path) {
  const nlohmann::ordered_json* value = At(node, path);
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

HttpFields ReadHttp(const nlohmann::ordered_json& entity) {
  HttpFields http;
  http.url = OptionalString(entity, {"http", "request", "url"});
  http.method = OptionalString(entity, {"http", "request", "method"});
  http.user_agent = OptionalString(entity, {"http", "request", "user_agent"});
  http.client_ip = OptionalString(entity, {"http", "request", "client_ip"});
  // Only integral statuses in int range count; "200" or 200.5 are not statuses.
  std::optional<double> status = NumberAt(entity, {"http", "response", "status"});
  if (status && std::trunc(*status) == *status && *status >= 0 &&
      *status <= std::numeric_limits<int>::max()) {
    http.status = static_cast<int>(*status);
  }
  return http;
}

DerivedStatus DeriveStatus(const nlohmann::ordered_json& entity) {
  return DeriveStatus(TrueAt(entity, {"error"}), TrueAt(entity, {"fault"}),
                      TrueAt(entity, {"throttle"}), ReadHttp(entity).status);
}

DerivedStatus DeriveStatus(bool error, bool fault, bool throttle, std::optional<int> http_status) {
  const int status = http_status.value_or(0);
  DerivedStatus derived;
  derived.fault = fault || (status >= 500 && status <= 599);
  derived.throttle = throttle || status == 429;
  derived.error = error || derived.throttle || (status >= 400 && status <= 499);
  derived.ok = !derived.fault && !derived.error;
  return derived;
}

}  // namespace xrayd::query::internal
