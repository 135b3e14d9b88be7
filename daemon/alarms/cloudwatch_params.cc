#include "daemon/alarms/cloudwatch_params.h"

#include <cmath>
#include <cstdlib>

namespace xrayd::daemon::alarms {

std::optional<double> NumberParam(const nlohmann::json& params, const char* key) {
  auto it = params.find(key);
  if (it == params.end() || it->is_null()) {
    return std::nullopt;
  }
  if (it->is_number()) {
    const double value = it->get<double>();
    return std::isfinite(value) ? std::optional<double>(value) : std::nullopt;
  }
  if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == text.c_str() + text.size() && std::isfinite(value)) {
      return value;
    }
  }
  return std::nullopt;
}

std::optional<std::string> TextParam(const nlohmann::json& params, const char* key) {
  auto it = params.find(key);
  if (it == params.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<bool> BoolParam(const nlohmann::json& params, const char* key) {
  auto it = params.find(key);
  if (it == params.end() || it->is_null()) {
    return std::nullopt;
  }
  if (it->is_boolean()) {
    return it->get<bool>();
  }
  if (it->is_string()) {
    return it->get<std::string>() == "true";
  }
  return std::nullopt;
}

bool HasParam(const nlohmann::json& params, const char* key) {
  auto it = params.find(key);
  return it != params.end() && !it->is_null();
}

std::vector<std::string> StringsParam(const nlohmann::json& params, const char* key) {
  std::vector<std::string> out;
  auto it = params.find(key);
  if (it != params.end() && it->is_array()) {
    for (const auto& item : *it) {
      if (item.is_string()) {
        out.push_back(item.get<std::string>());
      }
    }
  }
  return out;
}

std::optional<long long> IntegerInRange(double value, long long low, long long high) {
  if (!std::isfinite(value) || value != std::floor(value) || value < static_cast<double>(low) ||
      value > static_cast<double>(high)) {
    return std::nullopt;
  }
  return static_cast<long long>(value);
}

}  // namespace xrayd::daemon::alarms
