#include "daemon/forward/forward_batch.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace xrayd::daemon {
namespace {

// The body X-Ray decodes: each TraceSegmentDocuments entry must be the raw document, byte for byte.
std::vector<std::string> Decode(const std::string& body) {
  const nlohmann::json json = nlohmann::json::parse(body);
  std::vector<std::string> out;
  for (const auto& item : json.at("TraceSegmentDocuments")) {
    out.push_back(item.get<std::string>());
  }
  return out;
}

TEST(ForwardBatchTest, BodyCarriesEachDocumentAsOneJsonString) {
  const std::string a =
      R"({"name":"api","id":"70de5b6f19ff9a0a","trace_id":"1-5759e988-bd862e3fe1be46a994272793"})";
  const std::string b = R"({"name":"db","annotations":{"q":"say \"hi\" \\ C:\\tmp"}})";
  const std::string body = BuildPutTraceSegmentsBody({a, b});
  EXPECT_EQ(body.rfind(R"({"TraceSegmentDocuments":[")", 0), 0u);
  EXPECT_EQ(Decode(body), (std::vector<std::string>{a, b}));
}

TEST(ForwardBatchTest, EscapesQuotesBackslashesAndControlBytesAndKeepsUtf8) {
  // Whitespace between JSON tokens may be any of \t \n \r; other control bytes and multi-byte
  // UTF-8 must survive too. Runs of plain bytes at the start, middle and end of a document.
  std::string raw = "{\"k\":\"caf\xc3\xa9 \xe2\x82\xac\",\n\t\"x\":\"\\\"\"\r}";
  raw.push_back('\x01');
  raw.push_back('\x1f');
  raw += "tail";
  const std::string body = BuildPutTraceSegmentsBody({raw, "\"", "\\", "plain"});
  EXPECT_NE(body.find("\\u000a\\u0009"), std::string::npos) << body;
  EXPECT_NE(body.find("\\u0001\\u001f"), std::string::npos) << body;
  EXPECT_EQ(Decode(body), (std::vector<std::string>{raw, "\"", "\\", "plain"}));
}

TEST(ForwardBatchTest, EmptyBatchAndEmptyDocument) {
  EXPECT_EQ(BuildPutTraceSegmentsBody({}), R"({"TraceSegmentDocuments":[]})");
  EXPECT_EQ(Decode(BuildPutTraceSegmentsBody({""})), std::vector<std::string>{""});
}

TEST(ForwardBatchTest, TransportFailuresCountUnderTheirForwardingKind) {
  EXPECT_EQ(ForwardErrorKindOf(HttpErrorKind::kDns), ForwardErrorKind::kDns);
  EXPECT_EQ(ForwardErrorKindOf(HttpErrorKind::kRefused), ForwardErrorKind::kRefused);
  EXPECT_EQ(ForwardErrorKindOf(HttpErrorKind::kTimeout), ForwardErrorKind::kTimeout);
  EXPECT_EQ(ForwardErrorKindOf(HttpErrorKind::kTls), ForwardErrorKind::kTls);
  EXPECT_EQ(ForwardErrorKindOf(HttpErrorKind::kProxy), ForwardErrorKind::kProxy);
  EXPECT_EQ(ForwardErrorKindOf(HttpErrorKind::kProtocol), ForwardErrorKind::kOther);
  EXPECT_EQ(ForwardErrorKindOf(HttpErrorKind::kNetwork), ForwardErrorKind::kOther);
}

}  // namespace
}  // namespace xrayd::daemon
