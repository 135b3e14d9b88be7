#pragma once
// Why a datagram or segment document was refused. Every reason has a stable snake_case name that
// appears in /metrics (xrayd_segments_rejected_total{reason="..."}) and in logs.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace xrayd::proto {

enum class RejectReason {
  kMissingNewline,   // No '\n' separating the header line from the document.
  kInvalidHeader,    // Header line is not a JSON object.
  kWrongFormat,      // Header "format" is not "json" (case-insensitive).
  kWrongVersion,     // Header "version" is not 1.
  kEmptyBody,        // Header only: nothing (or only whitespace) after the newline.
  kOversize,         // Datagram/document larger than kMaxDocumentSize, or truncated by the kernel.
  kMalformedJson,    // Body is not valid JSON (truncated, garbage, invalid UTF-8).
  kNotAnObject,      // Body is valid JSON but neither an object nor an array of objects.
  kInvalidTraceId,   // trace_id missing or not 1-<8 hex>-<24 hex>.
  kInvalidId,        // id missing or not 16 hex digits (document or embedded subsegment).
  kInvalidParentId,  // parent_id present but not 16 hex, or missing on an independent subsegment.
  kInvalidName,  // name missing, empty, over 200 chars or with characters outside the X-Ray set.
  kInvalidStartTime,  // start_time missing or not a finite number.
  kInvalidEndTime,    // end_time not a finite number, before start_time, or neither end_time nor
                      // in_progress:true, or both.
  kInvalidType,       // "type" present with a value other than "subsegment" (or wrong JSON type).
  kInvalidField,      // A typed field has the wrong JSON type (e.g. "subsegments" not an array).
  kTooDeep,           // Subsegments nested deeper than kMaxSubsegmentDepth.
  kEmptyArray,        // The array-of-subsegments form with no element.
};

inline constexpr std::size_t kRejectReasonCount = 18;

// Stable metric/log name of `reason`, e.g. "invalid_trace_id".
std::string_view RejectReasonName(RejectReason reason) noexcept;

// All reasons, in declaration order (for metrics that list every reason, even at zero).
const std::array<RejectReason, kRejectReasonCount>& AllRejectReasons() noexcept;

struct Rejection {
  RejectReason reason;
  std::string detail;  // For people: what was wrong and where, e.g. "subsegments[2].id: 'xyz'".
};

}  // namespace xrayd::proto
