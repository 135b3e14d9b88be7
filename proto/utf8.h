#pragma once
// Small UTF-8 helpers for the validation rules: X-Ray limits count characters (code points), not
// bytes. Pure functions, thread-safe, never read outside the given view.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace xrayd::proto {

// Sentinel code point returned by DecodeUtf8 for an invalid sequence.
inline constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;

// Decodes the code point starting at text[*pos] and advances *pos past it. Returns
// kInvalidCodePoint (advancing by one byte) on an invalid, overlong, surrogate or truncated
// sequence. REQUIRES: *pos < text.size().
char32_t DecodeUtf8(std::string_view text, std::size_t* pos) noexcept;

// Number of code points in `text`: exact for valid UTF-8 (it counts the bytes that are not
// continuation bytes, which is all the limits need).
std::size_t Utf8Length(std::string_view text) noexcept;

// The longest prefix of `text` with at most `max_chars` code points; never splits a sequence.
std::string_view TruncateUtf8(std::string_view text, std::size_t max_chars) noexcept;

}  // namespace xrayd::proto
