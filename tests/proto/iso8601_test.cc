#include "proto/iso8601.h"

#include <gtest/gtest.h>

namespace xrayd::proto {
namespace {

constexpr double kAug30 = 1440938160;  // 2015-08-30T12:36:00Z

TEST(Iso8601Test, ParsesZonesAndFractions) {
  EXPECT_DOUBLE_EQ(*ParseIso8601("2015-08-30T12:36:00Z"), kAug30);
  EXPECT_DOUBLE_EQ(*ParseIso8601("2015-08-30t12:36:00z"), kAug30);
  EXPECT_DOUBLE_EQ(*ParseIso8601("2015-08-30 12:36:00"), kAug30);  // No zone: UTC.
  EXPECT_DOUBLE_EQ(*ParseIso8601("2015-08-30T14:36:00+02:00"), kAug30);
  EXPECT_DOUBLE_EQ(*ParseIso8601("2015-08-30T07:06:00-05:30"), kAug30);
  EXPECT_DOUBLE_EQ(*ParseIso8601("2015-08-30T12:36:00.25Z"), kAug30 + 0.25);
  EXPECT_EQ(ParseIso8601Time("2015-08-30T12:36:00.5Z")->time_since_epoch(),
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::duration<double>(kAug30 + 0.5)));
}

TEST(Iso8601Test, RejectsMalformedAndOutOfRange) {
  for (const char* bad :
       {"", "2015-08-30", "2015-08-30T12:36", "2015/08/30T12:36:00Z", "2015-13-30T12:36:00Z",
        "2015-08-00T12:36:00Z", "2015-08-30T24:00:00Z", "2015-08-30T12:60:00Z",
        "2015-08-30T12:36:00.Z", "2015-08-30T12:36:00Zx", "2015-08-30T12:36:00+0200",
        "2015-08-30T12:36:00+25:00", "2015-08-3OT12:36:00Z", "20150830T123600Z"}) {
    EXPECT_FALSE(ParseIso8601(bad)) << bad;
    EXPECT_FALSE(ParseIso8601Time(bad)) << bad;
  }
}

}  // namespace
}  // namespace xrayd::proto
