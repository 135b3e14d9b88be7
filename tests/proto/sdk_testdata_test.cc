// Every datagram that the real AWS X-Ray SDK for Node.js sent in tests/testdata/xray-sdk-node (made
// by tests/testdata/capture/capture.js, see tests/testdata/README.md) goes through the real
// datagram parser and DocumentDecoder (docs/segment-document.md ff.). The table has one row per
// file, and a test fails if a file is added or removed without a row. Rejections are checked on
// copies of the captured documents with one field broken, since a real SDK sends none.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "proto/datagram.h"
#include "proto/document_decoder.h"
#include "proto/rejection.h"

namespace xrayd::proto {
namespace {

const std::filesystem::path kDir = std::filesystem::path(XRAYD_TESTDATA) / "xray-sdk-node";
constexpr const char* kHeader = R"({"format":"json","version":1})";

struct Expectation {
  DocumentKind kind;
  std::string name;
  std::uint32_t embedded_subsegments;
  bool in_progress = false;
};

// File name -> what the decoded document must be.
const std::map<std::string, Expectation>& Table() {
  static const std::map<std::string, Expectation> kTable = {
      // Server segment: an http call and a DynamoDB GetItem.
      {"get-order.01-segment.txt", {DocumentKind::kSegment, "orders-api", 2}},
      // Server segment: DescribeTable, failing PutItem, failing local "charge-card".
      {"create-order-fault.01-segment.txt", {DocumentKind::kSegment, "orders-api", 3}},
      // Server segment: one throttled http call.
      {"get-order-throttled.01-segment.txt", {DocumentKind::kSegment, "orders-api", 1}},
      // Streamed children of "build-report", then the segment that embeds "build-report".
      {"report-streamed.01-subsegment-render-page-1.txt",
       {DocumentKind::kSubsegment, "render-page-1", 0}},
      {"report-streamed.02-subsegment-render-page-2.txt",
       {DocumentKind::kSubsegment, "render-page-2", 0}},
      {"report-streamed.03-subsegment-render-page-3.txt",
       {DocumentKind::kSubsegment, "render-page-3", 0}},
      {"report-streamed.04-subsegment-127.0.0.1.txt", {DocumentKind::kSubsegment, "127.0.0.1", 0}},
      {"report-streamed.05-segment.txt", {DocumentKind::kSegment, "orders-api", 1}},
      // The same segment flushed while open, then closed.
      {"long-operation.01-segment-in-progress.txt",
       {DocumentKind::kSegment, "long-operation", 1, true}},
      {"long-operation.02-segment.txt", {DocumentKind::kSegment, "long-operation", 1}},
  };
  return kTable;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The document of a captured datagram (the body after the header line).
std::string Body(const std::string& file) {
  const std::string bytes = ReadFile(kDir / file);
  const auto datagram = ParseDatagram(bytes);
  EXPECT_TRUE(datagram.has_value()) << file;
  return datagram.has_value() ? std::string(datagram->body) : std::string();
}

Document DecodeOne(const std::string& body) {
  DocumentDecoder decoder;
  const auto docs = decoder.Decode(body);
  EXPECT_TRUE(docs.has_value()) << (docs.has_value() ? "" : docs.error().detail);
  if (!docs.has_value() || docs->size() != 1) {
    ADD_FAILURE() << "not one document";
    return {};
  }
  return docs->front();
}

std::set<std::string> DataFiles() {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".txt") {
      files.insert(entry.path().filename().string());
    }
  }
  return files;
}

TEST(SdkTestdataTest, TableHasOneRowPerFile) {
  ASSERT_TRUE(std::filesystem::is_directory(kDir)) << kDir;
  std::set<std::string> rows;
  for (const auto& [file, expectation] : Table()) {
    rows.insert(file);
  }
  EXPECT_EQ(DataFiles(), rows);
}

TEST(SdkTestdataTest, EachDatagramParsesAndDecodes) {
  DocumentDecoder decoder;
  for (const auto& [file, expectation] : Table()) {
    SCOPED_TRACE(file);
    const std::string bytes = ReadFile(kDir / file);
    const auto datagram = ParseDatagram(bytes);
    ASSERT_TRUE(datagram.has_value()) << datagram.error().detail;
    EXPECT_EQ(datagram->header, kHeader);
    const auto docs = decoder.Decode(datagram->body);
    ASSERT_TRUE(docs.has_value()) << docs.error().detail;
    ASSERT_EQ(docs->size(), 1U);
    const Document& doc = docs->front();
    EXPECT_EQ(doc.raw, datagram->body);  // The SDK sends no trailing whitespace.
    EXPECT_EQ(doc.kind, expectation.kind);
    EXPECT_EQ(doc.name, expectation.name);
    EXPECT_EQ(doc.embedded_subsegments, expectation.embedded_subsegments);
    EXPECT_EQ(doc.in_progress, expectation.in_progress);
    EXPECT_EQ(doc.end_time.has_value(), !expectation.in_progress);
    EXPECT_EQ(doc.trace_id.size(), 35U);
    EXPECT_EQ(doc.id.size(), 16U);
    EXPECT_EQ(doc.unindexed_annotations, 0U);
    if (doc.end_time) {
      EXPECT_GE(*doc.end_time, doc.start_time);
    }
  }
}

TEST(SdkTestdataTest, ServerSegmentFieldsAreExtracted) {
  const std::string body = Body("get-order.01-segment.txt");
  const Document doc = DecodeOne(body);
  EXPECT_EQ(doc.kind, DocumentKind::kSegment);
  EXPECT_EQ(doc.trace_id, nlohmann::json::parse(body).at("trace_id").get<std::string>());
  EXPECT_TRUE(doc.parent_id.empty());
  EXPECT_EQ(doc.name, "orders-api");
  ASSERT_TRUE(doc.summary_facts.has_value());
  const SummaryFacts& facts = *doc.summary_facts;
  EXPECT_EQ(facts.http_method, "GET");
  EXPECT_EQ(facts.http_url.value_or("").rfind("http://127.0.0.1:", 0), 0U);
  EXPECT_TRUE(facts.http_url.value_or("").ends_with("/orders/42"));
  EXPECT_EQ(facts.http_status, 200);
  EXPECT_EQ(facts.http_client_ip, "127.0.0.1");
  EXPECT_EQ(facts.http_user_agent, "node");  // fetch (undici) in the capture program.
  EXPECT_EQ(facts.user, "alice");
  EXPECT_FALSE(doc.fault || doc.error || doc.throttle);
  // The remote call and the DynamoDB call, as the service graph infers them.
  ASSERT_EQ(facts.remote_calls.size(), 2U);
  EXPECT_EQ(facts.remote_calls[1].service, "orders");
  EXPECT_EQ(facts.embedded_ids.size(), doc.embedded_subsegments);
  ASSERT_EQ(doc.annotations.size(), 3U);  // Document order.
  EXPECT_EQ(doc.annotations[0].key, "customer_tier");
  EXPECT_EQ(doc.annotations[0].value.type, AnnotationValue::Type::kString);
  EXPECT_EQ(doc.annotations[0].value.string_value, "gold");
  EXPECT_EQ(doc.annotations[1].key, "order_id");
  EXPECT_EQ(doc.annotations[1].value.type, AnnotationValue::Type::kNumber);
  EXPECT_DOUBLE_EQ(doc.annotations[1].value.number_value, 42);
  EXPECT_EQ(doc.annotations[2].key, "express_shipping");
  EXPECT_EQ(doc.annotations[2].value.type, AnnotationValue::Type::kBool);
  EXPECT_FALSE(doc.annotations[2].value.bool_value);
  // What the decoder keeps only in raw: the metadata and the two subsegments as the SDK wrote them.
  const auto json = nlohmann::json::parse(doc.raw);
  EXPECT_EQ(json.at("metadata").at("debug").at("cache").at("key"), "order:42");
  const auto& subsegments = json.at("subsegments");
  ASSERT_EQ(subsegments.size(), 2U);
  EXPECT_EQ(subsegments[0].at("namespace"), "remote");
  EXPECT_EQ(subsegments[0].at("http").at("response").at("status"), 200);
  EXPECT_EQ(subsegments[1].at("name"), "DynamoDB");
  EXPECT_EQ(subsegments[1].at("namespace"), "aws");
  EXPECT_EQ(subsegments[1].at("aws").at("operation"), "GetItem");
  EXPECT_EQ(subsegments[1].at("aws").at("table_name"), "orders");
}

TEST(SdkTestdataTest, FaultSegmentWithDynamoDbErrorAndExceptionCause) {
  const Document doc = DecodeOne(Body("create-order-fault.01-segment.txt"));
  ASSERT_TRUE(doc.summary_facts.has_value());
  EXPECT_EQ(doc.summary_facts->http_method, "POST");
  EXPECT_EQ(doc.summary_facts->http_status, 500);
  EXPECT_TRUE(doc.fault);
  EXPECT_FALSE(doc.error);  // 500 is a fault only; the 400 is the PutItem subsegment's.
  EXPECT_FALSE(doc.throttle);
  EXPECT_EQ(doc.summary_facts->user, "bob");
  ASSERT_EQ(doc.annotations.size(), 2U);
  EXPECT_EQ(doc.annotations[0].key, "customer_tier");
  EXPECT_EQ(doc.annotations[0].value.string_value, "silver");
  EXPECT_EQ(doc.annotations[1].key, "archive_failed");
  EXPECT_EQ(doc.annotations[1].value.type, AnnotationValue::Type::kBool);
  EXPECT_TRUE(doc.annotations[1].value.bool_value);
  const auto json = nlohmann::json::parse(doc.raw);
  const auto& put = json.at("subsegments").at(1);
  EXPECT_EQ(put.at("aws").at("operation"), "PutItem");
  EXPECT_EQ(put.at("aws").at("table_name"), "orders_archive");
  EXPECT_EQ(put.at("http").at("response").at("status"), 400);
  EXPECT_EQ(put.at("cause").at("exceptions").at(0).at("type"), "ResourceNotFoundException");
  EXPECT_TRUE(put.at("cause").at("exceptions").at(0).at("remote").get<bool>());
  // The segment's cause is an object holding only an id: accepted like any cause object.
  EXPECT_EQ(json.at("cause").at("id"), json.at("subsegments").at(2).at("id"));
}

TEST(SdkTestdataTest, ThrottledSegment) {
  const Document doc = DecodeOne(Body("get-order-throttled.01-segment.txt"));
  ASSERT_TRUE(doc.summary_facts.has_value());
  EXPECT_EQ(doc.summary_facts->http_status, 429);
  EXPECT_TRUE(doc.throttle);
  EXPECT_TRUE(doc.error);
  EXPECT_FALSE(doc.fault);
  EXPECT_TRUE(doc.annotations.empty());
  EXPECT_FALSE(doc.summary_facts->user.has_value());
}

TEST(SdkTestdataTest, StreamedSubsegmentsPointIntoTheirSegment) {
  const Document segment = DecodeOne(Body("report-streamed.05-segment.txt"));
  const auto segment_json = nlohmann::json::parse(segment.raw);
  const auto& build_report = segment_json.at("subsegments").at(0);
  EXPECT_EQ(build_report.at("name"), "build-report");
  ASSERT_EQ(segment.annotations.size(), 1U);
  EXPECT_EQ(segment.annotations[0].key, "report_pages");
  EXPECT_DOUBLE_EQ(segment.annotations[0].value.number_value, 3);
  for (int page = 1; page <= 3; ++page) {
    const std::string name = "render-page-" + std::to_string(page);
    SCOPED_TRACE(name);
    const Document doc = DecodeOne(
        Body("report-streamed.0" + std::to_string(page) + "-subsegment-" + name + ".txt"));
    EXPECT_EQ(doc.kind, DocumentKind::kSubsegment);
    EXPECT_EQ(doc.trace_id, segment.trace_id);
    EXPECT_EQ(doc.parent_id, build_report.at("id").get<std::string>());
    ASSERT_TRUE(doc.summary_facts.has_value());
    EXPECT_TRUE(doc.summary_facts->remote_calls.empty());
    ASSERT_EQ(doc.annotations.size(), 1U);
    EXPECT_EQ(doc.annotations[0].key, "page");
    EXPECT_DOUBLE_EQ(doc.annotations[0].value.number_value, page);
    EXPECT_GE(doc.start_time, segment.start_time);
    EXPECT_LE(*doc.end_time, *segment.end_time);
  }
  const Document call = DecodeOne(Body("report-streamed.04-subsegment-127.0.0.1.txt"));
  EXPECT_EQ(call.kind, DocumentKind::kSubsegment);
  EXPECT_EQ(call.parent_id, build_report.at("id").get<std::string>());
  ASSERT_TRUE(call.summary_facts.has_value());
  // A call to the remote host: the node the graph infers for it.
  ASSERT_EQ(call.summary_facts->remote_calls.size(), 1U);
  EXPECT_EQ(call.summary_facts->remote_calls[0].service, "127.0.0.1");
  EXPECT_EQ(call.summary_facts->remote_calls[0].id, call.summary_facts->id);
  const auto call_json = nlohmann::json::parse(call.raw);
  EXPECT_EQ(call_json.at("http").at("request").at("url"), "http://127.0.0.1/stock/42");
}

TEST(SdkTestdataTest, StreamedSubsegmentsDecodeAsOneArray) {
  // The array-of-subsegments body form, built from the four streamed documents.
  std::string array = "[";
  for (const std::string file : {"report-streamed.01-subsegment-render-page-1.txt",
                                 "report-streamed.02-subsegment-render-page-2.txt",
                                 "report-streamed.03-subsegment-render-page-3.txt",
                                 "report-streamed.04-subsegment-127.0.0.1.txt"}) {
    array += (array.size() > 1 ? "," : "") + Body(file);
  }
  array += "]";
  DocumentDecoder decoder;
  const auto docs = decoder.Decode(array);
  ASSERT_TRUE(docs.has_value()) << docs.error().detail;
  ASSERT_EQ(docs->size(), 4U);
  EXPECT_EQ((*docs)[0].name, "render-page-1");
  ASSERT_TRUE((*docs)[3].summary_facts.has_value());
  EXPECT_EQ((*docs)[3].summary_facts->remote_calls.size(), 1U);
}

TEST(SdkTestdataTest, InProgressFlushThenClosedSegment) {
  const Document open = DecodeOne(Body("long-operation.01-segment-in-progress.txt"));
  const Document closed = DecodeOne(Body("long-operation.02-segment.txt"));
  EXPECT_TRUE(open.in_progress);
  EXPECT_FALSE(open.end_time);
  EXPECT_FALSE(closed.in_progress);
  ASSERT_TRUE(closed.end_time);
  EXPECT_EQ(open.trace_id, closed.trace_id);
  EXPECT_EQ(open.id, closed.id);
  EXPECT_DOUBLE_EQ(open.start_time, closed.start_time);
  ASSERT_EQ(closed.annotations.size(), 1U);
  EXPECT_EQ(closed.annotations[0].value.string_value, "nightly");
  ASSERT_TRUE(open.summary_facts.has_value());
  EXPECT_FALSE(open.summary_facts->http_method.has_value());  // Not an HTTP segment.
}

// One captured document with one field changed -> the expected verdict.
TEST(SdkTestdataTest, BrokenCopiesOfCapturedDocumentsAreRejected) {
  const auto segment = nlohmann::ordered_json::parse(Body("get-order.01-segment.txt"));
  const auto streamed =
      nlohmann::ordered_json::parse(Body("report-streamed.01-subsegment-render-page-1.txt"));
  struct Case {
    std::string what;
    nlohmann::ordered_json doc;
    std::optional<RejectReason> reject;
  };
  std::vector<Case> cases;
  cases.push_back({"no start_time", segment, RejectReason::kInvalidStartTime});
  cases.back().doc.erase("start_time");
  cases.push_back({"neither end_time nor in_progress", segment, RejectReason::kInvalidEndTime});
  cases.back().doc.erase("end_time");
  cases.push_back({"cause is a number (docs/segment-document.md#errors-faults-and-causes)", segment,
                   RejectReason::kInvalidField});
  cases.back().doc["cause"] = 200;
  cases.push_back({"cause is an exception id string", segment, std::nullopt});
  cases.back().doc["cause"] = "0123456789abcdef";
  cases.push_back(
      {"independent subsegment without parent_id", streamed, RejectReason::kInvalidParentId});
  cases.back().doc.erase("parent_id");
  cases.push_back({"no trace_id", segment, RejectReason::kInvalidTraceId});
  cases.back().doc.erase("trace_id");
  cases.push_back({"namespace other than aws/remote is local work", segment, std::nullopt});
  cases.back().doc["subsegments"][0]["namespace"] = "local";
  DocumentDecoder decoder;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const auto docs = decoder.Decode(c.doc.dump());
    if (c.reject) {
      ASSERT_FALSE(docs.has_value());
      EXPECT_EQ(RejectReasonName(docs.error().reason), RejectReasonName(*c.reject))
          << docs.error().detail;
    } else {
      ASSERT_TRUE(docs.has_value()) << docs.error().detail;
      EXPECT_EQ(docs->size(), 1U);
    }
  }
}

}  // namespace
}  // namespace xrayd::proto
