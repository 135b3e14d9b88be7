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

// ANSI SGR sequences of the CLI views.
inline constexpr std::string_view kReset = "\x1b[0m";
inline constexpr std::string_view kBold = "\x1b[1m";
inline constexpr std::string_view kDim = "\x1b[2m";
inline constexpr std::string_view kRed = "\x1b[31m";
inline constexpr std::string_view kGreen = "\x1b[32m";
inline constexpr std::string_view kYellow = "\x1b[33m";
inline constexpr std::string_view kMagenta = "\x1b[35m";
inline constexpr std::string_view kCyan = "\x1b[36m";

// `text` between `sgr` and kReset when `enabled` and `text` is not empty; otherwise `text`.
[[nodiscard]] std::string Colored(std::string text, std::string_view sgr, bool enabled);

// "1 segment", "2 segments": `n` and `word`, with an "s" unless n is 1.
[[nodiscard]] std::string Plural(std::size_t n, std::string_view word);

// `text` followed by spaces up to `width` columns (unchanged if already wider).
[[nodiscard]] std::string PadToWidth(std::string_view sanitized, std::size_t width);

}  // namespace xrayd::query
