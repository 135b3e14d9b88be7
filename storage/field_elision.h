#pragma once
// Frames that leave a document's row values out of its text (storage/document_codec.h). Ids and
// times are the least compressible part of a segment document, and its row holds them anyway
// (storage/document_ids.h, RowFields): a frame that leaves them out is smaller. Layout:
//
//   0x18 + n (n = 1..5), n x LEB128(gap << 3 | field code), a zstd frame of the remaining text
//
// Read in order, each entry says: copy `gap` bytes of the remaining text, then the field's
// rendering (RenderRowField); the rest of the text follows the last entry. Only text equal to the
// rendering is left out, so putting the renderings back gives the document byte for byte. JSON text
// never starts with the control characters 0x19-0x1d, nor does a zstd frame.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "proto/result.h"
#include "storage/document_ids.h"

namespace xrayd::storage {

// The first byte of an elided frame is this plus its number of entries.
inline constexpr unsigned char kElidedFrameMarker = 0x18;

[[nodiscard]] bool IsElidedFrame(std::string_view blob) noexcept;

// `json` without the first occurrence of each row value's rendering, and the frame header that
// puts them back (empty when none occurs).
struct ElidedText {
  std::string text;
  std::string header;
};
[[nodiscard]] ElidedText ElideRowFields(std::string_view json, const RowFields& fields);

// An elided frame's header entries and the frame after them.
struct ElidedFrame {
  struct Entry {
    RowField field;
    std::size_t gap;  // Bytes of the remaining text before the field's rendering.
  };
  std::vector<Entry> entries;
  std::string_view inner;
};
// kMalformed when the header is damaged (an unknown field, a gap too large or cut short) or no zstd
// frame follows it.
[[nodiscard]] Result<ElidedFrame> ParseElidedFrame(std::string_view blob);

// The document: `text`, the inner frame's content, with the row values put back. kMalformed when
// the gaps add up to more than the text or the row has no value for a field the frame left out.
[[nodiscard]] Result<std::string> RestoreRowFields(std::string_view text, const ElidedFrame& frame,
                                                   const RowFields& fields);

}  // namespace xrayd::storage
