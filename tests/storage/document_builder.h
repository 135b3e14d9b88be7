#pragma once
// Test helper: builds proto::Document values with a matching raw JSON text (nlohmann), so storage
// tests do not depend on the decoder.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/document.h"

namespace xrayd::storage::testing {

inline constexpr char kTraceA[] = "1-5759e988-bd862e3fe1be46a994272793";
inline constexpr char kTraceB[] = "1-5759e989-0123456789abcdef01234567";

struct DocSpec {
  std::string trace_id = kTraceA;
  std::string id = "70de5b6f19ff9a0a";
  std::string parent_id;  // Empty: root segment.
  bool subsegment = false;
  std::string name = "frontend";
  double start_time = 1000;
  std::optional<double> end_time = 1001;  // nullopt: in progress.
  std::vector<proto::Annotation> annotations;
  std::string extra;  // Added as "extra" to the JSON, to make otherwise equal versions differ.
};

proto::Document BuildDocument(const DocSpec& spec);

// A database path for the running test, under GoogleTest's temp dir: `prefix` + the test's name,
// with any file (and WAL/SHM files) an earlier run left removed.
std::string FreshDbPath(std::string_view prefix);

proto::Annotation StringAnnotation(std::string key, std::string value);
proto::Annotation NumberAnnotation(std::string key, double value);

}  // namespace xrayd::storage::testing
