#pragma once
// The binary forms of a document's ids as the store keeps them (schema.h), and the values of a
// document that its stored row holds besides its text.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/document.h"
#include "proto/result.h"

namespace xrayd::storage {

// A trace id "1-xxxxxxxx-<24 hex>" is 16 bytes: the 4-byte epoch big-endian, then the 12 random
// bytes, so memcmp order is trace-id (time) order. A 16-hex id is the 64-bit value reinterpreted
// as a signed INTEGER.
using TraceKey = std::array<unsigned char, 16>;

// Parses a lower- or upper-case trace id; false if it is not "1-" + 8 hex + "-" + 24 hex.
[[nodiscard]] bool ParseTraceId(std::string_view text, TraceKey& out);
// "1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx", lower case. `bytes` must hold 16 bytes.
[[nodiscard]] std::string FormatTraceId(std::string_view bytes);
[[nodiscard]] std::string FormatTraceId(const TraceKey& key);
// Parses 16 hex digits; false otherwise.
[[nodiscard]] bool ParseId(std::string_view text, std::int64_t& out);
// 16 lower-case hex digits.
[[nodiscard]] std::string FormatId(std::int64_t id);

// A document's key columns, parsed once from its ids.
struct DocumentKey {
  TraceKey trace{};
  std::int64_t id = 0;
  std::optional<std::int64_t> parent_id;  // Empty for a document without parent_id.
};

// kInvalidArgument when the trace id, id or parent_id is malformed.
[[nodiscard]] Result<DocumentKey> ParseDocumentKey(const proto::Document& doc);

// What a document's row in `documents` holds besides its text, with its trace's id. A stored
// frame may leave the text of these values out of the document (storage/document_codec.h);
// reading it back takes the same values.
struct RowFields {
  DocumentKey key;
  double start_time = 0;
  std::optional<double> end_time;  // Kept for a complete document only (not in progress).
};

// The row values of `doc`, whose key is `key`.
[[nodiscard]] RowFields RowFieldsOf(const DocumentKey& key, const proto::Document& doc);

class Statement;
// The row values of a document of trace `trace` from four columns of `stmt`'s current row,
// starting at `first`: documents.id, parent_id, start_time, end_time.
[[nodiscard]] RowFields ReadRowFields(const Statement& stmt, int first, const TraceKey& trace);
// As ReadRowFields, the trace named by traces.trace_id at column `first` and the four columns
// after it. nullopt when that column holds no trace id (NULL: no such trace).
[[nodiscard]] std::optional<RowFields> ReadRowFieldsWithTrace(const Statement& stmt, int first);

// The values a frame may leave out, by the code the frame names them with.
enum class RowField : unsigned char {
  kTraceId = 1,
  kId = 2,
  kParentId = 3,
  kStartTime = 4,
  kEndTime = 5,
};
inline constexpr unsigned char kLastRowField = 5;

// Writes the one text `field` of `fields` renders to into `out`, which holds kMaxRowFieldText
// bytes: lower-case hex ids, and times as the shortest decimal that reads back as the same double.
// Returns its length: 0 when the row has no such value.
inline constexpr std::size_t kMaxRowFieldText = 40;
[[nodiscard]] std::size_t RenderRowField(const RowFields& fields, RowField field, char* out);

}  // namespace xrayd::storage
