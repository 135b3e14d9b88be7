#include "proto/utf8.h"

namespace xrayd::proto {
namespace {

bool IsContinuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// Length of the sequence introduced by `lead`, or 0 for a byte that cannot start one.
std::size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    return 2;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    return 4;
  }
  return 0;
}

}  // namespace

char32_t DecodeUtf8(std::string_view text, std::size_t* pos) noexcept {
  const std::size_t start = *pos;
  const auto lead = static_cast<unsigned char>(text[start]);
  const std::size_t length = SequenceLength(lead);
  *pos = start + 1;
  if (length == 1) {
    return lead;
  }
  if (length == 0 || text.size() - start < length) {
    return kInvalidCodePoint;
  }
  char32_t code_point = lead & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[start + i]);
    if (!IsContinuation(byte)) {
      return kInvalidCodePoint;
    }
    code_point = (code_point << 6) | (byte & 0x3F);
  }
  // Reject overlong forms, UTF-16 surrogates and values past U+10FFFF.
  static constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < kMinForLength[length] || (code_point >= 0xD800 && code_point <= 0xDFFF) ||
      code_point > 0x10FFFF) {
    return kInvalidCodePoint;
  }
  *pos = start + length;
  return code_point;
}

std::size_t Utf8Length(std::string_view text) noexcept {
  // Counting non-continuation bytes is exact for valid UTF-8 and good enough for limits otherwise.
  std::size_t count = 0;
  for (const char c : text) {
    count += IsContinuation(static_cast<unsigned char>(c)) ? 0 : 1;
  }
  return count;
}

std::string_view TruncateUtf8(std::string_view text, std::size_t max_chars) noexcept {
  if (text.size() <= max_chars) {
    return text;  // Never more code points than bytes.
  }
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!IsContinuation(static_cast<unsigned char>(text[i]))) {
      if (chars == max_chars) {
        return text.substr(0, i);
      }
      ++chars;
    }
  }
  return text;
}

}  // namespace xrayd::proto
