#pragma once
// X-Ray identifier formats (docs/segment-document.md#identifiers): trace ids "1-<8 hex>-<24 hex>"
// and 16-hex (sub)segment ids. Hex is accepted in either case and stored lower-cased. Pure
// functions, thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xrayd::proto {

inline constexpr std::size_t kTraceIdLength = 35;
inline constexpr std::size_t kIdLength = 16;

// True iff `text` matches ^1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}$. The embedded epoch is not checked.
bool IsValidTraceId(std::string_view text) noexcept;

// True iff `text` matches ^[0-9a-fA-F]{16}$ (segment, subsegment, parent and exception ids).
bool IsValidId(std::string_view text) noexcept;

// The value of a valid id (IsValidId) written in lower case, or nullopt for anything else.
std::optional<std::uint64_t> LowerHexIdValue(std::string_view text) noexcept;

// `text` with ASCII A-F lower-cased; other bytes unchanged.
std::string LowerHex(std::string_view text);

// The stored form of a trace id a person or client names: the X-Ray form lower-cased, with the
// W3C/OpenTelemetry form (32 hex digits) rewritten as "1-<first 8>-<last 24>", the same trace.
// Anything else is returned ASCII-lower-cased and matches no stored trace.
std::string CanonicalTraceId(std::string_view text);

}  // namespace xrayd::proto
