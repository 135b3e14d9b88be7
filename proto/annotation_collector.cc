#include "proto/annotation_collector.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "proto/annotation_rules.h"

namespace xrayd::proto::internal {
namespace {

std::optional<AnnotationValue> IndexableValue(simdjson::dom::element value) {
  AnnotationValue out;
  switch (value.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view text;
      if (value.get(text) != simdjson::SUCCESS || !IsIndexableAnnotationString(text)) {
        return std::nullopt;
      }
      out.type = AnnotationValue::Type::kString;
      out.string_value = std::string(text);
      return out;
    }
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: {
      double number = 0;
      if (value.get(number) != simdjson::SUCCESS || !std::isfinite(number)) {
        return std::nullopt;
      }
      out.type = AnnotationValue::Type::kNumber;
      out.number_value = number;
      return out;
    }
    case simdjson::dom::element_type::BOOL: {
      bool flag = false;
      if (value.get(flag) != simdjson::SUCCESS) {
        return std::nullopt;
      }
      out.type = AnnotationValue::Type::kBool;
      out.bool_value = flag;
      return out;
    }
    default:
      return std::nullopt;  // null, object, array.
  }
}

}  // namespace

void CollectAnnotations(simdjson::dom::element annotations, Document* doc) {
  simdjson::dom::object object;
  if (annotations.get(object) != simdjson::SUCCESS) {
    ++doc->unindexed_annotations;
    return;
  }
  // Room for this object's fields at once: growing one push_back at a time reallocates up to four
  // times per document and leaves up to half the capacity unused while the document is queued.
  const std::size_t needed = doc->annotations.size() + object.size();
  if (needed > doc->annotations.capacity()) {
    doc->annotations.reserve(std::max(needed, 2 * doc->annotations.capacity()));
  }
  for (const auto field : object) {
    std::optional<AnnotationValue> value;
    if (IsIndexableAnnotationKey(field.key)) {
      value = IndexableValue(field.value);
    }
    if (!value) {
      ++doc->unindexed_annotations;
      continue;
    }
    doc->annotations.push_back(Annotation{std::string(field.key), std::move(*value)});
  }
}

}  // namespace xrayd::proto::internal
