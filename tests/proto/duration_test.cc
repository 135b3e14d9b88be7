#include "proto/duration.h"

#include <gtest/gtest.h>

namespace xrayd::proto {
namespace {

TEST(DurationTest, TakesEveryUnit) {
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("250ms"), 0.25);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("1.5s"), 1.5);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("90s"), 90);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("10m"), 600);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("1.5h"), 5400);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("7d"), 7 * 86400);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("30"), 30);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("0"), 0);
}

TEST(DurationTest, RejectsWhatIsNotADuration) {
  for (const char* bad :
       {"", "m", "ms", "s", "-1s", "1w", "abc", "1 s", "1s ", "inf", "nan", "1e400", "5mss"}) {
    auto parsed = ParseDurationSeconds(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find("invalid duration"), std::string::npos);
  }
}

}  // namespace
}  // namespace xrayd::proto
