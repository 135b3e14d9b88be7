#include "proto/text.h"

#include <gtest/gtest.h>

namespace xrayd::proto {
namespace {

TEST(TextTest, LowersOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("1-5F2B-Aa_Z@["), "1-5f2b-aa_z@[");
  EXPECT_EQ(AsciiLower(""), "");
  EXPECT_EQ(AsciiLower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");  // UTF-8 bytes untouched.
  static_assert(AsciiLower('Q') == 'q' && AsciiLower('q') == 'q' && AsciiLower('@') == '@');
}

TEST(TextTest, ComparesIgnoringAsciiCase) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-LENGTH"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("host", "hosts"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));  // Differ by 0x20 but are not letters.
}

}  // namespace
}  // namespace xrayd::proto
