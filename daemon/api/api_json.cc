#include "daemon/api/api_json.h"

#include <cmath>
#include <cstdio>
#include <ctime>

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

// Parses "YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm|-hh:mm]" into epoch seconds.
std::optional<double> ParseIso8601(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6) {
    return std::nullopt;
  }
  std::size_t pos = static_cast<std::size_t>(consumed);
  double fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    double scale = 0.1;
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  int offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) {
      return std::nullopt;
    }
    offset_seconds = (text[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  }
  if (pos != text.size() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<double>(timegm(&tm)) + fraction - offset_seconds;
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
    if (auto parsed = ParseIso8601(value->get<std::string>())) {
      return std::optional<double>(*parsed);
    }
  }
  return tl::unexpected(
      WrongType(name, "a timestamp (epoch seconds or ISO-8601 like 2026-11-27T10:00:00Z)"));
}

ApiResult<std::string> RequiredString(const nlohmann::json& object, std::string_view name) {
  auto value = OptionalString(object, name);
  if (!value) {
    return tl::unexpected(value.error());
  }
  if (!value->has_value()) {
    return tl::unexpected(InvalidRequest(std::string(name) + " is required"));
  }
  return std::move(**value);
}

}  // namespace xrayd::daemon
