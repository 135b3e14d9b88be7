#pragma once
// Error, Status and Result<T>: how every fallible function in xrayd reports failure.
// Codes drive decisions; messages are for people. Pure header, no dependencies beyond tl::expected.

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
