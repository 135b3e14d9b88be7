#include "query/terminal_text.h"

#include <array>
#include <cstdint>
#include <utility>

namespace xrayd::query {
namespace {

constexpr std::string_view kEllipsis = "\u2026";

// Decodes the code point at `text[i]`; sets `length` to its byte count. Returns -1 (length 1) for
// an invalid sequence: stray continuation byte, overlong form, surrogate, > U+10FFFF, truncated.
std::int32_t DecodeAt(std::string_view text, std::size_t i, std::size_t& length) {
  length = 1;
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[i + k]); };
  const std::uint8_t lead = byte(0);
  if (lead < 0x80) {
    return lead;
  }
  std::size_t n = 0;
  std::int32_t cp = 0;
  std::int32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2;
    cp = lead & 0x1F;
    min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3;
    cp = lead & 0x0F;
    min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
    cp = lead & 0x07;
    min = 0x10000;
  } else {
    return -1;
  }
  if (i + n > text.size()) {
    return -1;
  }
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) {
      return -1;
    }
    cp = (cp << 6) | (byte(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return -1;
  }
  length = n;
  return cp;
}

bool IsControl(std::int32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

using Range = std::pair<std::int32_t, std::int32_t>;

// Combining marks and zero-width characters (the common blocks; not the full Unicode tables).
constexpr std::array<Range, 14> kZeroWidth = {{{0x0300, 0x036F},
                                               {0x0483, 0x0489},
                                               {0x0591, 0x05BD},
                                               {0x0610, 0x061A},
                                               {0x064B, 0x065F},
                                               {0x0E31, 0x0E31},
                                               {0x0E34, 0x0E3A},
                                               {0x1AB0, 0x1AFF},
                                               {0x1DC0, 0x1DFF},
                                               {0x200B, 0x200D},
                                               {0x20D0, 0x20FF},
                                               {0xFE00, 0xFE0F},
                                               {0xFE20, 0xFE2F},
                                               {0xE0100, 0xE01EF}}};

// East Asian Wide and Fullwidth blocks and the emoji blocks.
constexpr std::array<Range, 14> kWide = {{{0x1100, 0x115F},
                                          {0x231A, 0x231B},
                                          {0x2E80, 0x303E},
                                          {0x3041, 0x33FF},
                                          {0x3400, 0x4DBF},
                                          {0x4E00, 0x9FFF},
                                          {0xA000, 0xA4CF},
                                          {0xAC00, 0xD7A3},
                                          {0xF900, 0xFAFF},
                                          {0xFE30, 0xFE4F},
                                          {0xFF00, 0xFF60},
                                          {0xFFE0, 0xFFE6},
                                          {0x1F300, 0x1FAFF},
                                          {0x20000, 0x3FFFD}}};

bool InRanges(std::int32_t cp, const auto& ranges) {
  for (const Range& r : ranges) {
    if (cp >= r.first && cp <= r.second) {
      return true;
    }
  }
  return false;
}

std::size_t CodePointWidth(std::int32_t cp) {
  if (cp < 0) {
    return 1;
  }
  if (InRanges(cp, kZeroWidth)) {
    return 0;
  }
  return InRanges(cp, kWide) ? 2 : 1;
}

}  // namespace

std::string SanitizeForTerminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t length = 1;
    const std::int32_t cp = DecodeAt(text, i, length);
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      out += ' ';
    } else if (cp < 0 || IsControl(cp)) {
      out += '?';
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

std::size_t DisplayWidth(std::string_view sanitized) {
  std::size_t width = 0;
  std::size_t i = 0;
  while (i < sanitized.size()) {
    std::size_t length = 1;
    width += CodePointWidth(DecodeAt(sanitized, i, length));
    i += length;
  }
  return width;
}

std::string TruncateToWidth(std::string_view sanitized, std::size_t width) {
  if (DisplayWidth(sanitized) <= width) {
    return std::string(sanitized);
  }
  if (width == 0) {
    return {};
  }
  // Keep whole code points (with their following zero-width marks) within width - 1 columns.
  std::size_t used = 0;
  std::size_t end = 0;
  while (end < sanitized.size()) {
    std::size_t length = 1;
    const std::size_t w = CodePointWidth(DecodeAt(sanitized, end, length));
    if (used + w > width - 1) {
      break;
    }
    used += w;
    end += length;
  }
  std::string out(sanitized.substr(0, end));
  out += kEllipsis;
  return out;
}

std::string PadToWidth(std::string_view sanitized, std::size_t width) {
  std::string out(sanitized);
  const std::size_t w = DisplayWidth(sanitized);
  if (w < width) {
    out.append(width - w, ' ');
  }
  return out;
}

std::string Colored(std::string text, std::string_view sgr, bool enabled) {
  if (!enabled || text.empty()) {
    return text;
  }
  return std::string(sgr) + text + std::string(kReset);
}

std::string Plural(std::size_t n, std::string_view word) {
  std::string out = std::to_string(n) + " " + std::string(word);
  if (n != 1) {
    out += 's';
  }
  return out;
}

}  // namespace xrayd::query
