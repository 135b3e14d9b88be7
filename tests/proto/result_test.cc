#include "proto/result.h"

#include <memory>

#include <gtest/gtest.h>

namespace xrayd {
namespace {

Status Check(bool ok, int& calls) {
  ++calls;
  if (!ok) {
    return MakeError(ErrorCode::kNotFound, "missing");
  }
  return {};
}

Result<std::unique_ptr<int>> Make(int value) {
  if (value < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "negative");
  }
  return std::make_unique<int>(value);
}

Result<int> TwoChecks(bool first, bool second, int& calls) {
  XRAYD_TRY(Check(first, calls));
  XRAYD_TRY(Check(second, calls));
  return 7;
}

Result<int> SumOfMade(int a, int b) {
  XRAYD_TRY_ASSIGN(auto x, Make(a));  // Move-only values are moved out.
  int y = 0;
  XRAYD_TRY_ASSIGN(y, Make(b).map([](const std::unique_ptr<int>& p) { return *p; }));
  return *x + y;
}

Status FromLvalue(const Status& status) {
  XRAYD_TRY(status);
  return {};
}

TEST(ResultMacrosTest, TryReturnsTheFirstErrorAndStops) {
  int calls = 0;
  EXPECT_EQ(*TwoChecks(true, true, calls), 7);
  EXPECT_EQ(calls, 2);
  calls = 0;
  auto failed = TwoChecks(false, true, calls);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(failed.error().message, "missing");
  EXPECT_EQ(calls, 1);  // The second check never ran.
  EXPECT_TRUE(FromLvalue(Status{}));
  EXPECT_EQ(FromLvalue(MakeError(ErrorCode::kIOError, "disk")).error().code, ErrorCode::kIOError);
}

TEST(ResultMacrosTest, TryAssignDeclaresOrAssignsTheValue) {
  EXPECT_EQ(*SumOfMade(2, 3), 5);
  auto first = SumOfMade(-1, 3);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().message, "negative");
  auto second = SumOfMade(1, -3);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace xrayd
