#pragma once
// Error, Status and Result<T>: how every fallible function in xrayd reports failure.
// Codes drive decisions; messages are for people. Pure header, no dependencies beyond tl::expected.
// XRAYD_TRY and XRAYD_TRY_ASSIGN propagate a failed Result to the caller unchanged.

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace xrayd {

enum class ErrorCode {
  kInvalidArgument,    // The caller passed something unusable (bad flag, bad id, bad filter).
  kMalformed,          // Bytes that do not follow the expected format.
  kNotFound,           // The thing asked for does not exist.
  kResourceExhausted,  // A limit was hit: full queue, full disk, size cap.
  kIOError,            // The operating system or SQLite failed.
  kInternal,           // A bug: an invariant did not hold.
};

struct Error {
  ErrorCode code;
  std::string message;
};

template <typename T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

inline const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kMalformed:
      return "malformed";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kResourceExhausted:
      return "resource_exhausted";
    case ErrorCode::kIOError:
      return "io_error";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

}  // namespace xrayd

// Evaluates `expr` (a Result or Status, or any tl::expected) once; when it failed, returns its
// error from the enclosing function, which must return a tl::expected with that error type.
#define XRAYD_TRY(...) \
  XRAYD_TRY_IMPL_(XRAYD_TRY_CONCAT_(xrayd_try_status_, __COUNTER__), __VA_ARGS__)

// `XRAYD_TRY_ASSIGN(auto x, expr);` or `XRAYD_TRY_ASSIGN(x, expr);`: evaluates `expr` (a Result<T>)
// once (or any tl::expected); when it failed, returns its error from the enclosing function, else
// declares or assigns `lhs` from the moved value.
#define XRAYD_TRY_ASSIGN(lhs, ...) \
  XRAYD_TRY_ASSIGN_IMPL_(XRAYD_TRY_CONCAT_(xrayd_try_value_, __COUNTER__), lhs, __VA_ARGS__)

// Helpers of the two above. Fresh names per use (__COUNTER__), so that uses may nest (a lambda in
// the expression). `tmp` and `lhs` are declarators, so they cannot be parenthesized.
#define XRAYD_TRY_CONCAT_INNER_(a, b) a##b
#define XRAYD_TRY_CONCAT_(a, b) XRAYD_TRY_CONCAT_INNER_(a, b)
#define XRAYD_TRY_IMPL_(tmp, ...)                                             \
  do {                                                                        \
    auto&& tmp = (__VA_ARGS__); /* NOLINT(bugprone-macro-parentheses) */      \
    if (!tmp) {                                                               \
      return ::tl::make_unexpected(std::forward<decltype(tmp)>(tmp).error()); \
    }                                                                         \
  } while (false)
#define XRAYD_TRY_ASSIGN_IMPL_(tmp, lhs, ...)                        \
  auto tmp = (__VA_ARGS__); /* NOLINT(bugprone-macro-parentheses) */ \
  if (!tmp) {                                                        \
    return ::tl::make_unexpected(std::move(tmp).error());            \
  }                                                                  \
  lhs = std::move(*tmp) /* NOLINT(bugprone-macro-parentheses) */
