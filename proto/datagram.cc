#include "proto/datagram.h"

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <string>

#include "proto/document.h"

namespace xrayd::proto {
namespace {

// What SDKs send: the Node/Java SDKs without spaces, the DG example and the Go SDK with spaces.
constexpr std::string_view kCompactHeader = R"({"format":"json","version":1})";
constexpr std::string_view kSpacedHeader = R"({"format": "json", "version": 1})";
// A real header is ~30 bytes; anything this long is not one, and is not worth a JSON parse.
constexpr std::size_t kMaxHeaderSize = 1024;

tl::unexpected<Rejection> Reject(RejectReason reason, std::string detail) {
  return tl::unexpected<Rejection>(Rejection{reason, std::move(detail)});
}

bool IsJsonWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    x = (x >= 'A' && x <= 'Z') ? static_cast<char>(x - 'A' + 'a') : x;
    y = (y >= 'A' && y <= 'Z') ? static_cast<char>(y - 'A' + 'a') : y;
    if (x != y) {
      return false;
    }
  }
  return true;
}

// The slow path, for headers that are not byte-identical to what SDKs send. Mirrors the official
// daemon, which json.Unmarshal()s into struct{Format string; Version int}: keys match
// case-insensitively, the last duplicate wins, unknown keys are ignored, and the version must be
// the JSON integer 1 (Go refuses to store 1.0 or 1e0 in an int, and so do we).
tl::expected<void, Rejection> CheckHeaderJson(std::string_view header) {
  if (header.size() > kMaxHeaderSize) {
    return Reject(RejectReason::kInvalidHeader, "header line longer than 1024 bytes");
  }
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(header.data(), header.size()).get(object) != simdjson::SUCCESS) {
    return Reject(RejectReason::kInvalidHeader, "header line is not a JSON object");
  }
  simdjson::dom::element format;
  simdjson::dom::element version;
  bool has_format = false;
  bool has_version = false;
  for (const auto field : object) {
    if (EqualsIgnoreAsciiCase(field.key, "format")) {
      format = field.value;
      has_format = true;
    } else if (EqualsIgnoreAsciiCase(field.key, "version")) {
      version = field.value;
      has_version = true;
    }
  }
  std::string_view format_text;
  if (!has_format || format.get(format_text) != simdjson::SUCCESS ||
      !EqualsIgnoreAsciiCase(format_text, "json")) {
    return Reject(RejectReason::kWrongFormat, "header \"format\" is not \"json\"");
  }
  std::int64_t version_number = 0;
  if (!has_version || !(version.is_int64() || version.is_uint64()) ||
      version.get(version_number) != simdjson::SUCCESS || version_number != 1) {
    return Reject(RejectReason::kWrongVersion, "header \"version\" is not the integer 1");
  }
  return {};
}

tl::expected<DatagramView, Rejection> ParseDatagramOrThrow(std::string_view bytes) {
  const std::size_t newline = bytes.find('\n');
  if (newline == std::string_view::npos) {
    return Reject(RejectReason::kMissingNewline, "no newline after the header");
  }
  DatagramView view{bytes.substr(0, newline), bytes.substr(newline + 1)};
  if (view.header != kCompactHeader && view.header != kSpacedHeader) {
    if (auto checked = CheckHeaderJson(view.header); !checked) {
      return tl::unexpected<Rejection>(std::move(checked.error()));
    }
  }
  std::size_t end = view.body.size();
  while (end > 0 && IsJsonWhitespace(view.body[end - 1])) {
    --end;
  }
  if (end == 0) {
    return Reject(RejectReason::kEmptyBody, "nothing after the header line");
  }
  if (end > kMaxDocumentSize) {
    return Reject(RejectReason::kOversize,
                  "document of " + std::to_string(end) + " bytes exceeds 65536");
  }
  return view;
}

}  // namespace

tl::expected<DatagramView, Rejection> ParseDatagram(std::string_view bytes) noexcept {
  // Exception firewall: simdjson reports errors by code, but the slow path can still allocate.
  try {
    return ParseDatagramOrThrow(bytes);
  } catch (const std::bad_alloc&) {
    std::terminate();  // Out of memory ends the process (STYLE §5).
  } catch (...) {
    return Reject(RejectReason::kInvalidHeader, "internal error while parsing the header");
  }
}

}  // namespace xrayd::proto
