#pragma once
// Frames that leave a document's row values out of its text (storage/document_codec.h). Ids and
// times are the least compressible part of a segment document, and its row holds them anyway
// (storage/document_ids.h, RowFields): a frame that leaves them out is ~15 % smaller. Layout:
//
//   0x1e, n (1..5), n x (field code, offset as LEB128), a zstd frame of the remaining text
//
// Each entry says that the field's rendering (RenderRowField) goes back at `offset` of the
// document; offsets ascend. Only text equal to the rendering is left out, so putting the rendering
// back gives the document byte for byte. JSON text never starts with 0x1e, nor does a zstd frame.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "proto/result.h"
#include "storage/document_ids.h"

namespace xrayd::storage {

inline constexpr unsigned char kElidedFrameMarker = 0x1e;

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
    std::size_t offset;
  };
  std::vector<Entry> entries;
  std::string_view inner;
};
// kMalformed when the header is damaged (unknown field, offsets out of order or too large, a
// truncated offset) or no zstd frame follows it.
[[nodiscard]] Result<ElidedFrame> ParseElidedFrame(std::string_view blob);

// The document: `text`, the inner frame's content, with the row values put back. kMalformed when
// an offset lies beyond the text or the row has no value for a field the frame left out.
[[nodiscard]] Result<std::string> RestoreRowFields(std::string_view text, const ElidedFrame& frame,
                                                   const RowFields& fields);

}  // namespace xrayd::storage
