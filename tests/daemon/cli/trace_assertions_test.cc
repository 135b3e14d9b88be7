#include "daemon/cli/trace_assertions.h"

#include <gtest/gtest.h>

namespace xrayd::daemon {
namespace {

Result<std::vector<Assertion>> ParseAll(const std::vector<std::string>& args) {
  AssertionFlags flags;
  for (std::size_t i = 0; i < args.size();) {
    auto taken = flags.Parse(args, i);
    if (!taken) {
      return tl::unexpected(taken.error());
    }
    if (!*taken) {
      return MakeError(ErrorCode::kInvalidArgument, "not an assertion: " + args[i]);
    }
  }
  return flags.assertions();
}

TEST(AssertionFlagsTest, ParsesCountsWithAndWithoutBounds) {
  auto parsed = ParseAll({"--expect", "fault", "--expect", "ok", ">=2", "--none", "error"});
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].Title(), "count(fault) >= 1");
  EXPECT_EQ((*parsed)[1].Title(), "count(ok) >= 2");
  EXPECT_EQ((*parsed)[2].Title(), "count(error) = 0");
}

TEST(AssertionFlagsTest, WhereScopesTheFollowingPerTraceChecks) {
  auto parsed =
      ParseAll({"--subsegment", "A", "--where", "annotation.k = 1", "--annotation", "user=alice",
                "--max-duration", "250ms", "--where", "", "--annotation", "flag"});
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 4u);
  EXPECT_EQ((*parsed)[0].Title(), "each trace has a subsegment named \"A\"");
  EXPECT_EQ((*parsed)[1].Title(),
            "each trace where annotation.k = 1 has annotation user = \"alice\"");
  EXPECT_EQ((*parsed)[2].filter, "annotation.k = 1");
  EXPECT_DOUBLE_EQ((*parsed)[2].max_duration_seconds, 0.25);
  EXPECT_EQ((*parsed)[2].Title(), "each trace where annotation.k = 1 lasts at most 250.0 ms");
  EXPECT_EQ((*parsed)[3].Title(), "each trace has annotation flag");
  EXPECT_FALSE((*parsed)[3].value.has_value());
}

TEST(AssertionFlagsTest, RejectsMissingAndBadValues) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--expect"},
                                                                {"--expect", "fault", ">=x"},
                                                                {"--annotation", "=v"},
                                                                {"--max-duration", "soon"},
                                                                {"--max-duration", "-1s"}}) {
    EXPECT_FALSE(ParseAll(args)) << args[0];
  }
  std::size_t i = 0;
  AssertionFlags flags;
  auto other = flags.Parse({"--junit", "x.xml"}, i);
  ASSERT_TRUE(other);
  EXPECT_FALSE(*other);
  EXPECT_EQ(i, 0u);
}

Result<std::vector<Assertion>> ParseWithCli(const std::vector<std::string>& args) {
  AssertionFlags flags;
  CLI::App app("test", "test");
  app.add_option("--junit", "a flag that is not an assertion");
  flags.AddTo(app);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return MakeError(ErrorCode::kInvalidArgument, e.what());
  }
  return flags.assertions();
}

TEST(AssertionFlagsTest, CommandLineKeepsTheOrderOfWhere) {
  auto parsed = ParseWithCli({"--subsegment", "A", "--where", "annotation.k = 1", "--junit", "x",
                              "--annotation", "user=alice", "--expect", "ok", ">=2", "--where", "",
                              "--max-duration", "250ms", "--expect", "fault"});
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 5u);
  EXPECT_EQ((*parsed)[0].Title(), "each trace has a subsegment named \"A\"");
  EXPECT_EQ((*parsed)[1].Title(),
            "each trace where annotation.k = 1 has annotation user = \"alice\"");
  EXPECT_EQ((*parsed)[2].Title(), "count(ok) >= 2");
  EXPECT_EQ((*parsed)[3].Title(), "each trace lasts at most 250.0 ms");
  EXPECT_EQ((*parsed)[4].Title(), "count(fault) >= 1");
}

TEST(AssertionFlagsTest, CommandLineRejectsBadValues) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--expect"},
                                                                {"--expect", "fault", ">=x"},
                                                                {"--expect", "fault", "extra"},
                                                                {"--annotation", "=v"},
                                                                {"--max-duration", "soon"},
                                                                {"--where"}}) {
    EXPECT_FALSE(ParseWithCli(args)) << args.back();
  }
}

}  // namespace
}  // namespace xrayd::daemon
