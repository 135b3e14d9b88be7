#include "proto/annotation_rules.h"

#include "proto/utf8.h"

namespace xrayd::proto {

bool IsIndexableAnnotationKey(std::string_view key) noexcept {
  if (key.empty() || key.size() > kMaxAnnotationKeyLength) {
    return false;
  }
  for (const char c : key) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool IsIndexableAnnotationString(std::string_view value) noexcept {
  // Cheap byte test first: a string of <= 1000 bytes has <= 1000 code points.
  return value.size() <= kMaxAnnotationStringChars ||
         Utf8Length(value) <= kMaxAnnotationStringChars;
}

}  // namespace xrayd::proto
