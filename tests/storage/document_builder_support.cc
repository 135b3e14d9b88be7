#include <filesystem>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/storage/document_builder.h"

namespace xrayd::storage::testing {

std::string FreshDbPath(std::string_view prefix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string path = ::testing::TempDir() + std::string(prefix) + info->name() + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
  return path;
}

proto::Document BuildDocument(const DocSpec& spec) {
  proto::Document doc;
  doc.kind = spec.subsegment ? proto::DocumentKind::kSubsegment : proto::DocumentKind::kSegment;
  doc.trace_id = spec.trace_id;
  doc.id = spec.id;
  doc.parent_id = spec.parent_id;
  doc.name = spec.name;
  doc.start_time = spec.start_time;
  doc.end_time = spec.end_time;
  doc.in_progress = !spec.end_time.has_value();
  doc.annotations = spec.annotations;

  nlohmann::ordered_json json = {{"name", spec.name},
                                 {"id", spec.id},
                                 {"trace_id", spec.trace_id},
                                 {"start_time", spec.start_time}};
  if (spec.end_time) {
    json["end_time"] = *spec.end_time;
  } else {
    json["in_progress"] = true;
  }
  if (spec.subsegment) {
    json["type"] = "subsegment";
  }
  if (!spec.parent_id.empty()) {
    json["parent_id"] = spec.parent_id;
  }
  for (const proto::Annotation& a : spec.annotations) {
    switch (a.value.type) {
      case proto::AnnotationValue::Type::kString:
        json["annotations"][a.key] = a.value.string_value;
        break;
      case proto::AnnotationValue::Type::kNumber:
        json["annotations"][a.key] = a.value.number_value;
        break;
      case proto::AnnotationValue::Type::kBool:
        json["annotations"][a.key] = a.value.bool_value;
        break;
    }
  }
  if (!spec.extra.empty()) {
    json["extra"] = spec.extra;
  }
  doc.raw = json.dump();
  return doc;
}

proto::Annotation StringAnnotation(std::string key, std::string value) {
  proto::Annotation a;
  a.key = std::move(key);
  a.value.type = proto::AnnotationValue::Type::kString;
  a.value.string_value = std::move(value);
  return a;
}

proto::Annotation NumberAnnotation(std::string key, double value) {
  proto::Annotation a;
  a.key = std::move(key);
  a.value.type = proto::AnnotationValue::Type::kNumber;
  a.value.number_value = value;
  return a;
}

}  // namespace xrayd::storage::testing
