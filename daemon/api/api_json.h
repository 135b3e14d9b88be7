#pragma once
// Helpers for X-Ray rest-json handlers (docs/api.md): read the JSON request body and typed fields
// with errors in the X-Ray shape, write JSON responses. Timestamps on the wire are epoch seconds
// (JSON numbers, fractional allowed). Every failure is a ready 400 InvalidRequestException response
// whose message names the field.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "daemon/api/api_router.h"
#include "proto/result.h"

namespace xrayd::daemon {

template <class T>
using ApiResult = tl::expected<T, HttpResponse>;

// `XRAYD_API_TRY_ASSIGN(auto x, expr);` in a handler that returns an HttpResponse: evaluates
// `expr` (an ApiResult<T>) once; when it failed, returns its error response, else declares or
// assigns `x` from the moved value. (In a function returning an ApiResult, XRAYD_TRY_ASSIGN.)
#define XRAYD_API_TRY_ASSIGN(lhs, ...) \
  XRAYD_API_TRY_ASSIGN_IMPL_(XRAYD_TRY_CONCAT_(xrayd_api_try_value_, __COUNTER__), lhs, __VA_ARGS__)
#define XRAYD_API_TRY_ASSIGN_IMPL_(tmp, lhs, ...)                    \
  auto tmp = (__VA_ARGS__); /* NOLINT(bugprone-macro-parentheses) */ \
  if (!tmp) {                                                        \
    return std::move(tmp).error();                                   \
  }                                                                  \
  lhs = std::move(*tmp) /* NOLINT(bugprone-macro-parentheses) */

// 400 InvalidRequestException with `message`.
[[nodiscard]] HttpResponse InvalidRequest(std::string_view message);

// 200 (or `status`) with `body` serialized as application/json.
[[nodiscard]] HttpResponse JsonResponse(const nlohmann::json& body, int status = 200);

// The request body as a JSON object; an empty body is {}. Anything else (invalid JSON, an array,
// a string...) is a 400 naming the problem.
[[nodiscard]] ApiResult<nlohmann::json> ParseJsonBody(const HttpRequest& request);

// Typed members of a JSON object. Absent or null -> nullopt; present with the wrong type -> 400
// naming `name` and the expected type.
[[nodiscard]] ApiResult<std::optional<std::string>> OptionalString(const nlohmann::json& object,
                                                                   std::string_view name);
[[nodiscard]] ApiResult<std::optional<double>> OptionalNumber(const nlohmann::json& object,
                                                              std::string_view name);
[[nodiscard]] ApiResult<std::optional<long long>> OptionalInteger(const nlohmann::json& object,
                                                                  std::string_view name);
[[nodiscard]] ApiResult<std::optional<bool>> OptionalBool(const nlohmann::json& object,
                                                          std::string_view name);
// A timestamp member: epoch seconds as a number, or an ISO-8601 string as some clients send
// ("2026-11-27T10:00:00Z", fractional seconds and +hh:mm offsets accepted).
[[nodiscard]] ApiResult<std::optional<double>> OptionalTimestamp(const nlohmann::json& object,
                                                                 std::string_view name);
// Present and a string, else 400 "<name> is required".
[[nodiscard]] ApiResult<std::string> RequiredString(const nlohmann::json& object,
                                                    std::string_view name);

}  // namespace xrayd::daemon
