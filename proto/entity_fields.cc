#include "proto/entity_fields.h"

namespace xrayd::proto::internal {
namespace {

// Dispatch on length first: one or two string compares per key instead of a scan of all names.
std::optional<Field> FieldOf(std::string_view key) {
  switch (key.size()) {
    case 2:
      if (key == "id") {
        return Field::kId;
      }
      break;
    case 3:
      if (key == "aws") {
        return Field::kAws;
      }
      break;
    case 4:
      if (key == "name") {
        return Field::kName;
      }
      if (key == "type") {
        return Field::kType;
      }
      if (key == "http") {
        return Field::kHttp;
      }
      if (key == "user") {
        return Field::kUser;
      }
      break;
    case 5:
      if (key == "error") {
        return Field::kError;
      }
      if (key == "fault") {
        return Field::kFault;
      }
      if (key == "cause") {
        return Field::kCause;
      }
      break;
    case 6:
      if (key == "origin") {
        return Field::kOrigin;
      }
      break;
    case 8:
      if (key == "trace_id") {
        return Field::kTraceId;
      }
      if (key == "end_time") {
        return Field::kEndTime;
      }
      if (key == "throttle") {
        return Field::kThrottle;
      }
      break;
    case 9:
      if (key == "parent_id") {
        return Field::kParentId;
      }
      if (key == "namespace") {
        return Field::kNamespace;
      }
      break;
    case 10:
      if (key == "start_time") {
        return Field::kStartTime;
      }
      break;
    case 11:
      if (key == "in_progress") {
        return Field::kInProgress;
      }
      if (key == "annotations") {
        return Field::kAnnotations;
      }
      if (key == "subsegments") {
        return Field::kSubsegments;
      }
      break;
    case 12:
      if (key == "resource_arn") {
        return Field::kResourceArn;
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

}  // namespace

EntityFields::EntityFields(simdjson::dom::object object) noexcept {
  for (const auto field : object) {
    const std::optional<Field> known = FieldOf(field.key);
    if (!known) {
      continue;
    }
    const std::size_t index = Index(*known);
    if (field.value.is_null()) {
      present_ &= ~(1U << index);
      continue;
    }
    values_[index] = field.value;
    present_ |= 1U << index;
  }
}

std::optional<std::string_view> EntityFields::String(Field field) const noexcept {
  std::string_view text;
  if (!Has(field) || Get(field).get(text) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return text;
}

}  // namespace xrayd::proto::internal
