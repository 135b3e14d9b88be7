#pragma once
// The X-Ray (sub)segment name rule (docs/segment-document.md#segment-fields): 1-200 characters;
// Unicode letters, numbers, whitespace and _ . : / % & # = + \ - @. Pure functions, thread-safe.

#include <cstddef>
#include <string_view>

namespace xrayd::proto {

inline constexpr std::size_t kMaxNameChars = 200;

// True iff `name` is valid UTF-8, has 1..kMaxNameChars code points, and every code point is
// allowed. ASCII: letters, digits, space and the DG punctuation set above (backslash included, as
// the DG text lists it; the JSON schema omits it). Tab, newline and other controls are refused.
// Non-ASCII: without Unicode tables this approximates \p{L}\p{N}\p{Z}: any code point is accepted
// except the ones cheaply known to be controls, format characters, punctuation or symbols:
// C1 controls U+0080-009F, Latin-1 punctuation/symbols in U+00A1-00BF (but not the letters and
// numbers ª ² ³ µ ¹ º ¼ ½ ¾) and × ÷, General Punctuation U+2010-2027 and U+2030-205E, format
// characters U+200B-200F, U+2060-206F and U+FEFF, CJK punctuation U+3001-3003, the
// symbol/dingbat blocks U+2190-2BFF, emoji/pictographs U+1F000-1FAFF, and U+FFF0-FFFF.
bool IsValidName(std::string_view name) noexcept;

}  // namespace xrayd::proto
