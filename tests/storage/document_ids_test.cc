// Parsing and formatting the ids the store keys documents by (storage/document_ids.h): every byte
// that is not a hexadecimal digit is refused in every position, upper case is accepted, and
// formatting gives back the lower-case text.

#include "storage/document_ids.h"

#include <string>

#include <gtest/gtest.h>

#include "proto/text.h"

namespace xrayd::storage {
namespace {

constexpr char kTraceId[] = "1-5759e988-bd862e3fe1be46a994272793";
constexpr char kId[] = "70de5b6f19ff9a0a";

TEST(DocumentIdsTest, IdsReadBackAsTheyWereWritten) {
  TraceKey key;
  ASSERT_TRUE(ParseTraceId(kTraceId, key));
  EXPECT_EQ(key[0], 0x57);
  EXPECT_EQ(key[15], 0x93);
  EXPECT_EQ(FormatTraceId(key), kTraceId);
  std::int64_t id = 0;
  ASSERT_TRUE(ParseId(kId, id));
  EXPECT_EQ(id, 0x70de5b6f19ff9a0a);
  EXPECT_EQ(FormatId(id), kId);
  ASSERT_TRUE(ParseId("ffffffffffffffff", id));
  EXPECT_EQ(id, -1);
  EXPECT_EQ(FormatId(id), "ffffffffffffffff");
}

TEST(DocumentIdsTest, UpperCaseDigitsParseAsLowerCase) {
  TraceKey upper;
  TraceKey lower;
  ASSERT_TRUE(ParseTraceId("1-5759E988-BD862E3FE1BE46A994272793", upper));
  ASSERT_TRUE(ParseTraceId(kTraceId, lower));
  EXPECT_EQ(upper, lower);
  std::int64_t id = 0;
  ASSERT_TRUE(ParseId("70DE5B6F19FF9A0A", id));
  EXPECT_EQ(FormatId(id), kId);
}

TEST(DocumentIdsTest, EveryByteThatIsNotADigitIsRefusedInEveryPosition) {
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    const bool digit = proto::HexDigitValue(c) >= 0;
    for (std::size_t position = 0; position < 16; ++position) {
      std::string id = kId;
      id[position] = c;
      std::int64_t value = 0;
      EXPECT_EQ(ParseId(id, value), digit) << "byte " << byte << " at " << position;
    }
    for (std::size_t position : {2, 9, 11, 22, 34}) {
      std::string trace_id = kTraceId;
      trace_id[position] = c;
      TraceKey key;
      EXPECT_EQ(ParseTraceId(trace_id, key), digit) << "byte " << byte << " at " << position;
    }
  }
}

TEST(DocumentIdsTest, WrongShapesAreRefused) {
  TraceKey key;
  std::int64_t id = 0;
  EXPECT_FALSE(ParseTraceId("", key));
  EXPECT_FALSE(ParseTraceId("2-5759e988-bd862e3fe1be46a994272793", key));
  EXPECT_FALSE(ParseTraceId("1-5759e988+bd862e3fe1be46a994272793", key));
  EXPECT_FALSE(ParseTraceId("1-5759e988-bd862e3fe1be46a99427279", key));
  EXPECT_FALSE(ParseId("70de5b6f19ff9a0", id));
  EXPECT_FALSE(ParseId("70de5b6f19ff9a0a0", id));
}

}  // namespace
}  // namespace xrayd::storage
