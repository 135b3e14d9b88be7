// Every file of the shared OpenTelemetry X-Ray test data (../shared/testdata/otel-xray, see its
// NOTICE.md) with the decision for it per SPEC §1-2. The table has one row per file, and a test
// fails if a file is added or removed without a row.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "proto/datagram.h"
#include "proto/document_decoder.h"
#include "proto/rejection.h"

namespace xrayd::proto {
namespace {

const std::filesystem::path kDir = std::filesystem::path(XRAYD_SHARED_TESTDATA) / "otel-xray";

struct Expectation {
  bool datagram;                       // The file is a whole UDP payload (header line + body).
  std::optional<RejectReason> reject;  // nullopt: accepted.
  std::size_t documents = 0;           // Documents when accepted.
};

// Path relative to otel-xray/ -> expectation. Upstream's own verdict is not always ours: the
// daemon validates what SPEC §1 requires and indexes, not every field the OTel translator reads.
const std::map<std::string, Expectation>& Table() {
  static const std::map<std::string, Expectation> kTable = {
      // Complete segment, no aws block.
      {"internal-aws-xray/awsMissingAwsField.txt", {false, std::nullopt, 1}},
      // Complete segment with a full aws block.
      {"internal-aws-xray/awsValidAwsFields.txt", {false, std::nullopt, 1}},
      // Real Go SDK capture: segment + 17 nested subsegments; a dotted annotation key is unindexed.
      {"internal-aws-xray/ddbSample.txt", {false, std::nullopt, 1}},
      // Independent subsegment (type, trace_id, parent_id).
      {"internal-aws-xray/indepSubsegment.txt", {false, std::nullopt, 1}},
      // content_length as a string: off-schema but not a field we validate or index.
      {"internal-aws-xray/indepSubsegmentWithContentLengthString.txt", {false, std::nullopt, 1}},
      // sql.url without a scheme: upstream's translator fails, X-Ray does not care; sql is opaque.
      {"internal-aws-xray/indepSubsegmentWithInvalidSqlUrl.txt", {false, std::nullopt, 1}},
      // namespace "local": anything but aws/remote is local work (SPEC §1.3).
      {"internal-aws-xray/indepSubsegmentWithLocalNamespace.txt", {false, std::nullopt, 1}},
      // Valid sql block.
      {"internal-aws-xray/indepSubsegmentWithSql.txt", {false, std::nullopt, 1}},
      // cause as a string id; its content is not checked (the "id" is not even hex).
      {"internal-aws-xray/minCauseIsExceptionId.txt", {false, std::nullopt, 1}},
      // cause is the number 200: SPEC §1.6 allows only a string or an object.
      {"internal-aws-xray/minCauseIsInvalid.txt", {false, RejectReason::kInvalidField}},
      // in_progress:true without end_time.
      {"internal-aws-xray/minInProgress.txt", {false, std::nullopt, 1}},
      // type subsegment + trace_id + parent_id: an independent subsegment.
      {"internal-aws-xray/minOtherFields.txt", {false, std::nullopt, 1}},
      // start_time removed.
      {"internal-aws-xray/segmentValidationFailed.txt", {false, RejectReason::kInvalidStartTime}},
      // Neither end_time nor in_progress: SPEC §1.2 requires exactly one.
      {"internal-aws-xray/segmentWithParentId.txt", {false, RejectReason::kInvalidEndTime}},
      // Same documents as the internal copies, as full UDP payloads ({"format": "json", ...}\n).
      {"awsxrayreceiver-rawsegment/awsMissingAwsField.txt", {true, std::nullopt, 1}},
      {"awsxrayreceiver-rawsegment/awsValidAwsFields.txt", {true, std::nullopt, 1}},
      {"awsxrayreceiver-rawsegment/ddbSample.txt", {true, std::nullopt, 1}},
      // namespace "invalidNs" on one subsegment: upstream rejects, but SPEC §1.3 says any other
      // value means local work, so X-Ray-wise the document is fine and we keep it.
      {"awsxrayreceiver-rawsegment/invalidNamespace.txt", {true, std::nullopt, 1}},
      {"awsxrayreceiver-rawsegment/minCauseIsExceptionId.txt", {true, std::nullopt, 1}},
      {"awsxrayreceiver-rawsegment/minCauseIsInvalid.txt", {true, RejectReason::kInvalidField}},
      {"awsxrayreceiver-rawsegment/minOtherFields.txt", {true, std::nullopt, 1}},
      // Real Go SDK capture of an HTTP server segment.
      {"awsxrayreceiver-rawsegment/serverSample.txt", {true, std::nullopt, 1}},
      // A PutTraceSegments *request* ({"TraceSegmentDocuments":[...]}), not a segment document:
      // as a body it has no trace_id. Its 50 strings are checked separately below.
      {"awsxrayreceiver/sample.json", {false, RejectReason::kInvalidTraceId}},
  };
  return kTable;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::set<std::string> DataFiles() {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kDir)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".txt" || ext == ".json")) {
      files.insert(entry.path().lexically_relative(kDir).generic_string());
    }
  }
  return files;
}

TEST(OtelTestdataTest, TableHasOneRowPerFile) {
  ASSERT_TRUE(std::filesystem::is_directory(kDir)) << kDir;
  std::set<std::string> rows;
  for (const auto& [path, expectation] : Table()) {
    rows.insert(path);
  }
  EXPECT_EQ(DataFiles(), rows);
}

TEST(OtelTestdataTest, EachFileIsAcceptedOrRejectedAsDecided) {
  DocumentDecoder decoder;
  for (const auto& [path, expectation] : Table()) {
    SCOPED_TRACE(path);
    const std::string bytes = ReadFile(kDir / path);
    std::string_view body = bytes;
    if (expectation.datagram) {
      const auto datagram = ParseDatagram(bytes);
      ASSERT_TRUE(datagram.has_value()) << datagram.error().detail;
      body = datagram->body;
    } else {
      // A header-less document is not a datagram.
      EXPECT_FALSE(ParseDatagram(bytes).has_value());
    }
    const auto docs = decoder.Decode(body);
    if (expectation.reject) {
      ASSERT_FALSE(docs.has_value());
      EXPECT_EQ(RejectReasonName(docs.error().reason), RejectReasonName(*expectation.reject))
          << docs.error().detail;
    } else {
      ASSERT_TRUE(docs.has_value()) << docs.error().detail;
      EXPECT_EQ(docs->size(), expectation.documents);
      EXPECT_EQ(docs->front().raw, body);  // No file ends with whitespace.
    }
  }
}

TEST(OtelTestdataTest, DdbSampleIsFullyExtracted) {
  DocumentDecoder decoder;
  const auto docs = decoder.Decode(ReadFile(kDir / "internal-aws-xray/ddbSample.txt"));
  ASSERT_TRUE(docs.has_value()) << docs.error().detail;
  const Document& doc = docs->front();
  EXPECT_EQ(doc.kind, DocumentKind::kSegment);
  EXPECT_EQ(doc.trace_id, "1-5f29ab21-d4ebf299219a65bd5c31d6da");
  EXPECT_EQ(doc.id, "88ad1df59cd7a7be");
  EXPECT_EQ(doc.name, "DDB");
  EXPECT_TRUE(doc.fault);
  EXPECT_EQ(doc.user, "xraysegmentdump");
  EXPECT_EQ(doc.embedded_subsegments, 17U);  // NOTICE.md: 18 documents in all.
  EXPECT_FALSE(doc.in_progress);
  // "DDB.DescribeExistingTableAndPutToMissingTable.Annotation" has dots: kept in raw only.
  EXPECT_TRUE(doc.annotations.empty());
  EXPECT_EQ(doc.unindexed_annotations, 1U);
}

TEST(OtelTestdataTest, ServerSampleHttpFields) {
  const std::string bytes = ReadFile(kDir / "awsxrayreceiver-rawsegment/serverSample.txt");
  const auto datagram = ParseDatagram(bytes);
  ASSERT_TRUE(datagram.has_value());
  EXPECT_EQ(datagram->header, R"({"format": "json", "version": 1})");
  DocumentDecoder decoder;
  const auto docs = decoder.Decode(datagram->body);
  ASSERT_TRUE(docs.has_value()) << docs.error().detail;
  const Document& doc = docs->front();
  EXPECT_EQ(doc.name, "SampleServer");
  EXPECT_EQ(doc.http_method, "GET");
  EXPECT_EQ(doc.http_url, "http://localhost:8000/");
  EXPECT_EQ(doc.http_status, 200);
  EXPECT_EQ(doc.http_client_ip, "127.0.0.1");
  EXPECT_EQ(doc.http_user_agent, "Go-http-client/1.1");
}

TEST(OtelTestdataTest, SampleJsonDocumentsLackParentId) {
  // sample.json holds 50 JSON-encoded documents with "type":"subsegment" and a trace_id but no
  // parent_id. SPEC §1.3 requires parent_id on independent subsegments, so each one is refused.
  const auto request = nlohmann::json::parse(ReadFile(kDir / "awsxrayreceiver/sample.json"));
  const auto& documents = request.at("TraceSegmentDocuments");
  ASSERT_EQ(documents.size(), 50U);
  DocumentDecoder decoder;
  for (const auto& document : documents) {
    const auto decoded = decoder.Decode(document.get<std::string>());
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error().reason, RejectReason::kInvalidParentId) << decoded.error().detail;
  }
}

}  // namespace
}  // namespace xrayd::proto
