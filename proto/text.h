#pragma once
// ASCII text helpers: case folding and case-insensitive comparison of protocol tokens (header
// names, schemes, keywords, ids). Bytes outside A-Z are left as they are; no locale is consulted.

#include <string>
#include <string_view>

namespace xrayd::proto {

// `c` with A-Z mapped to a-z.
[[nodiscard]] constexpr char AsciiLower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// `text` with A-Z mapped to a-z.
[[nodiscard]] std::string AsciiLower(std::string_view text);

// True when `a` and `b` are equal once A-Z are mapped to a-z.
[[nodiscard]] bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept;

}  // namespace xrayd::proto
