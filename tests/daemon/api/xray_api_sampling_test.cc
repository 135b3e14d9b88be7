// Sampling operations through the router (docs/api.md#sampling-operations, docs/sampling.md): rule
// CRUD wire shapes, the Default rule, targets and statistics summaries, and every error shape.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "tests/daemon/api/state_api_support.h"

namespace xrayd::daemon {
namespace {

using nlohmann::json;

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json Rule(const std::string& name, int priority) {
  return {{"RuleName", name},      {"ResourceARN", "*"}, {"Priority", priority},
          {"FixedRate", 0.25},     {"ReservoirSize", 4}, {"ServiceName", "api-*"},
          {"ServiceType", "*"},    {"Host", "*"},        {"HTTPMethod", "GET"},
          {"URLPath", "/users/*"}, {"Version", 1}};
}

void ExpectError(const HttpResponse& response, const std::string& type,
                 const std::string& message_part) {
  EXPECT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(ErrorType(response), type) << response.body;
  EXPECT_NE(ErrorMessage(response).find(message_part), std::string::npos) << response.body;
}

void ExpectInvalid(const HttpResponse& response, const std::string& message_part) {
  ExpectError(response, "InvalidRequestException", message_part);
}

TEST(XrayApiSamplingTest, DefaultRuleOnAFreshStore) {
  StateApiFixture api;
  json records = api.Ok("/GetSamplingRules", json::object())["SamplingRuleRecords"];
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["SamplingRule"],
            json({{"RuleName", "Default"},
                  {"RuleARN", "arn:aws:xray:us-east-1:000000000000:sampling-rule/Default"},
                  {"ResourceARN", "*"},
                  {"Priority", 10000},
                  {"FixedRate", 0.05},
                  {"ReservoirSize", 1},
                  {"ServiceName", "*"},
                  {"ServiceType", "*"},
                  {"Host", "*"},
                  {"HTTPMethod", "*"},
                  {"URLPath", "*"},
                  {"Version", 1},
                  {"Attributes", json::object()}}));
  EXPECT_EQ(records[0]["CreatedAt"], 0);
  // The SDK's exact poll body is "{}"; an empty body is accepted too.
  EXPECT_EQ(api.Post("/GetSamplingRules", "").status, 200);
}

TEST(XrayApiSamplingTest, CreateUpdateDeleteRule) {
  StateApiFixture api;
  const double before = Now();
  json rule = Rule("users", 10);
  rule["Attributes"] = {{"tier", "gold"}};
  rule["SamplingRateBoost"] = {{"MaxRate", 0.5}, {"CooldownWindowMinutes", 2}};
  json created = api.Ok("/CreateSamplingRule",
                        {{"SamplingRule", rule}, {"Tags", {{{"Key", "k"}, {"Value", "v"}}}}});
  const json& record = created["SamplingRuleRecord"];
  EXPECT_EQ(record["SamplingRule"]["RuleARN"],
            "arn:aws:xray:us-east-1:000000000000:sampling-rule/users");
  EXPECT_EQ(record["SamplingRule"]["Attributes"], json({{"tier", "gold"}}));
  EXPECT_EQ(record["SamplingRule"]["SamplingRateBoost"]["CooldownWindowMinutes"], 2);
  EXPECT_EQ(record["SamplingRule"]["URLPath"], "/users/*");
  EXPECT_GE(record["CreatedAt"].get<double>(), before - 1);
  EXPECT_EQ(record["CreatedAt"], record["ModifiedAt"]);

  json records = api.Ok("/GetSamplingRules", json::object())["SamplingRuleRecords"];
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["SamplingRule"]["RuleName"], "users") << "priority order";

  json updated =
      api.Ok("/UpdateSamplingRule",
             {{"SamplingRuleUpdate",
               {{"RuleName", "users"}, {"FixedRate", 0.75}, {"Attributes", json::object()}}}});
  EXPECT_EQ(updated["SamplingRuleRecord"]["SamplingRule"]["FixedRate"], 0.75);
  EXPECT_EQ(updated["SamplingRuleRecord"]["SamplingRule"]["Attributes"], json::object());
  EXPECT_EQ(updated["SamplingRuleRecord"]["SamplingRule"]["HTTPMethod"], "GET");
  json by_arn = api.Ok("/UpdateSamplingRule",
                       {{"SamplingRuleUpdate",
                         {{"RuleARN", "arn:aws:xray:us-east-1:000000000000:sampling-rule/users"},
                          {"Priority", 3}}}});
  EXPECT_EQ(by_arn["SamplingRuleRecord"]["SamplingRule"]["Priority"], 3);

  json deleted = api.Ok("/DeleteSamplingRule", {{"RuleName", "users"}});
  EXPECT_EQ(deleted["SamplingRuleRecord"]["SamplingRule"]["RuleName"], "users");
  EXPECT_EQ(api.Ok("/GetSamplingRules", json::object())["SamplingRuleRecords"].size(), 1u);
  ExpectInvalid(api.Post("/DeleteSamplingRule", R"({"RuleName":"users"})"), "not found");
}

TEST(XrayApiSamplingTest, DefaultRuleRatesCanChangeNothingElse) {
  StateApiFixture api;
  json updated = api.Ok("/UpdateSamplingRule",
                        {{"SamplingRuleUpdate",
                          {{"RuleName", "Default"}, {"FixedRate", 0.1}, {"ReservoirSize", 3}}}});
  EXPECT_EQ(updated["SamplingRuleRecord"]["SamplingRule"]["FixedRate"], 0.1);
  EXPECT_EQ(updated["SamplingRuleRecord"]["SamplingRule"]["ReservoirSize"], 3);
  ExpectInvalid(api.Post("/UpdateSamplingRule",
                         R"({"SamplingRuleUpdate":{"RuleName":"Default","URLPath":"/x"}})"),
                "URLPath");
  ExpectInvalid(api.Post("/DeleteSamplingRule", R"({"RuleName":"Default"})"), "Default");
}

TEST(XrayApiSamplingTest, RuleErrorShapes) {
  StateApiFixture api;
  api.Ok("/CreateSamplingRule", {{"SamplingRule", Rule("dup", 1)}});
  ExpectInvalid(api.Post("/CreateSamplingRule", "{}"), "SamplingRule");
  ExpectInvalid(api.Post("/CreateSamplingRule", json({{"SamplingRule", Rule("dup", 1)}}).dump()),
                "already exists");
  struct Case {
    const char* member;
    json value;  // null: remove the member
    const char* expect;
  };
  for (const Case& c :
       std::vector<Case>{{"Priority", 0, "Priority"},
                         {"Priority", 10000, "Priority"},
                         {"Priority", "high", "Priority"},
                         {"FixedRate", 2, "FixedRate"},
                         {"ReservoirSize", -1, "ReservoirSize"},
                         {"Version", 2, "Version"},
                         {"HTTPMethod", "GETGETGETGET", "HTTPMethod"},
                         {"ServiceName", nullptr, "ServiceName"},
                         {"URLPath", nullptr, "URLPath"},
                         {"RuleName", nullptr, "RuleName"},
                         {"RuleARN", "arn:aws:xray:x:y:sampling-rule/other", "RuleARN"},
                         {"Attributes", {{"k", 1}}, "Attributes"}}) {
    json rule = Rule("new", 5);
    if (c.value.is_null()) {
      rule.erase(c.member);
    } else {
      rule[c.member] = c.value;
    }
    ExpectInvalid(api.Post("/CreateSamplingRule", json({{"SamplingRule", rule}}).dump()), c.expect);
  }
  ExpectInvalid(api.Post("/UpdateSamplingRule", "{}"), "SamplingRuleUpdate");
  ExpectInvalid(api.Post("/UpdateSamplingRule", R"({"SamplingRuleUpdate":{"FixedRate":1}})"),
                "RuleName or RuleARN");
  ExpectInvalid(
      api.Post("/UpdateSamplingRule",
               R"({"SamplingRuleUpdate":{"RuleName":"dup","RuleARN":"x","FixedRate":1}})"),
      "not both");
  ExpectInvalid(api.Post("/UpdateSamplingRule",
                         R"({"SamplingRuleUpdate":{"RuleName":"nope","FixedRate":1}})"),
                "not found");
  ExpectInvalid(api.Post("/UpdateSamplingRule",
                         R"({"SamplingRuleUpdate":{"RuleName":"dup","FixedRate":1.5}})"),
                "FixedRate");
  ExpectInvalid(api.Post("/DeleteSamplingRule", "{}"), "RuleName or RuleARN");
  ExpectInvalid(api.Post("/DeleteSamplingRule", R"({"RuleName":"dup","RuleARN":"x"})"), "not both");
  ExpectInvalid(api.Post("/GetSamplingRules", R"({"NextToken":"abc"})"), "NextToken");
}

TEST(XrayApiSamplingTest, TwentySixthRuleIsRuleLimitExceeded) {
  StateApiFixture api;
  for (int i = 0; i < 25; ++i) {
    api.Ok("/CreateSamplingRule", {{"SamplingRule", Rule("r" + std::to_string(i), 1)}});
  }
  ExpectError(api.Post("/CreateSamplingRule", json({{"SamplingRule", Rule("late", 1)}}).dump()),
              "RuleLimitExceededException", "limit");
}

TEST(XrayApiSamplingTest, TargetsShareTheReservoirAndSummariesSumIt) {
  StateApiFixture api;
  api.Ok("/CreateSamplingRule", {{"SamplingRule", Rule("users", 10)}});  // ReservoirSize 4
  const double now = Now();
  const std::int64_t ts = static_cast<std::int64_t>(now);
  auto report = [&](const std::string& client) {
    return api.Ok("/SamplingTargets", {{"SamplingStatisticsDocuments",
                                        {{{"RuleName", "users"},
                                          {"ClientID", client},
                                          {"Timestamp", ts},
                                          {"RequestCount", 10},
                                          {"SampledCount", 3},
                                          {"BorrowCount", 1}}}}});
  };
  json first = report("aaaaaaaaaaaaaaaaaaaaaaaa");
  ASSERT_EQ(first["SamplingTargetDocuments"].size(), 1u);
  const json& target = first["SamplingTargetDocuments"][0];
  EXPECT_EQ(target["RuleName"], "users");
  EXPECT_EQ(target["FixedRate"], 0.25);
  EXPECT_EQ(target["ReservoirQuota"], 4);
  EXPECT_EQ(target["Interval"], 10);
  EXPECT_NEAR(target["ReservoirQuotaTTL"].get<double>(), now + 300, 5);
  EXPECT_TRUE(first["LastRuleModification"].is_number());
  EXPECT_GE(first["LastRuleModification"].get<double>(), now - 5);
  EXPECT_EQ(first["UnprocessedStatistics"], json::array());
  EXPECT_EQ(first["UnprocessedBoostStatistics"], json::array());

  json second = report("bbbbbbbbbbbbbbbbbbbbbbbb");
  EXPECT_EQ(second["SamplingTargetDocuments"][0]["ReservoirQuota"], 2) << "4 over two clients";

  json summaries = api.Ok("/SamplingStatisticSummaries", json::object());
  ASSERT_EQ(summaries["SamplingStatisticSummaries"].size(), 1u);
  const json& s = summaries["SamplingStatisticSummaries"][0];
  EXPECT_EQ(s["RuleName"], "users");
  EXPECT_EQ(s["RequestCount"], 20);
  EXPECT_EQ(s["SampledCount"], 6);
  EXPECT_EQ(s["BorrowCount"], 2);
  EXPECT_EQ(s["Timestamp"].get<double>(), static_cast<double>(ts - ts % 10));
}

TEST(XrayApiSamplingTest, UnknownAndStaleStatisticsAreUnprocessed) {
  StateApiFixture api;
  const auto ts = static_cast<std::int64_t>(Now());
  json out = api.Ok("/SamplingTargets", {{"SamplingStatisticsDocuments",
                                          {{{"RuleName", "ghost"},
                                            {"ClientID", "0123456789abcdef01234567"},
                                            {"Timestamp", ts},
                                            {"RequestCount", 1},
                                            {"SampledCount", 0}},
                                           {{"RuleName", "Default"},
                                            {"ClientID", "0123456789abcdef01234567"},
                                            {"Timestamp", ts - 1000},
                                            {"RequestCount", 1},
                                            {"SampledCount", 0}}}}});
  EXPECT_EQ(out["SamplingTargetDocuments"], json::array());
  EXPECT_EQ(out["UnprocessedStatistics"],
            json({{{"RuleName", "ghost"}, {"ErrorCode", "400"}, {"Message", "Unknown rule"}},
                  {{"RuleName", "Default"},
                   {"ErrorCode", "400"},
                   {"Message", "Statistics document too old"}}}));
  EXPECT_EQ(out["LastRuleModification"], 0);
}

TEST(XrayApiSamplingTest, TargetsAcceptIsoTimestampsAndBoostDocuments) {
  StateApiFixture api;
  json out = api.Ok("/SamplingTargets", {{"SamplingStatisticsDocuments",
                                          {{{"RuleName", "Default"},
                                            {"ClientID", "0123456789abcdef01234567"},
                                            {"Timestamp", "2099-01-01T00:00:00Z"},
                                            {"RequestCount", 1},
                                            {"SampledCount", 1}}}},
                                         {"SamplingBoostStatisticsDocuments", json::array()}});
  EXPECT_EQ(out["SamplingTargetDocuments"].size(), 1u);
}

TEST(XrayApiSamplingTest, TargetErrorShapes) {
  StateApiFixture api;
  ExpectInvalid(api.Post("/SamplingTargets", "{}"), "SamplingStatisticsDocuments");
  ExpectInvalid(api.Post("/SamplingTargets", R"({"SamplingStatisticsDocuments":{}})"),
                "SamplingStatisticsDocuments");
  json doc = {{"RuleName", "Default"},
              {"ClientID", "0123456789abcdef01234567"},
              {"Timestamp", 1},
              {"RequestCount", 1},
              {"SampledCount", 1}};
  json many = json::array();
  for (int i = 0; i < 26; ++i) {
    many.push_back(doc);
  }
  ExpectInvalid(api.Post("/SamplingTargets", json({{"SamplingStatisticsDocuments", many}}).dump()),
                "25");
  struct Case {
    const char* member;
    json value;
    const char* expect;
  };
  for (const Case& c : std::vector<Case>{{"ClientID", "short", "ClientID"},
                                         {"ClientID", "zzzzzzzzzzzzzzzzzzzzzzzz", "ClientID"},
                                         {"ClientID", nullptr, "ClientID"},
                                         {"RuleName", nullptr, "RuleName"},
                                         {"RuleName", "", "RuleName"},
                                         {"Timestamp", nullptr, "Timestamp"},
                                         {"Timestamp", "yesterday", "Timestamp"},
                                         {"RequestCount", nullptr, "RequestCount"},
                                         {"RequestCount", -1, "RequestCount"},
                                         {"SampledCount", nullptr, "SampledCount"},
                                         {"BorrowCount", -2, "BorrowCount"}}) {
    json bad = doc;
    if (c.value.is_null()) {
      bad.erase(c.member);
    } else {
      bad[c.member] = c.value;
    }
    ExpectInvalid(
        api.Post("/SamplingTargets", json({{"SamplingStatisticsDocuments", {bad}}}).dump()),
        c.expect);
  }
  ExpectInvalid(api.Post("/SamplingStatisticSummaries", R"({"NextToken":"x"})"), "NextToken");
}

}  // namespace
}  // namespace xrayd::daemon
