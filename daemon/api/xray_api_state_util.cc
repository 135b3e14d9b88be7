#include "daemon/api/xray_api_state_util.h"

#include <charconv>

#include "proto/base64url.h"

namespace xrayd::daemon {

using proto::Base64UrlDecode;
using proto::Base64UrlEncode;

HttpResponse StateErrorResponse(const Error& error, std::string_view limit_type) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kMalformed:
      return InvalidRequest(error.message);
    case ErrorCode::kResourceExhausted:
      return JsonError(400, limit_type, error.message);
    case ErrorCode::kIOError:
    case ErrorCode::kInternal:
      break;
  }
  return JsonError(500, "InternalFailure", error.message);
}

ApiResult<std::vector<storage::Tag>> ParseTags(const nlohmann::json& body) {
  std::vector<storage::Tag> tags;
  auto it = body.find("Tags");
  if (it == body.end() || it->is_null()) {
    return tags;
  }
  if (!it->is_array()) {
    return tl::unexpected(InvalidRequest("Tags must be a list"));
  }
  if (it->size() > 200) {
    return tl::unexpected(InvalidRequest("Tags may hold at most 200 entries"));
  }
  for (const auto& item : *it) {
    if (!item.is_object()) {
      return tl::unexpected(InvalidRequest("Tags entries must be objects {Key, Value}"));
    }
    XRAYD_TRY_ASSIGN(auto key, RequiredString(item, "Key"));
    XRAYD_TRY_ASSIGN(auto value, RequiredString(item, "Value"));
    if (key.empty() || key.size() > 128) {
      return tl::unexpected(InvalidRequest("Tag Key must be 1-128 characters"));
    }
    if (key.rfind("aws:", 0) == 0) {
      return tl::unexpected(InvalidRequest("Tag keys starting with aws: are reserved"));
    }
    if (value.size() > 256) {
      return tl::unexpected(InvalidRequest("Tag Value must be at most 256 characters"));
    }
    tags.push_back(storage::Tag{std::move(key), std::move(value)});
  }
  if (tags.size() > 50) {
    return tl::unexpected(InvalidRequest("At most 50 tags per resource"));
  }
  return tags;
}

ApiResult<std::optional<std::string>> OptionalBoundedString(const nlohmann::json& object,
                                                            std::string_view name, std::size_t min,
                                                            std::size_t max) {
  auto value = OptionalString(object, name);
  if (!value) {
    return value;
  }
  if (*value && ((*value)->size() < min || (*value)->size() > max)) {
    return tl::unexpected(InvalidRequest(std::string(name) + " must be " + std::to_string(min) +
                                         "-" + std::to_string(max) + " characters"));
  }
  return value;
}

std::string EncodePageToken(std::string_view kind, std::int64_t cursor) {
  return Base64UrlEncode(std::string(kind) + ":" + std::to_string(cursor));
}

ApiResult<std::int64_t> DecodePageToken(std::string_view kind, std::string_view token) {
  auto invalid = [] { return tl::unexpected(InvalidRequest("Invalid NextToken")); };
  auto decoded = Base64UrlDecode(token);
  if (!decoded || decoded->size() <= kind.size() + 1 ||
      decoded->compare(0, kind.size(), kind) != 0 || (*decoded)[kind.size()] != ':') {
    return invalid();
  }
  std::int64_t cursor = -1;
  const char* begin = decoded->data() + kind.size() + 1;
  const char* end = decoded->data() + decoded->size();
  auto [ptr, ec] = std::from_chars(begin, end, cursor);
  if (ec != std::errc() || ptr != end || cursor < 0) {
    return invalid();
  }
  return cursor;
}

}  // namespace xrayd::daemon
