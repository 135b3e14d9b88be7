#pragma once
// Text for terminal output: sanitizing untrusted strings, measuring their width in columns and
// cutting them to a width without splitting a UTF-8 code point. Pure functions, thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

namespace xrayd::query {

// Text safe to print: valid UTF-8 is kept, except control characters (C0, DEL, C1) and bidi
// controls (U+200E/F, U+202A-E, U+2066-9), which become '?' (tab, CR, LF become ' '); each byte
// of an invalid sequence (overlong, surrogate, beyond U+10FFFF, truncated) becomes '?'.
[[nodiscard]] std::string SanitizeForTerminal(std::string_view text);

// Terminal columns of sanitized text: East Asian wide/fullwidth and emoji 2, combining marks,
// variation selectors and zero-width characters 0, everything else 1.
[[nodiscard]] std::size_t DisplayWidth(std::string_view sanitized);

// `sanitized` cut to at most `width` columns at a code point boundary, ending with "…" (one
// column) when cut. Returns `sanitized` unchanged when it fits.
[[nodiscard]] std::string TruncateToWidth(std::string_view sanitized, std::size_t width);

// `text` followed by spaces up to `width` columns (unchanged if already wider).
[[nodiscard]] std::string PadToWidth(std::string_view sanitized, std::size_t width);

}  // namespace xrayd::query
