#include "daemon/core/log_limiter.h"

#include <gtest/gtest.h>

namespace xrayd::daemon {
namespace {

TEST(LogLimiterTest, AdmitsOncePerIntervalAndReportsSuppressedEvents) {
  LogLimiter limiter(std::chrono::seconds(10));
  const auto t0 = LogLimiter::Clock::time_point{} + std::chrono::hours(1);
  EXPECT_EQ(limiter.Admit(1, t0), 0u);
  EXPECT_FALSE(limiter.Admit(1, t0 + std::chrono::seconds(1)));
  EXPECT_FALSE(limiter.Admit(1, t0 + std::chrono::seconds(9)));
  EXPECT_EQ(limiter.Admit(2, t0 + std::chrono::seconds(9)), 0u) << "keys are independent";
  EXPECT_EQ(limiter.Admit(1, t0 + std::chrono::seconds(10)), 2u);
  EXPECT_FALSE(limiter.Admit(1, t0 + std::chrono::seconds(11)));
}

}  // namespace
}  // namespace xrayd::daemon
