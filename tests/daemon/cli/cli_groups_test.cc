// `xrayd groups list`: JSON of state.db's groups; counts only from a supplied GroupCountsFn.
#include "daemon/cli/cli_groups.h"

#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "storage/state_store.h"

namespace xrayd::daemon {
namespace {

std::string MakeDataDir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "cli_groups_test_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = storage::StateStore::Open(dir + "/state.db");
  EXPECT_TRUE(store.has_value());
  EXPECT_TRUE((*store)->CreateGroup(storage::NewGroup{"errors", "error", {}, {}}, 1).has_value());
  return dir;
}

TEST(CliGroupsTest, ListsGroupsWithoutCountsByDefault) {
  const std::string dir = MakeDataDir("plain");
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(RunGroupsCommand({"list", "--data-dir", dir}, {}, out, err), 0) << err.str();
  auto json = nlohmann::json::parse(out.str());
  ASSERT_EQ(json["Groups"].size(), 2u);
  EXPECT_EQ(json["Groups"][0]["GroupName"], "Default");
  EXPECT_FALSE(json["Groups"][0].contains("FilterExpression"));
  EXPECT_EQ(json["Groups"][1]["FilterExpression"], "error");
  EXPECT_FALSE(json["Groups"][1].contains("ApproximateTraceCounts"));
}

TEST(CliGroupsTest, PrintsCountsFromTheSuppliedFunction) {
  const std::string dir = MakeDataDir("counts");
  GroupCountsFn counts = [&](const std::string& data_dir,
                             const storage::Group& group) -> Result<std::vector<MinuteCount>> {
    EXPECT_EQ(data_dir, dir);
    if (group.is_default) {
      return MakeError(ErrorCode::kIOError, "counts unavailable");
    }
    return std::vector<MinuteCount>{{120, 3}, {180, 5}};
  };
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(RunGroupsCommand({"list", "--data-dir", dir}, {}, out, err, counts), 0);
  auto json = nlohmann::json::parse(out.str());
  EXPECT_FALSE(json["Groups"][0].contains("ApproximateTraceCounts")) << "failed: not invented";
  EXPECT_NE(err.str().find("counts unavailable"), std::string::npos);
  EXPECT_EQ(json["Groups"][1]["ApproximateTraceCounts"],
            nlohmann::json::parse(R"([{"Timestamp":120,"Value":3},{"Timestamp":180,"Value":5}])"));
}

TEST(CliGroupsTest, UsageErrors) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunGroupsCommand({}, {}, out, err), 2);
  EXPECT_EQ(RunGroupsCommand({"list", "--bogus"}, {}, out, err), 2);
  EXPECT_NE(err.str().find("usage: xrayd groups list"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace xrayd::daemon
