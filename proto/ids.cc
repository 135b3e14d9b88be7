#include "proto/ids.h"

namespace xrayd::proto {
namespace {

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool AllHex(std::string_view text) {
  for (const char c : text) {
    if (!IsHexDigit(c)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsValidTraceId(std::string_view text) noexcept {
  return text.size() == kTraceIdLength && text[0] == '1' && text[1] == '-' && text[10] == '-' &&
         AllHex(text.substr(2, 8)) && AllHex(text.substr(11));
}

bool IsValidId(std::string_view text) noexcept {
  return text.size() == kIdLength && AllHex(text);
}

std::optional<std::uint64_t> LowerHexIdValue(std::string_view text) noexcept {
  if (text.size() != kIdLength) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c >= '0' && c <= '9') {
      value = value << 4 | static_cast<std::uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      value = value << 4 | static_cast<std::uint64_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
  }
  return value;
}

std::string LowerHex(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::string CanonicalTraceId(std::string_view text) {
  if (text.size() == 32 && AllHex(text)) {
    return "1-" + LowerHex(text.substr(0, 8)) + "-" + LowerHex(text.substr(8));
  }
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace xrayd::proto
