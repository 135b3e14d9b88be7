#pragma once
// Shared by the group and sampling handlers (daemon/xray_api_groups.cc, xray_api_sampling.cc):
// store errors -> X-Ray error responses, Tags parsing, opaque page tokens.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/api/api_json.h"
#include "proto/result.h"
#include "storage/state_types.h"

namespace xrayd::daemon {

// Store/validation error -> response: kInvalidArgument and kNotFound -> 400
// InvalidRequestException (docs/groups.md#group-rules, docs/sampling.md#default-rule-and-limits:
// the model has no not-found error for groups or rules); kResourceExhausted -> 400 `limit_type`;
// anything else -> 500 InternalFailure.
HttpResponse StateErrorResponse(const Error& error, std::string_view limit_type);

// The optional `Tags` member: at most 200 entries in a request and 50 user tags
// (docs/api.md#group-operations, docs/groups.md#group-rules), Key 1-128 characters not starting
// with "aws:", Value 0-256 characters.
[[nodiscard]] ApiResult<std::vector<storage::Tag>> ParseTags(const nlohmann::json& body);

// Optional string member of `name` whose length must be within [min, max] (UTF-8 bytes).
[[nodiscard]] ApiResult<std::optional<std::string>> OptionalBoundedString(
    const nlohmann::json& object, std::string_view name, std::size_t min, std::size_t max);

// Page tokens: base64url("<kind>:<cursor>"). DecodePageToken fails (400) unless the token was
// made for `kind` and holds a non-negative integer.
std::string EncodePageToken(std::string_view kind, std::int64_t cursor);
[[nodiscard]] ApiResult<std::int64_t> DecodePageToken(std::string_view kind,
                                                      std::string_view token);

}  // namespace xrayd::daemon
