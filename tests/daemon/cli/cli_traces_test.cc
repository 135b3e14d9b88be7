#include "daemon/cli/cli_traces.h"

#include <sstream>

#include <gtest/gtest.h>

namespace xrayd::daemon {
namespace {

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
  // Flags belong to their verb: --width means nothing to list, --limit nothing to show.
  EXPECT_EQ(RunTracesCommand({"list", "--width", "40"}, {}, out, err), 2);
  EXPECT_EQ(RunTracesCommand({"show", "1-5f2b-0000", "--limit", "3"}, {}, out, err), 2);
  EXPECT_EQ(RunTracesCommand({"show", "a", "b"}, {}, out, err), 2);
  EXPECT_EQ(RunTracesCommand({"tail", "--color", "sometimes"}, {}, out, err), 2);
  EXPECT_EQ(RunTracesCommand({"list", "--limit", "0"}, {}, out, err), 2);
  EXPECT_EQ(RunTracesCommand({"tail", "--width", "5"}, {}, out, err), 2);
  EXPECT_TRUE(out.str().empty());
}

TEST(CliTracesTest, EveryVerbHasHelp) {
  for (const char* verb : {"list", "get", "show", "tail"}) {
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(RunTracesCommand({verb, "--help"}, {}, out, err), 0) << verb;
    EXPECT_NE(out.str().find("--data-dir"), std::string::npos) << out.str();
    EXPECT_TRUE(err.str().empty()) << err.str();
  }
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunTracesCommand({"--help"}, {}, out, err), 0);
  EXPECT_NE(out.str().find("tail"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace xrayd::daemon
