// The real xrayd process: groups and sampling rules created over HTTP survive a restart (state.db),
// `xrayd groups list` reads them, and the SDK sampling paths answer on the TCP port.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/daemon_process_support.h"

namespace xrayd::testing_support {
namespace {

using nlohmann::json;

json PostOk(const DaemonProcess& daemon, const std::string& path, const json& body) {
  HttpResult result = HttpPost(daemon.TcpPort(), path, body.dump());
  EXPECT_EQ(result.status, 200) << path << ": " << result.body;
  return json::parse(result.body, nullptr, false);
}

TEST(GroupsSamplingTest, GroupsAndRulesSurviveARestart) {
  const std::string dir = MakeTempDir("groups_sampling");
  std::string arn;
  {
    DaemonProcess daemon(dir);
    ASSERT_TRUE(daemon.Started()) << daemon.Log();
    json group = PostOk(daemon, "/CreateGroup",
                        {{"GroupName", "errors"}, {"FilterExpression", "error = true"}});
    arn = group["Group"]["GroupARN"];
    PostOk(daemon, "/CreateSamplingRule",
           {{"SamplingRule",
             {{"RuleName", "checkout"},
              {"ResourceARN", "*"},
              {"Priority", 7},
              {"FixedRate", 0.5},
              {"ReservoirSize", 2},
              {"ServiceName", "shop"},
              {"ServiceType", "*"},
              {"Host", "*"},
              {"HTTPMethod", "POST"},
              {"URLPath", "/checkout"},
              {"Version", 1}}}});
    HttpResult bad = HttpPost(daemon.TcpPort(), "/CreateGroup",
                              R"({"GroupName":"x","FilterExpression":"annotation. = 1"})");
    EXPECT_EQ(bad.status, 400) << bad.body;
    EXPECT_EQ(daemon.Stop(), 0);
  }
  DaemonProcess daemon(dir);
  ASSERT_TRUE(daemon.Started()) << daemon.Log();
  json group = PostOk(daemon, "/GetGroup", {{"GroupName", "errors"}});
  EXPECT_EQ(group["Group"]["GroupARN"], arn);
  EXPECT_EQ(group["Group"]["FilterExpression"], "error = true");
  json groups = PostOk(daemon, "/Groups", json::object());
  ASSERT_EQ(groups["Groups"].size(), 2u);
  EXPECT_EQ(groups["Groups"][0]["GroupName"], "Default");

  json rules = PostOk(daemon, "/GetSamplingRules", json::object());
  ASSERT_EQ(rules["SamplingRuleRecords"].size(), 2u);
  EXPECT_EQ(rules["SamplingRuleRecords"][0]["SamplingRule"]["RuleName"], "checkout");
  EXPECT_EQ(rules["SamplingRuleRecords"][1]["SamplingRule"]["RuleName"], "Default");

  json targets = PostOk(daemon, "/SamplingTargets",
                        {{"SamplingStatisticsDocuments",
                          {{{"RuleName", "checkout"},
                            {"ClientID", "abcdefabcdefabcdefabcdef"},
                            {"Timestamp", static_cast<std::int64_t>(time(nullptr))},
                            {"RequestCount", 3},
                            {"SampledCount", 2},
                            {"BorrowCount", 0}}}}});
  ASSERT_EQ(targets["SamplingTargetDocuments"].size(), 1u);
  EXPECT_EQ(targets["SamplingTargetDocuments"][0]["ReservoirQuota"], 2);
  EXPECT_TRUE(targets["LastRuleModification"].is_number());

  // The CLI reads the same state.db while the daemon runs.
  CommandResult cli = RunXrayd({"groups", "list", "--data-dir", dir});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  json listed = json::parse(cli.out, nullptr, false);
  ASSERT_TRUE(listed.is_object()) << cli.out;
  ASSERT_EQ(listed["Groups"].size(), 2u);
  EXPECT_EQ(listed["Groups"][1]["GroupName"], "errors");
  EXPECT_EQ(listed["Groups"][1]["GroupARN"], arn);
  EXPECT_EQ(listed["Groups"][1]["FilterExpression"], "error = true");
  // No trace was sent: the group's per-minute counts are an empty series.
  EXPECT_EQ(listed["Groups"][1]["ApproximateTraceCounts"], json::array());
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(GroupsSamplingTest, GroupsListOnAnEmptyDataDirShowsDefault) {
  const std::string dir = MakeTempDir("groups_empty");
  CommandResult cli = RunXrayd({"groups", "list", "--data-dir", dir});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  json listed = json::parse(cli.out, nullptr, false);
  ASSERT_EQ(listed["Groups"].size(), 1u);
  EXPECT_EQ(listed["Groups"][0]["GroupName"], "Default");
  CommandResult usage = RunXrayd({"groups", "frobnicate"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("usage"), std::string::npos);
}

}  // namespace
}  // namespace xrayd::testing_support
