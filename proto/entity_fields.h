#pragma once
// Internal to proto/ (includes simdjson, which is a private dependency): one pass over the keys of
// a (sub)segment object, remembering the fields the decoder looks at. Not thread-safe state: none.

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace xrayd::proto::internal {

enum class Field : std::uint8_t {
  kType,
  kTraceId,
  kId,
  kParentId,
  kName,
  kStartTime,
  kEndTime,
  kInProgress,
  kError,
  kFault,
  kThrottle,
  kCause,
  kHttp,
  kUser,
  kOrigin,
  kResourceArn,
  kNamespace,
  kAnnotations,
  kSubsegments,
  kAws,
  kCount,  // Not a field: the number of fields.
};

// The values of the known fields of one object. A field whose value is JSON null counts as absent;
// if a key repeats, the last one wins (as Go's encoding/json, which the official daemon and SDKs
// use).
class EntityFields {
 public:
  explicit EntityFields(simdjson::dom::object object) noexcept;

  bool Has(Field field) const noexcept { return (present_ >> Index(field)) & 1U; }
  // REQUIRES: Has(field).
  simdjson::dom::element Get(Field field) const noexcept { return values_[Index(field)]; }

  // The string value of `field`, or nullopt when absent or not a string.
  std::optional<std::string_view> String(Field field) const noexcept;

 private:
  static constexpr std::size_t Index(Field field) { return static_cast<std::size_t>(field); }

  std::array<simdjson::dom::element, static_cast<std::size_t>(Field::kCount)> values_;
  std::uint32_t present_ = 0;
};

}  // namespace xrayd::proto::internal
