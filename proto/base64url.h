#pragma once
// Unpadded base64url (RFC 4648 §5), the alphabet of the API's opaque NextTokens: URL- and
// JSON-safe. Pure functions.

#include <optional>
#include <string>
#include <string_view>

namespace xrayd::proto {

[[nodiscard]] std::string Base64UrlEncode(std::string_view bytes);

// Nullopt for any character outside the alphabet (padding '=' included). Trailing bits that do not
// make a whole byte are ignored.
[[nodiscard]] std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace xrayd::proto
