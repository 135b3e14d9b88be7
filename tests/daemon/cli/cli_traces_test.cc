#include "daemon/cli/cli_traces.h"

#include <sstream>

#include <gtest/gtest.h>

namespace xrayd::daemon {
namespace {

TEST(CliTracesTest, ParsesDurations) {
  EXPECT_EQ(*ParseDuration("90s"), 90);
  EXPECT_EQ(*ParseDuration("10m"), 600);
  EXPECT_EQ(*ParseDuration("1.5h"), 5400);
  EXPECT_EQ(*ParseDuration("7d"), 7 * 86400);
  EXPECT_EQ(*ParseDuration("30"), 30);
  for (const char* bad : {"", "m", "-1s", "1w", "abc"}) {
    EXPECT_FALSE(ParseDuration(bad)) << bad;
  }
}

TEST(CliTracesTest, MissingStoreIsAClearError) {
  std::ostringstream out;
  std::ostringstream err;
  const int code =
      RunTracesCommand({"list", "--data-dir", testing::TempDir() + "/absent"}, {}, out, err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.str().find("no trace store"), std::string::npos) << err.str();
}

TEST(CliTracesTest, UsageErrors) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunTracesCommand({"frob"}, {}, out, err), 2);
  EXPECT_EQ(RunTracesCommand({"get"}, {}, out, err), 2);
  EXPECT_EQ(RunTracesCommand({"list", "--since", "soon"}, {}, out, err), 2);
  EXPECT_NE(err.str().find("invalid duration"), std::string::npos);
}

}  // namespace
}  // namespace xrayd::daemon
