#include "proto/datagram.h"

#include <string>

#include <gtest/gtest.h>

#include "proto/document.h"

namespace xrayd::proto {
namespace {

constexpr std::string_view kBody = R"({"trace_id":"1-58406520-a006649127e371903a2de979"})";

RejectReason ReasonOf(std::string_view bytes) {
  const auto result = ParseDatagram(bytes);
  EXPECT_FALSE(result.has_value()) << bytes;
  return result ? RejectReason::kEmptyArray : result.error().reason;
}

TEST(DatagramTest, SplitsCompactHeader) {
  const std::string bytes =
      std::string(R"({"format":"json","version":1})") + "\n" + std::string(kBody);
  const auto view = ParseDatagram(bytes);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->header, R"({"format":"json","version":1})");
  EXPECT_EQ(view->body, kBody);
}

TEST(DatagramTest, SplitsSpacedHeaderAndKeepsBodyVerbatim) {
  const std::string bytes = "{\"format\": \"json\", \"version\": 1}\n{ \"a\" : 1 }\n\n";
  const auto view = ParseDatagram(bytes);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->body, "{ \"a\" : 1 }\n\n");
}

TEST(DatagramTest, AcceptsOtherSpellingsOfAValidHeader) {
  for (const std::string_view header : {
           R"({"format":"JSON","version":1})", R"({ "version" : 1 , "format" : "Json" })",
           R"({"format":"json","version":1,"extra":[1,2]})",
           R"({"FORMAT":"json","Version":1})",  // Go's encoding/json matches keys
                                                // case-insensitively.
           "{\"format\":\"json\",\"version\":1}\r",
           R"({"format":"xml","format":"json","version":1})",  // Last duplicate wins, as in Go.
       }) {
    const std::string bytes = std::string(header) + "\n" + std::string(kBody);
    EXPECT_TRUE(ParseDatagram(bytes).has_value()) << header;
  }
}

TEST(DatagramTest, RejectsMissingNewline) {
  EXPECT_EQ(ReasonOf(R"({"format":"json","version":1})"), RejectReason::kMissingNewline);
  EXPECT_EQ(ReasonOf(""), RejectReason::kMissingNewline);
}

TEST(DatagramTest, RejectsHeadersThatAreNotJsonObjects) {
  EXPECT_EQ(ReasonOf("garbage\n{}"), RejectReason::kInvalidHeader);
  EXPECT_EQ(ReasonOf("\n{}"), RejectReason::kInvalidHeader);
  EXPECT_EQ(ReasonOf("[1]\n{}"), RejectReason::kInvalidHeader);
  EXPECT_EQ(ReasonOf("null\n{}"), RejectReason::kInvalidHeader);
  EXPECT_EQ(ReasonOf(R"({"format":"json","version":1} x)"
                     "\n{}"),
            RejectReason::kInvalidHeader);
  EXPECT_EQ(ReasonOf(R"({"format":"json","version":1)"
                     "\n{}"),
            RejectReason::kInvalidHeader);
  EXPECT_EQ(ReasonOf("{\"format\":\"json\",\"version\":1,\"pad\":\"" + std::string(2000, 'x') +
                     "\"}\n{}"),
            RejectReason::kInvalidHeader);
}

TEST(DatagramTest, RejectsWrongFormat) {
  EXPECT_EQ(ReasonOf(R"({"format":"xml","version":1})"
                     "\n{}"),
            RejectReason::kWrongFormat);
  EXPECT_EQ(ReasonOf(R"({"version":1})"
                     "\n{}"),
            RejectReason::kWrongFormat);
  EXPECT_EQ(ReasonOf(R"({"format":1,"version":1})"
                     "\n{}"),
            RejectReason::kWrongFormat);
  EXPECT_EQ(ReasonOf(R"({"format":"json ","version":1})"
                     "\n{}"),
            RejectReason::kWrongFormat);
}

TEST(DatagramTest, RejectsWrongVersion) {
  EXPECT_EQ(ReasonOf(R"({"format":"json","version":2})"
                     "\n{}"),
            RejectReason::kWrongVersion);
  EXPECT_EQ(ReasonOf(R"({"format":"json"})"
                     "\n{}"),
            RejectReason::kWrongVersion);
  EXPECT_EQ(ReasonOf(R"({"format":"json","version":"1"})"
                     "\n{}"),
            RejectReason::kWrongVersion);
  // Decided: the official daemon unmarshals into a Go int, which refuses 1.0 and 1e0.
  EXPECT_EQ(ReasonOf(R"({"format":"json","version":1.0})"
                     "\n{}"),
            RejectReason::kWrongVersion);
  EXPECT_EQ(ReasonOf(R"({"format":"json","version":1e0})"
                     "\n{}"),
            RejectReason::kWrongVersion);
  EXPECT_EQ(ReasonOf(R"({"format":"json","version":-1})"
                     "\n{}"),
            RejectReason::kWrongVersion);
}

TEST(DatagramTest, RejectsHeaderOnly) {
  EXPECT_EQ(ReasonOf(R"({"format":"json","version":1})"
                     "\n"),
            RejectReason::kEmptyBody);
  EXPECT_EQ(ReasonOf(R"({"format":"json","version":1})"
                     "\n \r\n\t "),
            RejectReason::kEmptyBody);
}

TEST(DatagramTest, SplitsAtTheFirstNewlineOnly) {
  const auto view = ParseDatagram(R"({"format":"json","version":1})"
                                  "\n{\n}\n");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->body, "{\n}\n");
}

TEST(DatagramTest, BodySizeLimitIsTheDocumentLimit) {
  const std::string header = R"({"format":"json","version":1})"
                             "\n";
  const std::string fits = header + std::string(kMaxDocumentSize, ' ').replace(0, 1, "x") + "\n";
  EXPECT_TRUE(ParseDatagram(fits).has_value());
  const std::string over = header + std::string(kMaxDocumentSize + 1, 'x');
  EXPECT_EQ(ReasonOf(over), RejectReason::kOversize);
}

}  // namespace
}  // namespace xrayd::proto
