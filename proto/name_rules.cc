#include "proto/name_rules.h"

#include "proto/utf8.h"

namespace xrayd::proto {
namespace {

bool IsAllowedAscii(char32_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  switch (c) {
    case ' ':
    case '_':
    case '.':
    case ':':
    case '/':
    case '%':
    case '&':
    case '#':
    case '=':
    case '+':
    case '\\':
    case '-':
    case '@':
      return true;
    default:
      return false;
  }
}

bool IsAllowedLatin1Supplement(char32_t c) {
  if (c <= 0x9F) {
    return false;  // C1 controls.
  }
  if (c == 0xA0) {
    return true;  // No-break space (Zs).
  }
  if (c <= 0xBF) {
    // ª (Lo), ² ³ ¹ ¼ ½ ¾ (No), µ (Ll), º (Lo); the rest are punctuation and symbols.
    return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA ||
           (c >= 0xBC && c <= 0xBE);
  }
  return c != 0xD7 && c != 0xF7;  // × ÷ are math symbols.
}

bool IsAllowedNonAscii(char32_t c) {
  if (c <= 0xFF) {
    return IsAllowedLatin1Supplement(c);
  }
  if (c >= 0x2000 && c <= 0x206F) {
    // General Punctuation: only the spaces (U+2000-200A, 2028, 2029, 202F, 205F) are allowed.
    return c <= 0x200A || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F;
  }
  if (c >= 0x2190 && c <= 0x2BFF) {
    return false;  // Arrows, math operators, technical, box drawing, dingbats, misc symbols.
  }
  if (c >= 0x3001 && c <= 0x3003) {
    return false;  // Ideographic comma and full stop, ditto mark.
  }
  if (c == 0xFEFF || (c >= 0xFFF0 && c <= 0xFFFF)) {
    return false;  // Byte order mark, specials and non-characters.
  }
  if (c >= 0x1F000 && c <= 0x1FAFF) {
    return false;  // Emoji and pictographs.
  }
  return true;
}

}  // namespace

bool IsValidName(std::string_view name) noexcept {
  if (name.empty()) {
    return false;
  }
  std::size_t chars = 0;
  std::size_t pos = 0;
  while (pos < name.size()) {
    const auto byte = static_cast<unsigned char>(name[pos]);
    if (byte < 0x80) {
      if (!IsAllowedAscii(byte)) {
        return false;
      }
      ++pos;
    } else {
      const char32_t c = DecodeUtf8(name, &pos);
      if (c == kInvalidCodePoint || !IsAllowedNonAscii(c)) {
        return false;
      }
    }
    if (++chars > kMaxNameChars) {
      return false;
    }
  }
  return true;
}

}  // namespace xrayd::proto
