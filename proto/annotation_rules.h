#pragma once
// Which annotations X-Ray can index (docs/segment-document.md#annotations, schema
// xray-segmentdocument-schema-v1.0.0): keys ^[A-Za-z0-9_]{1,500}$; string values of at most 1000
// characters. Anything else is kept in the raw document but not indexed; it is never a reason to
// reject a document. Pure, thread-safe.

#include <cstddef>
#include <string_view>

namespace xrayd::proto {

inline constexpr std::size_t kMaxAnnotationKeyLength = 500;
inline constexpr std::size_t kMaxAnnotationStringChars = 1000;

// True iff `key` matches ^[A-Za-z0-9_]{1,500}$ (case-sensitive keys, ASCII only).
bool IsIndexableAnnotationKey(std::string_view key) noexcept;

// True iff `value` has at most kMaxAnnotationStringChars code points.
bool IsIndexableAnnotationString(std::string_view value) noexcept;

}  // namespace xrayd::proto
