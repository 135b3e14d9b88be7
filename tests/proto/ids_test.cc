#include "proto/ids.h"

#include <gtest/gtest.h>

namespace xrayd::proto {
namespace {

TEST(IdsTest, AcceptsTraceIdsInEitherCase) {
  EXPECT_TRUE(IsValidTraceId("1-58406520-a006649127e371903a2de979"));
  EXPECT_TRUE(IsValidTraceId("1-5840652F-A006649127E371903A2DE979"));
  // The embedded epoch is not checked (docs/segment-document.md#identifiers).
  EXPECT_TRUE(IsValidTraceId("1-00000000-000000000000000000000000"));
}

TEST(IdsTest, RejectsMalformedTraceIds) {
  EXPECT_FALSE(IsValidTraceId(""));
  EXPECT_FALSE(IsValidTraceId("2-58406520-a006649127e371903a2de979"));
  EXPECT_FALSE(IsValidTraceId("1-58406520-a006649127e371903a2de97"));
  EXPECT_FALSE(IsValidTraceId("1-58406520-a006649127e371903a2de9790"));
  EXPECT_FALSE(IsValidTraceId("1_58406520-a006649127e371903a2de979"));
  EXPECT_FALSE(IsValidTraceId("1-58406520_a006649127e371903a2de979"));
  EXPECT_FALSE(IsValidTraceId("1-5840652g-a006649127e371903a2de979"));
  EXPECT_FALSE(IsValidTraceId("1-58406520-a006649127e371903a2de97z"));
  EXPECT_FALSE(IsValidTraceId("4efaaf4d1e8720b39541901950019ee5"));  // W3C form.
}

TEST(IdsTest, ChecksSixteenHexIds) {
  EXPECT_TRUE(IsValidId("53995c3f42cd8ad8"));
  EXPECT_TRUE(IsValidId("53995C3F42CD8AD8"));
  EXPECT_FALSE(IsValidId("53995c3f42cd8ad"));
  EXPECT_FALSE(IsValidId("53995c3f42cd8ad80"));
  EXPECT_FALSE(IsValidId("abcdefghijklmnop"));
  EXPECT_FALSE(IsValidId(""));
}

TEST(IdsTest, LowerHexLowersOnlyHexLetters) {
  EXPECT_EQ(LowerHex("1-5840652F-A006649127E371903A2DE979"), "1-5840652f-a006649127e371903a2de979");
  EXPECT_EQ(LowerHex("ABCDEFGZ"), "abcdefGZ");
}

TEST(CanonicalTraceIdTest, W3cAndXrayFormsNameTheSameStoredTrace) {
  EXPECT_EQ(CanonicalTraceId("1-58406520-A006649127E371903A2DE979"),
            "1-58406520-a006649127e371903a2de979");
  EXPECT_EQ(CanonicalTraceId("58406520A006649127E371903A2DE979"),
            "1-58406520-a006649127e371903a2de979");
  EXPECT_EQ(CanonicalTraceId("f3b2c1d0a006649127e371903a2de979"),
            "1-f3b2c1d0-a006649127e371903a2de979");
}

TEST(CanonicalTraceIdTest, OtherTextIsOnlyLowerCased) {
  EXPECT_EQ(CanonicalTraceId("NOT-A-TRACE"), "not-a-trace");
  EXPECT_EQ(CanonicalTraceId("58406520a006649127e371903a2de97"), "58406520a006649127e371903a2de97");
  EXPECT_EQ(CanonicalTraceId("58406520a006649127e371903a2de97g"),
            "58406520a006649127e371903a2de97g");
  EXPECT_EQ(CanonicalTraceId(""), "");
}

}  // namespace
}  // namespace xrayd::proto
