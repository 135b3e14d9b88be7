#pragma once
// ASCII text helpers: case folding and case-insensitive comparison of protocol tokens (header
// names, schemes, keywords, ids), and hexadecimal digits. Case folding leaves bytes outside A-Z
// as they are; no locale is consulted.

#include <string>
#include <string_view>

namespace xrayd::proto {

// `c` with A-Z mapped to a-z.
[[nodiscard]] constexpr char AsciiLower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The value of the hexadecimal digit `c` (0-9, a-f, A-F), or -1 for any other byte.
[[nodiscard]] constexpr int HexDigitValue(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// `text` with A-Z mapped to a-z.
[[nodiscard]] std::string AsciiLower(std::string_view text);

// True when `a` and `b` are equal once A-Z are mapped to a-z.
[[nodiscard]] bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept;

}  // namespace xrayd::proto
