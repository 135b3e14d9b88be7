#include "storage/field_elision.h"

#include <algorithm>

#include "storage/document_codec.h"
#include "storage/document_frame.h"

namespace xrayd::storage {
namespace {

struct Range {
  RowField field;
  std::size_t offset;
  std::size_t size;
};

// Five 7-bit groups: more than any offset below kMaxDecodedDocumentBytes needs.
constexpr int kMaxOffsetBytes = 5;

void AppendOffset(std::string& out, std::size_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

}  // namespace

bool IsElidedFrame(std::string_view blob) noexcept {
  return !blob.empty() && static_cast<unsigned char>(blob[0]) == kElidedFrameMarker;
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
  out.header.push_back(static_cast<char>(kElidedFrameMarker));
  out.header.push_back(static_cast<char>(ranges.size()));
  out.text.reserve(json.size());
  std::size_t copied = 0;
  for (const Range& r : ranges) {
    out.header.push_back(static_cast<char>(r.field));
    AppendOffset(out.header, r.offset);
    out.text.append(json.substr(copied, r.offset - copied));
    copied = r.offset + r.size;
  }
  out.text.append(json.substr(copied));
  return out;
}

Result<ElidedFrame> ParseElidedFrame(std::string_view blob) {
  if (blob.size() < 2 || !IsElidedFrame(blob)) {
    return internal::CorruptDocument("elided frame without its header");
  }
  const auto count = static_cast<unsigned char>(blob[1]);
  if (count == 0 || count > kLastRowField) {
    return internal::CorruptDocument("elided frame names " + std::to_string(count) + " fields");
  }
  ElidedFrame frame;
  std::size_t pos = 2;
  for (unsigned i = 0; i < count; ++i) {
    if (pos >= blob.size()) {
      return internal::CorruptDocument("elided frame header is cut short");
    }
    const auto code = static_cast<unsigned char>(blob[pos++]);
    if (code == 0 || code > kLastRowField) {
      return internal::CorruptDocument("elided frame names field " + std::to_string(code));
    }
    std::size_t offset = 0;
    bool more = true;
    for (int shift = 0; more; shift += 7) {
      if (pos >= blob.size() || shift >= 7 * kMaxOffsetBytes) {
        return internal::CorruptDocument("elided frame offset is cut short or too long");
      }
      const auto byte = static_cast<unsigned char>(blob[pos++]);
      offset |= static_cast<std::size_t>(byte & 0x7f) << shift;
      more = (byte & 0x80) != 0;
    }
    if (offset > kMaxDecodedDocumentBytes ||
        (!frame.entries.empty() && offset < frame.entries.back().offset)) {
      return internal::CorruptDocument("elided frame offsets out of order or range");
    }
    frame.entries.push_back(ElidedFrame::Entry{static_cast<RowField>(code), offset});
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
    // The entry's offset is in the restored document; everything before it is already in `out`.
    const std::size_t take = entry.offset - out.size();
    if (entry.offset < out.size() || take > text.size() - used) {
      return internal::CorruptDocument("elided frame offset beyond its text");
    }
    out.append(text.substr(used, take));
    used += take;
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
