#include "daemon/api/api_json.h"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "proto/iso8601.h"

namespace xrayd::daemon {
namespace {

const nlohmann::json* Member(const nlohmann::json& object, std::string_view name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

HttpResponse WrongType(std::string_view name, std::string_view expected) {
  return InvalidRequest(std::string(name) + " must be " + std::string(expected));
}

}  // namespace

HttpResponse InvalidRequest(std::string_view message) {
  return JsonError(400, "InvalidRequestException", message);
}

HttpResponse JsonResponse(const nlohmann::json& body, int status) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

ApiResult<nlohmann::json> ParseJsonBody(const HttpRequest& request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return nlohmann::json::object();
  }
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return tl::unexpected(InvalidRequest("request body is not valid JSON"));
  }
  if (!body.is_object()) {
    return tl::unexpected(InvalidRequest("request body must be a JSON object"));
  }
  return body;
}

ApiResult<std::optional<std::string>> OptionalString(const nlohmann::json& object,
                                                     std::string_view name) {
  const nlohmann::json* value = Member(object, name);
  if (value == nullptr) {
    return std::optional<std::string>();
  }
  if (!value->is_string()) {
    return tl::unexpected(WrongType(name, "a string"));
  }
  return std::optional<std::string>(value->get<std::string>());
}

ApiResult<std::optional<double>> OptionalNumber(const nlohmann::json& object,
                                                std::string_view name) {
  const nlohmann::json* value = Member(object, name);
  if (value == nullptr) {
    return std::optional<double>();
  }
  if (!value->is_number() || !std::isfinite(value->get<double>())) {
    return tl::unexpected(WrongType(name, "a number"));
  }
  return std::optional<double>(value->get<double>());
}

ApiResult<std::optional<long long>> OptionalInteger(const nlohmann::json& object,
                                                    std::string_view name) {
  const nlohmann::json* value = Member(object, name);
  if (value == nullptr) {
    return std::optional<long long>();
  }
  if (value->is_number_integer()) {
    return std::optional<long long>(value->get<long long>());
  }
  if (value->is_number_float()) {
    double d = value->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
      return std::optional<long long>(static_cast<long long>(d));
    }
  }
  return tl::unexpected(WrongType(name, "an integer"));
}

ApiResult<std::optional<bool>> OptionalBool(const nlohmann::json& object, std::string_view name) {
  const nlohmann::json* value = Member(object, name);
  if (value == nullptr) {
    return std::optional<bool>();
  }
  if (!value->is_boolean()) {
    return tl::unexpected(WrongType(name, "true or false"));
  }
  return std::optional<bool>(value->get<bool>());
}

ApiResult<std::optional<double>> OptionalTimestamp(const nlohmann::json& object,
                                                   std::string_view name) {
  const nlohmann::json* value = Member(object, name);
  if (value == nullptr) {
    return std::optional<double>();
  }
  if (value->is_number() && std::isfinite(value->get<double>())) {
    return std::optional<double>(value->get<double>());
  }
  if (value->is_string()) {
    if (auto parsed = proto::ParseIso8601(value->get<std::string>())) {
      return std::optional<double>(*parsed);
    }
  }
  return tl::unexpected(
      WrongType(name, "a timestamp (epoch seconds or ISO-8601 like 2026-11-27T10:00:00Z)"));
}

ApiResult<std::string> RequiredString(const nlohmann::json& object, std::string_view name) {
  XRAYD_TRY_ASSIGN(auto value, OptionalString(object, name));
  if (!value.has_value()) {
    return tl::unexpected(InvalidRequest(std::string(name) + " is required"));
  }
  return std::move(*value);
}

}  // namespace xrayd::daemon
