#include "storage/field_elision.h"

#include <string.h>  // memmem

#include <algorithm>
#include <cstdint>
#include <span>
#include <utility>

#include "storage/document_codec.h"
#include "storage/document_frame.h"

namespace xrayd::storage {
namespace {

struct Range {
  RowField field;
  std::size_t offset;
  std::size_t size;
};

// Five 7-bit groups: more than a gap below kMaxDecodedDocumentBytes, with its 3-bit code, needs.
constexpr int kMaxEntryBytes = 5;
constexpr int kCodeBits = 3;

void AppendVarint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

}  // namespace

bool IsElidedFrame(std::string_view blob) noexcept {
  if (blob.empty()) {
    return false;
  }
  const auto first = static_cast<unsigned char>(blob[0]);
  return first > kElidedFrameMarker && first <= kElidedFrameMarker + kLastRowField;
}

ElidedText ElideRowFields(std::string_view json, const RowFields& fields) {
  Range ranges[kLastRowField];
  std::size_t count = 0;
  for (unsigned char code = 1; code <= kLastRowField; ++code) {
    const auto field = static_cast<RowField>(code);
    char rendering[kMaxRowFieldText];
    const std::size_t size = RenderRowField(fields, field, rendering);
    if (size == 0) {
      continue;
    }
    const void* found = memmem(json.data(), json.size(), rendering, size);
    if (found == nullptr) {
      continue;
    }
    const auto at = static_cast<std::size_t>(static_cast<const char*>(found) - json.data());
    const bool overlaps = std::any_of(ranges, ranges + count, [&](const Range& r) {
      return at < r.offset + r.size && r.offset < at + size;
    });
    if (!overlaps) {
      ranges[count++] = Range{field, at, size};
    }
  }
  ElidedText out;
  if (count == 0) {
    return out;
  }
  for (std::size_t i = 1; i < count; ++i) {  // Insertion sort by offset: at most five ranges.
    for (std::size_t j = i; j > 0 && ranges[j].offset < ranges[j - 1].offset; --j) {
      std::swap(ranges[j], ranges[j - 1]);
    }
  }
  out.header.push_back(static_cast<char>(kElidedFrameMarker + count));
  out.text.reserve(json.size());
  std::size_t copied = 0;
  for (const Range& r : std::span(ranges, count)) {
    const std::size_t gap = r.offset - copied;
    AppendVarint(out.header, static_cast<std::uint64_t>(gap) << kCodeBits |
                                 static_cast<std::uint64_t>(r.field));
    out.text.append(json.substr(copied, gap));
    copied = r.offset + r.size;
  }
  out.text.append(json.substr(copied));
  return out;
}

Result<ElidedFrame> ParseElidedFrame(std::string_view blob) {
  if (!IsElidedFrame(blob)) {
    return internal::CorruptDocument("not an elided frame");
  }
  const unsigned count = static_cast<unsigned char>(blob[0]) - kElidedFrameMarker;
  ElidedFrame frame;
  std::size_t pos = 1;
  for (unsigned i = 0; i < count; ++i) {
    std::uint64_t entry = 0;
    bool more = true;
    for (int shift = 0; more; shift += 7) {
      if (pos >= blob.size() || shift >= 7 * kMaxEntryBytes) {
        return internal::CorruptDocument("elided frame entry is cut short or too long");
      }
      const auto byte = static_cast<unsigned char>(blob[pos++]);
      entry |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      more = (byte & 0x80) != 0;
    }
    const auto code = static_cast<unsigned>(entry & ((1u << kCodeBits) - 1));
    const std::uint64_t gap = entry >> kCodeBits;
    if (code == 0 || code > kLastRowField) {
      return internal::CorruptDocument("elided frame names field " + std::to_string(code));
    }
    if (gap > kMaxDecodedDocumentBytes) {
      return internal::CorruptDocument("elided frame gap of " + std::to_string(gap) + " bytes");
    }
    frame.entries.push_back(
        ElidedFrame::Entry{static_cast<RowField>(code), static_cast<std::size_t>(gap)});
  }
  frame.inner = blob.substr(pos);
  if (!IsCompressedDocument(frame.inner)) {
    return internal::CorruptDocument("elided frame holds no zstd frame");
  }
  return frame;
}

Result<std::string> RestoreRowFields(std::string_view text, const ElidedFrame& frame,
                                     const RowFields& fields) {
  std::string out;
  out.reserve(text.size() + 128);
  std::size_t used = 0;  // Of `text`.
  for (const ElidedFrame::Entry& entry : frame.entries) {
    if (entry.gap > text.size() - used) {
      return internal::CorruptDocument("elided frame gaps beyond its text");
    }
    out.append(text.substr(used, entry.gap));
    used += entry.gap;
    char rendering[kMaxRowFieldText];
    const std::size_t size = RenderRowField(fields, entry.field, rendering);
    if (size == 0) {
      return internal::CorruptDocument("stored row lacks a value its frame left out");
    }
    out.append(rendering, size);
  }
  out.append(text.substr(used));
  return out;
}

}  // namespace xrayd::storage
