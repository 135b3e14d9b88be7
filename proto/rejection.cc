#include "proto/rejection.h"

namespace xrayd::proto {

std::string_view RejectReasonName(RejectReason reason) noexcept {
  switch (reason) {
    case RejectReason::kMissingNewline:
      return "missing_newline";
    case RejectReason::kInvalidHeader:
      return "invalid_header";
    case RejectReason::kWrongFormat:
      return "wrong_format";
    case RejectReason::kWrongVersion:
      return "wrong_version";
    case RejectReason::kEmptyBody:
      return "empty_body";
    case RejectReason::kOversize:
      return "oversize";
    case RejectReason::kMalformedJson:
      return "malformed_json";
    case RejectReason::kNotAnObject:
      return "not_an_object";
    case RejectReason::kInvalidTraceId:
      return "invalid_trace_id";
    case RejectReason::kInvalidId:
      return "invalid_id";
    case RejectReason::kInvalidParentId:
      return "invalid_parent_id";
    case RejectReason::kInvalidName:
      return "invalid_name";
    case RejectReason::kInvalidStartTime:
      return "invalid_start_time";
    case RejectReason::kInvalidEndTime:
      return "invalid_end_time";
    case RejectReason::kInvalidType:
      return "invalid_type";
    case RejectReason::kInvalidField:
      return "invalid_field";
    case RejectReason::kTooDeep:
      return "too_deep";
    case RejectReason::kEmptyArray:
      return "empty_array";
  }
  // Only reachable with a value cast from an out-of-range integer.
  return "unknown";
}

const std::array<RejectReason, kRejectReasonCount>& AllRejectReasons() noexcept {
  static constexpr std::array<RejectReason, kRejectReasonCount> kAll = {
      RejectReason::kMissingNewline,   RejectReason::kInvalidHeader,
      RejectReason::kWrongFormat,      RejectReason::kWrongVersion,
      RejectReason::kEmptyBody,        RejectReason::kOversize,
      RejectReason::kMalformedJson,    RejectReason::kNotAnObject,
      RejectReason::kInvalidTraceId,   RejectReason::kInvalidId,
      RejectReason::kInvalidParentId,  RejectReason::kInvalidName,
      RejectReason::kInvalidStartTime, RejectReason::kInvalidEndTime,
      RejectReason::kInvalidType,      RejectReason::kInvalidField,
      RejectReason::kTooDeep,          RejectReason::kEmptyArray,
  };
  static_assert(static_cast<std::size_t>(RejectReason::kEmptyArray) + 1 == kRejectReasonCount,
                "kRejectReasonCount must match the enum");
  return kAll;
}

}  // namespace xrayd::proto
