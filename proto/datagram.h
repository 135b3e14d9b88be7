#pragma once
// UDP framing of the X-Ray daemon protocol (docs/daemon-protocol.md#udp-datagrams). Pure function:
// no sockets, clocks or logging. Wire format (one datagram):
// {"format":"json","version":1}\n<segment document>

#include <string_view>

#include <tl/expected.hpp>

#include "proto/rejection.h"

namespace xrayd::proto {

struct DatagramView {
  std::string_view header;  // The header line, without the newline.
  std::string_view body;    // Everything after the first newline.
};

// Splits `bytes` at the first '\n' and checks the header (format "json" case-insensitive, version
// 1). Returns views into `bytes`, valid only while `bytes` is. Rejections: kMissingNewline,
// kInvalidHeader, kWrongFormat, kWrongVersion (must be the JSON integer 1: 1.0 is refused, as by
// the official daemon), kEmptyBody (nothing but whitespace after the newline), kOversize (body
// without trailing whitespace over kMaxDocumentSize). The two headers SDKs send are matched
// byte-for-byte without a JSON parse. Details: proto/FORMAT.md.
[[nodiscard]] tl::expected<DatagramView, Rejection> ParseDatagram(std::string_view bytes) noexcept;

}  // namespace xrayd::proto
