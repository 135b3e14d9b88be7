#include "storage/document_ids.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "proto/text.h"
#include "storage/statement.h"

namespace xrayd::storage {
namespace {

// Each byte's hexadecimal digit value, or kNotHex. Ids are parsed twice per document (the frame's
// elision and the writer's key): a table instead of HexDigitValue's branches.
constexpr std::uint8_t kNotHex = 0x10;
constexpr std::array<std::uint8_t, 256> kHexValues = [] {
  std::array<std::uint8_t, 256> values{};
  for (int c = 0; c < 256; ++c) {
    const int value = proto::HexDigitValue(static_cast<char>(c));
    values[static_cast<std::size_t>(c)] = value < 0 ? kNotHex : static_cast<std::uint8_t>(value);
  }
  return values;
}();

// Parses 2 * n hex digits of `text` into n bytes.
bool ParseHexBytes(std::string_view text, unsigned char* out, std::size_t n) {
  std::uint8_t seen = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t hi = kHexValues[static_cast<unsigned char>(text[2 * i])];
    const std::uint8_t lo = kHexValues[static_cast<unsigned char>(text[2 * i + 1])];
    seen |= hi | lo;
    out[i] = static_cast<unsigned char>(hi << 4 | (lo & 0x0f));
  }
  return (seen & kNotHex) == 0;
}

void FormatHexBytes(const unsigned char* bytes, std::size_t n, char* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
}

// The shortest decimal that reads back as `value` (std::to_chars without a format), into `out`.
std::size_t ShortestDecimal(double value, char* out) {
  return static_cast<std::size_t>(std::to_chars(out, out + kMaxRowFieldText, value).ptr - out);
}

void FormatTraceIdInto(const unsigned char* bytes, char* out) {
  out[0] = '1';
  out[1] = '-';
  FormatHexBytes(bytes, 4, out + 2);
  out[10] = '-';
  FormatHexBytes(bytes + 4, 12, out + 11);
}

void FormatIdInto(std::int64_t id, char* out) {
  auto value = static_cast<std::uint64_t>(id);
  unsigned char bytes[8];
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<unsigned char>(value & 0xff);
    value >>= 8;
  }
  FormatHexBytes(bytes, 8, out);
}

}  // namespace

bool ParseTraceId(std::string_view text, TraceKey& out) {
  // "1-" + 8 hex (epoch) + "-" + 24 hex (random).
  if (text.size() != 35 || text[0] != '1' || text[1] != '-' || text[10] != '-') {
    return false;
  }
  return ParseHexBytes(text.substr(2, 8), out.data(), 4) &&
         ParseHexBytes(text.substr(11, 24), out.data() + 4, 12);
}

std::string FormatTraceId(std::string_view bytes) {
  if (bytes.size() != 16) {
    return {};
  }
  std::string out(35, '-');
  FormatTraceIdInto(reinterpret_cast<const unsigned char*>(bytes.data()), out.data());
  return out;
}

bool ParseId(std::string_view text, std::int64_t& out) {
  unsigned char bytes[8];
  if (text.size() != 16 || !ParseHexBytes(text, bytes, 8)) {
    return false;
  }
  std::uint64_t value = 0;
  for (unsigned char b : bytes) {
    value = value << 8 | b;
  }
  out = static_cast<std::int64_t>(value);  // Two's complement reinterpretation (C++20).
  return true;
}

std::string FormatId(std::int64_t id) {
  std::string out(16, '0');
  FormatIdInto(id, out.data());
  return out;
}

std::string FormatTraceId(const TraceKey& key) {
  return FormatTraceId(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

Result<DocumentKey> ParseDocumentKey(const proto::Document& doc) {
  DocumentKey key;
  std::int64_t parent_id = 0;
  if (!ParseTraceId(doc.trace_id, key.trace) || !ParseId(doc.id, key.id) ||
      (!doc.parent_id.empty() && !ParseId(doc.parent_id, parent_id))) {
    return MakeError(ErrorCode::kInvalidArgument, "malformed trace id or id in document");
  }
  if (!doc.parent_id.empty()) {
    key.parent_id = parent_id;
  }
  return key;
}

RowFields RowFieldsOf(const DocumentKey& key, const proto::Document& doc) {
  RowFields fields;
  fields.key = key;
  fields.start_time = doc.start_time;
  if (!doc.in_progress && doc.end_time) {
    fields.end_time = *doc.end_time;
  }
  return fields;
}

RowFields ReadRowFields(const Statement& stmt, int first, const TraceKey& trace) {
  RowFields fields;
  fields.key.trace = trace;
  fields.key.id = stmt.ColumnInt64(first);
  fields.start_time = stmt.ColumnDouble(first + 2);
  if (!stmt.ColumnIsNull(first + 1)) {
    fields.key.parent_id = stmt.ColumnInt64(first + 1);
  }
  if (!stmt.ColumnIsNull(first + 3)) {
    fields.end_time = stmt.ColumnDouble(first + 3);
  }
  return fields;
}

std::optional<RowFields> ReadRowFieldsWithTrace(const Statement& stmt, int first) {
  const std::string_view bytes = stmt.ColumnText(first);
  TraceKey trace;
  if (bytes.size() != trace.size()) {
    return std::nullopt;
  }
  std::memcpy(trace.data(), bytes.data(), trace.size());
  return ReadRowFields(stmt, first + 1, trace);
}

std::size_t RenderRowField(const RowFields& fields, RowField field, char* out) {
  switch (field) {
    case RowField::kTraceId:
      FormatTraceIdInto(fields.key.trace.data(), out);
      return 35;
    case RowField::kId:
      FormatIdInto(fields.key.id, out);
      return 16;
    case RowField::kParentId:
      if (!fields.key.parent_id) {
        return 0;
      }
      FormatIdInto(*fields.key.parent_id, out);
      return 16;
    case RowField::kStartTime:
      return ShortestDecimal(fields.start_time, out);
    case RowField::kEndTime:
      return fields.end_time ? ShortestDecimal(*fields.end_time, out) : 0;
  }
  return 0;
}

}  // namespace xrayd::storage
