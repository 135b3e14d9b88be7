#include "daemon/otlp/attributes.h"

#include <charconv>
#include <cmath>

namespace xrayd::daemon::otlp {

namespace {

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) |
                            std::uint8_t(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    const std::uint32_t n = std::uint8_t(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const std::uint32_t n = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace

Attributes::Attributes(const AttributeList& list) {
  for (const auto& kv : list) {
    by_key_[kv.key()] = &kv.value();
  }
}

const AnyValue* Attributes::Find(std::string_view key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : it->second;
}

std::optional<std::string> Attributes::Text(std::string_view key) {
  const AnyValue* value = Find(key);
  if (value == nullptr) {
    return std::nullopt;
  }
  Consume(key);
  switch (value->value_case()) {
    case AnyValue::kStringValue:
      return value->string_value();
    case AnyValue::kBoolValue:
      return std::string(value->bool_value() ? "true" : "false");
    case AnyValue::kIntValue:
      return std::to_string(value->int_value());
    case AnyValue::kDoubleValue:
      return ToJson(*value).dump();
    default:
      return std::nullopt;
  }
}

std::optional<std::string> Attributes::FirstText(std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    if (auto text = Text(key)) {
      return text;
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> Attributes::Integer(std::string_view key) {
  const AnyValue* value = Find(key);
  if (value == nullptr) {
    return std::nullopt;
  }
  Consume(key);
  if (value->value_case() == AnyValue::kIntValue) {
    return value->int_value();
  }
  if (value->value_case() == AnyValue::kDoubleValue) {
    const double d = value->double_value();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
      return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
  }
  if (value->value_case() == AnyValue::kStringValue) {
    const std::string& s = value->string_value();
    std::int64_t n = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (!s.empty() && ec == std::errc() && ptr == s.data() + s.size()) {
      return n;
    }
  }
  return std::nullopt;
}

nlohmann::json ToJson(const AnyValue& value) {
  switch (value.value_case()) {
    case AnyValue::kStringValue:
      return value.string_value();
    case AnyValue::kBoolValue:
      return value.bool_value();
    case AnyValue::kIntValue:
      return value.int_value();
    case AnyValue::kDoubleValue:
      if (!std::isfinite(value.double_value())) {
        return std::isnan(value.double_value())
                   ? "NaN"
                   : (value.double_value() > 0 ? "Infinity" : "-Infinity");
      }
      return value.double_value();
    case AnyValue::kArrayValue: {
      nlohmann::json array = nlohmann::json::array();
      for (const AnyValue& element : value.array_value().values()) {
        array.push_back(ToJson(element));
      }
      return array;
    }
    case AnyValue::kKvlistValue: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& kv : value.kvlist_value().values()) {
        object[kv.key()] = ToJson(kv.value());
      }
      return object;
    }
    case AnyValue::kBytesValue:
      return Base64(value.bytes_value());
    default:
      return nullptr;
  }
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    out += kDigits[(std::uint8_t(c) >> 4) & 15];
    out += kDigits[std::uint8_t(c) & 15];
  }
  return out;
}

}  // namespace xrayd::daemon::otlp
