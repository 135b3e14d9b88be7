#include "storage/field_elision.h"

#include <algorithm>
#include <cstdint>

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
  std::vector<Range> ranges;
  std::string renderings[kLastRowField + 1];
  for (unsigned char code = 1; code <= kLastRowField; ++code) {
    const auto field = static_cast<RowField>(code);
    std::string& rendering = renderings[code];
    rendering = RenderRowField(fields, field);
    if (rendering.empty()) {
      continue;
    }
    const std::size_t at = json.find(rendering);
    if (at == std::string_view::npos) {
      continue;
    }
    const bool overlaps = std::any_of(ranges.begin(), ranges.end(), [&](const Range& r) {
      return at < r.offset + r.size && r.offset < at + rendering.size();
    });
    if (!overlaps) {
      ranges.push_back(Range{field, at, rendering.size()});
    }
  }
  ElidedText out;
  if (ranges.empty()) {
    return out;
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.offset < b.offset; });
  out.header.push_back(static_cast<char>(kElidedFrameMarker + ranges.size()));
  out.text.reserve(json.size());
  std::size_t copied = 0;
  for (const Range& r : ranges) {
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
    const std::string rendering = RenderRowField(fields, entry.field);
    if (rendering.empty()) {
      return internal::CorruptDocument("stored row lacks a value its frame left out");
    }
    out.append(rendering);
  }
  out.append(text.substr(used));
  return out;
}

}  // namespace xrayd::storage
