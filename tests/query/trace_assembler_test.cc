#include "query/trace_assembler.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace xrayd::query {
namespace {

using Json = nlohmann::ordered_json;
using storage::StoredDocument;

constexpr char kTrace[] = "1-5759e988-bd862e3fe1be46a994272793";

StoredDocument Stored(Json json, proto::DocumentKind kind) {
  StoredDocument doc;
  doc.trace_id = kTrace;
  doc.id = json.value("id", "");
  doc.parent_id = json.value("parent_id", "");
  doc.kind = kind;
  doc.start_time = json.value("start_time", 0.0);
  doc.in_progress = json.value("in_progress", false);
  doc.end_time = json.value("end_time", 0.0);
  doc.raw = json.dump();
  return doc;
}

StoredDocument Segment(const std::string& id, double start, double end,
                       Json extra = Json::object()) {
  Json json = {{"name", "svc-" + id},
               {"id", id},
               {"trace_id", kTrace},
               {"start_time", start},
               {"end_time", end}};
  json.update(extra);
  return Stored(std::move(json), proto::DocumentKind::kSegment);
}

StoredDocument Subsegment(const std::string& id, const std::string& parent, double start,
                          double end) {
  Json json = {
      {"name", "sub-" + id},  {"id", id},           {"start_time", start}, {"end_time", end},
      {"type", "subsegment"}, {"trace_id", kTrace}, {"parent_id", parent}};
  return Stored(std::move(json), proto::DocumentKind::kSubsegment);
}

Json DocumentOf(const nlohmann::json& trace, const std::string& id) {
  for (const auto& segment : trace["Segments"]) {
    if (segment["Id"] == id) {
      return Json::parse(segment["Document"].get<std::string>());
    }
  }
  ADD_FAILURE() << "no segment " << id;
  return {};
}

std::vector<std::string> Ids(const Json& subsegments) {
  std::vector<std::string> ids;
  for (const auto& s : subsegments) {
    ids.push_back(s["id"].get<std::string>());
  }
  return ids;
}

// Root segment with embedded subsegments e1 (containing e1a) and e2 (earlier start, listed second);
// independent subsegments s1 and s0 under the root, s2 under the embedded e1a, s3 under s1;
// downstream segment d (called from s1); orphan o whose parent never arrived.
std::vector<StoredDocument> SampleTrace() {
  Json embedded = Json::parse(R"([
    {"id":"e100000000000001","name":"e1","start_time":10.2,"end_time":10.8,
     "subsegments":[{"id":"e1a0000000000001","name":"e1a","start_time":10.3,"end_time":10.4}]},
    {"id":"e200000000000002","name":"e2","start_time":10.1,"end_time":10.9}])");
  return {
      Segment("a000000000000001", 10, 11, {{"subsegments", embedded}}),
      Subsegment("5100000000000001", "a000000000000001", 10.5, 10.6),
      Subsegment("5000000000000001", "a000000000000001", 10.4, 10.45),
      Subsegment("5200000000000002", "e1a0000000000001", 10.31, 10.32),
      Subsegment("5300000000000003", "5100000000000001", 10.51, 10.52),
      Segment("d000000000000001", 10.505, 10.515, {{"parent_id", "5100000000000001"}}),
      Subsegment("0000000000000009", "ffffffffffffffff", 9, 12.5),
  };
}

TEST(TraceAssemblerTest, NestsIndependentSubsegmentsUnderTheirParents) {
  const auto docs = SampleTrace();
  const nlohmann::json trace = AssembleTrace(kTrace, docs);
  EXPECT_EQ(trace["Id"], kTrace);
  EXPECT_DOUBLE_EQ(trace["Duration"].get<double>(), 3.5);  // 12.5 - 9.
  EXPECT_EQ(trace["LimitExceeded"], false);
  ASSERT_EQ(trace["Segments"].size(), 3u) << trace.dump(1);
  // By start_time: orphan (9), root (10), downstream (10.505).
  EXPECT_EQ(trace["Segments"][0]["Id"], "0000000000000009");
  EXPECT_EQ(trace["Segments"][1]["Id"], "a000000000000001");
  EXPECT_EQ(trace["Segments"][2]["Id"], "d000000000000001");

  const Json root = DocumentOf(trace, "a000000000000001");
  EXPECT_EQ(root["trace_id"], kTrace);  // The segment keeps trace_id.
  // Embedded order kept (e1 before e2 although e2 started first); appended ones by start_time.
  EXPECT_EQ(Ids(root["subsegments"]),
            (std::vector<std::string>{"e100000000000001", "e200000000000002", "5000000000000001",
                                      "5100000000000001"}));
  const Json& s1 = root["subsegments"][3];
  EXPECT_FALSE(s1.contains("type"));
  EXPECT_FALSE(s1.contains("trace_id"));
  EXPECT_FALSE(s1.contains("parent_id"));
  EXPECT_EQ(s1["name"], "sub-5100000000000001");
  EXPECT_EQ(Ids(s1["subsegments"]), std::vector<std::string>{"5300000000000003"});
  // An independent subsegment under an embedded subsegment of an embedded subsegment.
  const Json& e1a = root["subsegments"][0]["subsegments"][0];
  EXPECT_EQ(Ids(e1a["subsegments"]), std::vector<std::string>{"5200000000000002"});

  // The downstream segment stays a segment with its parent_id.
  const Json downstream = DocumentOf(trace, "d000000000000001");
  EXPECT_EQ(downstream["parent_id"], "5100000000000001");
  EXPECT_FALSE(downstream.contains("subsegments"));

  // [local] The orphan is returned as is.
  const Json orphan = DocumentOf(trace, "0000000000000009");
  EXPECT_EQ(orphan["type"], "subsegment");
  EXPECT_EQ(orphan["parent_id"], "ffffffffffffffff");
}

TEST(TraceAssemblerTest, OutputDoesNotDependOnArrivalOrder) {
  auto docs = SampleTrace();
  std::sort(docs.begin(), docs.end(),
            [](const StoredDocument& a, const StoredDocument& b) { return a.id < b.id; });
  const std::string expected = AssembleTrace(kTrace, docs).dump();
  int permutations = 0;
  do {
    ASSERT_EQ(AssembleTrace(kTrace, docs).dump(), expected) << "permutation " << permutations;
    ++permutations;
  } while (std::next_permutation(
      docs.begin(), docs.end(),
      [](const StoredDocument& a, const StoredDocument& b) { return a.id < b.id; }));
  EXPECT_EQ(permutations, 5040);
}

TEST(TraceAssemblerTest, KeepsSubsegmentsOnAParentCycle) {
  const std::vector<StoredDocument> docs = {
      Subsegment("1000000000000001", "2000000000000002", 1, 2),
      Subsegment("2000000000000002", "1000000000000001", 1.5, 2)};
  const nlohmann::json trace = AssembleTrace(kTrace, docs);
  ASSERT_EQ(trace["Segments"].size(), 1u);
  const Json first = DocumentOf(trace, "1000000000000001");
  EXPECT_EQ(Ids(first["subsegments"]), std::vector<std::string>{"2000000000000002"});
}

TEST(TraceAssemblerTest, ReturnsUnparsableDocumentVerbatim) {
  StoredDocument broken;
  broken.id = "b000000000000001";
  broken.raw = "{not json";
  const nlohmann::json trace = AssembleTrace(kTrace, std::vector{broken});
  ASSERT_EQ(trace["Segments"].size(), 1u);
  EXPECT_EQ(trace["Segments"][0]["Document"], "{not json");
}

TEST(TraceAssemblerTest, InProgressDocumentsContributeOnlyTheirStart) {
  Json open = {{"name", "r"},
               {"id", "a000000000000001"},
               {"trace_id", kTrace},
               {"start_time", 5},
               {"in_progress", true}};
  const std::vector<StoredDocument> only_open = {Stored(open, proto::DocumentKind::kSegment)};
  EXPECT_DOUBLE_EQ(AssembleTrace(kTrace, only_open)["Duration"].get<double>(), 0);
  const std::vector<StoredDocument> mixed = {Stored(open, proto::DocumentKind::kSegment),
                                             Segment("d000000000000001", 6, 8)};
  EXPECT_DOUBLE_EQ(AssembleTrace(kTrace, mixed)["Duration"].get<double>(), 3);
  EXPECT_EQ(AssembleTrace(kTrace, {})["Segments"].size(), 0u);
}

TEST(TraceAssemblerTest, SummarizesTraceInfo) {
  storage::TraceInfo info;
  info.trace_id = kTrace;
  info.start_time = 10;
  info.end_time = 12.5;
  info.updated_at = 20;
  info.documents = 4;
  info.partial = true;
  info.revision = 6;
  info.root_name = "frontend";
  const nlohmann::json summary = SummarizeTraceInfo(info);
  EXPECT_EQ(summary["Id"], kTrace);
  EXPECT_DOUBLE_EQ(summary["StartTime"].get<double>(), 10);
  EXPECT_DOUBLE_EQ(summary["EndTime"].get<double>(), 12.5);
  EXPECT_DOUBLE_EQ(summary["Duration"].get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(summary["UpdatedAt"].get<double>(), 20);
  EXPECT_EQ(summary["Documents"], 4);
  EXPECT_EQ(summary["IsPartial"], true);
  EXPECT_EQ(summary["Revision"], 6);
  EXPECT_EQ(summary["Name"], "frontend");
}

}  // namespace
}  // namespace xrayd::query
