#include "proto/utf8.h"

#include <string>

#include <gtest/gtest.h>

namespace xrayd::proto {
namespace {

TEST(Utf8Test, DecodesEachSequenceLength) {
  const std::string text = "a\xC3\xA9\xE6\x9D\xB1\xF0\x9F\x98\x80";
  std::size_t pos = 0;
  EXPECT_EQ(DecodeUtf8(text, &pos), U'a');
  EXPECT_EQ(DecodeUtf8(text, &pos), U'\u00E9');
  EXPECT_EQ(DecodeUtf8(text, &pos), U'\u6771');
  EXPECT_EQ(DecodeUtf8(text, &pos), U'\U0001F600');
  EXPECT_EQ(pos, text.size());
}

TEST(Utf8Test, InvalidSequencesAdvanceOneByte) {
  const std::string truncated = "\xE6\x9D";
  std::size_t pos = 0;
  EXPECT_EQ(DecodeUtf8(truncated, &pos), kInvalidCodePoint);
  EXPECT_EQ(pos, 1U);
}

TEST(Utf8Test, CountsAndTruncatesByCodePoint) {
  const std::string text = "\xC3\xA9\xC3\xA9x";
  EXPECT_EQ(Utf8Length(text), 3U);
  EXPECT_EQ(TruncateUtf8(text, 1), "\xC3\xA9");
  EXPECT_EQ(TruncateUtf8(text, 0), "");
  EXPECT_EQ(TruncateUtf8(text, 3), text);
  EXPECT_EQ(TruncateUtf8(text, 99), text);
}

}  // namespace
}  // namespace xrayd::proto
