#include "proto/name_rules.h"

#include <string>

#include <gtest/gtest.h>

namespace xrayd::proto {
namespace {

TEST(NameRulesTest, AcceptsSdkNames) {
  EXPECT_TRUE(IsValidName("SampleServer"));
  EXPECT_TRUE(IsValidName("DDB.DescribeExistingTableAndPutToMissingTable"));
  EXPECT_TRUE(IsValidName("ebdb@aawijb5u25wdoy.cpamxznpdoq8.us-west-2.rds.amazonaws.com"));
  EXPECT_TRUE(IsValidName("## handler"));
  EXPECT_TRUE(IsValidName("GET /api/v1/users/%id&x=1+2"));
  EXPECT_TRUE(IsValidName("C:\\path"));  // Backslash: DG set, not the schema's.
  EXPECT_TRUE(IsValidName("a"));
}

TEST(NameRulesTest, AcceptsUnicodeLettersNumbersAndSpaces) {
  EXPECT_TRUE(IsValidName("caf\xC3\xA9"));                                       // café
  EXPECT_TRUE(IsValidName("\xE6\x9D\xB1\xE4\xBA\xAC"));                          // 東京
  EXPECT_TRUE(IsValidName("\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0"));  // Москва
  EXPECT_TRUE(IsValidName("x\xC2\xA0y"));        // No-break space (Zs).
  EXPECT_TRUE(IsValidName("\xC2\xB5s"));         // µs
  EXPECT_TRUE(IsValidName("\xF0\x9D\x90\x80"));  // U+1D400 math bold A (Lu).
}

TEST(NameRulesTest, RejectsPunctuationControlsAndSymbols) {
  EXPECT_FALSE(IsValidName(""));
  EXPECT_FALSE(IsValidName("a(b)"));
  EXPECT_FALSE(IsValidName("a*b"));
  EXPECT_FALSE(IsValidName("a?b"));
  EXPECT_FALSE(IsValidName("a\"b"));
  EXPECT_FALSE(IsValidName("a\tb"));
  EXPECT_FALSE(IsValidName("a\nb"));
  EXPECT_FALSE(IsValidName(std::string("a\0b", 3)));
  EXPECT_FALSE(IsValidName("\xC2\x85"));      // NEL, C1 control.
  EXPECT_FALSE(IsValidName("\xC2\xA9"));      // ©
  EXPECT_FALSE(IsValidName("\xE2\x80\x94"));  // Em dash.
  EXPECT_FALSE(IsValidName("\xE2\x80\x8B"));  // Zero-width space (Cf).
  EXPECT_FALSE(
      IsValidName("\xEF\xBB\xBF"
                  "a"));                          // BOM.
  EXPECT_FALSE(IsValidName("\xF0\x9F\x98\x80"));  // Emoji.
}

TEST(NameRulesTest, RejectsInvalidUtf8) {
  EXPECT_FALSE(IsValidName("\xC3"));
  EXPECT_FALSE(IsValidName("\xC0\xAF"));          // Overlong '/'.
  EXPECT_FALSE(IsValidName("\xED\xA0\x80"));      // Surrogate.
  EXPECT_FALSE(IsValidName("\xF4\x90\x80\x80"));  // Past U+10FFFF.
  EXPECT_FALSE(IsValidName("\xFF"));
}

TEST(NameRulesTest, LimitsLengthInCharactersNotBytes) {
  EXPECT_TRUE(IsValidName(std::string(200, 'a')));
  EXPECT_FALSE(IsValidName(std::string(201, 'a')));
  std::string cjk;
  for (int i = 0; i < 200; ++i) {
    cjk += "\xE6\x9D\xB1";  // 600 bytes, 200 characters.
  }
  EXPECT_TRUE(IsValidName(cjk));
  EXPECT_FALSE(IsValidName(cjk + "a"));
}

}  // namespace
}  // namespace xrayd::proto
