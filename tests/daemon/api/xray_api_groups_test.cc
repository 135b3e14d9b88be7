// Group operations through the router (docs/api.md#group-operations, docs/groups.md): wire shapes,
// pagination and every error.
#include <string>

#include <gtest/gtest.h>

#include "tests/daemon/api/state_api_support.h"

namespace xrayd::daemon {
namespace {

using nlohmann::json;

void ExpectInvalid(const HttpResponse& response, const std::string& message_part) {
  EXPECT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(ErrorType(response), "InvalidRequestException") << response.body;
  EXPECT_NE(ErrorMessage(response).find(message_part), std::string::npos) << response.body;
}

TEST(XrayApiGroupsTest, CreateGetUpdateDelete) {
  StateApiFixture api;
  json created = api.Ok("/CreateGroup", {{"GroupName", "slow"},
                                         {"FilterExpression", "responsetime > 5"},
                                         {"InsightsConfiguration", {{"InsightsEnabled", true}}},
                                         {"Tags", {{{"Key", "team"}, {"Value", "web"}}}}});
  const json& group = created["Group"];
  EXPECT_EQ(group["GroupName"], "slow");
  EXPECT_EQ(group["FilterExpression"], "responsetime > 5");
  EXPECT_EQ(group["InsightsConfiguration"],
            json({{"InsightsEnabled", true}, {"NotificationsEnabled", false}}));
  const std::string arn = group["GroupARN"];
  EXPECT_EQ(arn.rfind("arn:aws:xray:us-east-1:000000000000:group/slow/", 0), 0u) << arn;

  EXPECT_EQ(api.Ok("/GetGroup", {{"GroupName", "slow"}})["Group"], group);
  EXPECT_EQ(api.Ok("/GetGroup", {{"GroupARN", arn}})["Group"], group);
  EXPECT_EQ(api.Ok("/GetGroup", {{"GroupName", "slow"}, {"GroupARN", arn}})["Group"], group);

  json updated = api.Ok("/UpdateGroup", {{"GroupARN", arn}, {"FilterExpression", "error"}});
  EXPECT_EQ(updated["Group"]["FilterExpression"], "error");
  EXPECT_EQ(updated["Group"]["InsightsConfiguration"]["InsightsEnabled"], true)
      << "absent InsightsConfiguration keeps the old one";
  EXPECT_EQ(updated["Group"]["GroupARN"], arn);
  json notify = api.Ok(
      "/UpdateGroup",
      {{"GroupName", "slow"},
       {"InsightsConfiguration", {{"InsightsEnabled", true}, {"NotificationsEnabled", true}}}});
  EXPECT_EQ(notify["Group"]["InsightsConfiguration"]["NotificationsEnabled"], true);
  EXPECT_EQ(notify["Group"]["FilterExpression"], "error");

  EXPECT_EQ(api.Ok("/DeleteGroup", {{"GroupName", "slow"}}), json::object());
  ExpectInvalid(api.Post("/GetGroup", R"({"GroupName":"slow"})"), "slow");
}

TEST(XrayApiGroupsTest, GroupWithoutFilterOmitsTheMember) {
  StateApiFixture api;
  json group = api.Ok("/CreateGroup", {{"GroupName", "all"}})["Group"];
  EXPECT_FALSE(group.contains("FilterExpression"));
  EXPECT_EQ(group["InsightsConfiguration"]["InsightsEnabled"], false);
}

TEST(XrayApiGroupsTest, DefaultGroupIsListedFirstAndReadOnly) {
  StateApiFixture api;
  api.Ok("/CreateGroup", {{"GroupName", "x"}});
  json groups = api.Ok("/Groups", json::object())["Groups"];
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0], json({{"GroupName", "Default"},
                             {"GroupARN", "arn:aws:xray:us-east-1:000000000000:group/Default"},
                             {"InsightsConfiguration",
                              {{"InsightsEnabled", false}, {"NotificationsEnabled", false}}}}));
  EXPECT_EQ(groups[1]["GroupName"], "x");
  EXPECT_EQ(api.Ok("/GetGroup", {{"GroupName", "Default"}})["Group"], groups[0]);
  ExpectInvalid(api.Post("/CreateGroup", R"({"GroupName":"Default"})"), "reserved");
  ExpectInvalid(api.Post("/UpdateGroup", R"({"GroupName":"Default","FilterExpression":"ok"})"),
                "Default");
  ExpectInvalid(api.Post("/DeleteGroup", R"({"GroupName":"Default"})"), "Default");
}

TEST(XrayApiGroupsTest, GetGroupsPaginates) {
  StateApiFixture api;
  for (int i = 0; i < 25; ++i) {
    api.Ok("/CreateGroup", {{"GroupName", "g" + std::to_string(i)}});
  }
  std::vector<std::string> names;
  json request = json::object();
  int pages = 0;
  for (;;) {
    json page = api.Ok("/Groups", request);
    ++pages;
    for (const auto& g : page["Groups"]) {
      names.push_back(g["GroupName"]);
    }
    if (!page.contains("NextToken")) {
      break;
    }
    request = {{"NextToken", page["NextToken"]}};
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(names.size(), 26u);
  EXPECT_EQ(names.front(), "Default");
  EXPECT_EQ(names.back(), "g24");
  ExpectInvalid(api.Post("/Groups", R"({"NextToken":"bm9wZQ"})"), "NextToken");
  ExpectInvalid(api.Post("/Groups", R"({"NextToken":"!!"})"), "NextToken");
}

TEST(XrayApiGroupsTest, ErrorShapes) {
  StateApiFixture api;
  api.Ok("/CreateGroup", {{"GroupName", "a"}});
  const std::string b_arn = api.Ok("/CreateGroup", {{"GroupName", "b"}})["Group"]["GroupARN"];

  ExpectInvalid(api.Post("/CreateGroup", "{"), "JSON");
  ExpectInvalid(api.Post("/CreateGroup", "[]"), "object");
  ExpectInvalid(api.Post("/CreateGroup", "{}"), "GroupName");
  ExpectInvalid(api.Post("/CreateGroup", R"({"GroupName":7})"), "GroupName");
  ExpectInvalid(api.Post("/CreateGroup", R"({"GroupName":"a"})"), "already exists");
  ExpectInvalid(api.Post("/CreateGroup", R"({"GroupName":"123456789012345678901234567890123"})"),
                "GroupName");
  // The filter parser's message names the offending token.
  ExpectInvalid(
      api.Post("/CreateGroup", R"({"GroupName":"f","FilterExpression":"responsetime >"})"),
      "FilterExpression");
  HttpResponse bad_token =
      api.Post("/CreateGroup", R"({"GroupName":"f","FilterExpression":"nosuchkeyword = 1"})");
  ExpectInvalid(bad_token, "nosuchkeyword");
  ExpectInvalid(
      api.Post("/CreateGroup",
               R"({"GroupName":"f","InsightsConfiguration":{"NotificationsEnabled":true}})"),
      "Notifications may only be enabled");
  ExpectInvalid(api.Post("/CreateGroup", R"({"GroupName":"f","InsightsConfiguration":5})"),
                "InsightsConfiguration");
  ExpectInvalid(
      api.Post("/CreateGroup", R"({"GroupName":"f","Tags":[{"Key":"aws:x","Value":""}]})"), "aws:");
  ExpectInvalid(api.Post("/CreateGroup", R"({"GroupName":"f","Tags":{}})"), "Tags");

  ExpectInvalid(api.Post("/GetGroup", "{}"), "GroupName or GroupARN");
  ExpectInvalid(api.Post("/GetGroup", R"({"GroupName":"nope"})"), "not found");
  ExpectInvalid(api.Post("/GetGroup", R"({"GroupARN":"arn:aws:xray:us-east-1:0:group/x/y"})"),
                "not found");
  ExpectInvalid(api.Post("/GetGroup", json({{"GroupName", "a"}, {"GroupARN", b_arn}}).dump()),
                "different groups");
  ExpectInvalid(api.Post("/UpdateGroup", R"({"GroupName":"a","FilterExpression":"((("})"),
                "FilterExpression");
  ExpectInvalid(api.Post("/UpdateGroup", R"({"GroupName":"zzz","FilterExpression":"ok"})"),
                "not found");
  ExpectInvalid(api.Post("/DeleteGroup", R"({"GroupName":"zzz"})"), "not found");
  ExpectInvalid(api.Post("/DeleteGroup", "{}"), "GroupName or GroupARN");

  HttpRequest get;
  get.method = "GET";
  get.target = "/Groups";
  EXPECT_EQ(api.router.Handle(get).status, 405);
}

TEST(XrayApiGroupsTest, TwentySixthGroupIsRefused) {
  StateApiFixture api;
  for (int i = 0; i < 25; ++i) {
    api.Ok("/CreateGroup", {{"GroupName", "g" + std::to_string(i)}});
  }
  ExpectInvalid(api.Post("/CreateGroup", R"({"GroupName":"late"})"), "limit");
}

TEST(XrayApiGroupsTest, EmptyBodyIsAnEmptyObject) {
  StateApiFixture api;
  json groups = api.Ok("/Groups", json::object())["Groups"];
  HttpResponse empty = api.Post("/Groups", "");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(json::parse(empty.body)["Groups"], groups);
}

}  // namespace
}  // namespace xrayd::daemon
