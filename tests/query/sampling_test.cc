// Sampling rules (docs/sampling.md): validation, Default-rule restrictions, wildcard and rule
// matching, and the target computation (shared reservoir quotas, client expiry, windows,
// unprocessed docs).
#include "query/sampling.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace xrayd::query {
namespace {

using storage::SamplingRule;

SamplingRule Custom(std::string name, std::int64_t priority, std::int64_t reservoir = 10,
                    double rate = 0.1) {
  SamplingRule rule;
  rule.rule_name = std::move(name);
  rule.priority = priority;
  rule.reservoir_size = reservoir;
  rule.fixed_rate = rate;
  return rule;
}

std::string Client(char c) {
  return std::string(24, c);
}

TEST(SamplingTest, DefaultRuleIsTheDocumentedOne) {
  const SamplingRule rule = DefaultSamplingRule();
  EXPECT_EQ(rule.rule_name, "Default");
  EXPECT_EQ(rule.priority, 10000);
  EXPECT_DOUBLE_EQ(rule.fixed_rate, 0.05);
  EXPECT_EQ(rule.reservoir_size, 1);
  EXPECT_EQ(rule.resource_arn, "*");
  EXPECT_EQ(rule.service_name, "*");
  EXPECT_EQ(rule.url_path, "*");
  EXPECT_EQ(rule.version, 1);
  EXPECT_TRUE(rule.attributes.empty());
  EXPECT_TRUE(ValidateSamplingRule(rule, /*is_default=*/true).has_value());
  EXPECT_FALSE(ValidateSamplingRule(rule).has_value()) << "10000 is outside 1-9999 for custom";
}

TEST(SamplingTest, ValidationNamesTheBadMember) {
  struct Case {
    const char* expect;
    void (*mutate)(SamplingRule&);
  };
  const std::vector<Case> cases = {
      {"RuleName", [](SamplingRule& r) { r.rule_name = ""; }},
      {"RuleName", [](SamplingRule& r) { r.rule_name = std::string(33, 'a'); }},
      {"RuleName", [](SamplingRule& r) { r.rule_name = "a b"; }},
      {"Priority", [](SamplingRule& r) { r.priority = 0; }},
      {"Priority", [](SamplingRule& r) { r.priority = 10000; }},
      {"FixedRate", [](SamplingRule& r) { r.fixed_rate = 1.5; }},
      {"FixedRate", [](SamplingRule& r) { r.fixed_rate = -0.1; }},
      {"ReservoirSize", [](SamplingRule& r) { r.reservoir_size = -1; }},
      {"ResourceARN", [](SamplingRule& r) { r.resource_arn = std::string(501, 'a'); }},
      {"ServiceName", [](SamplingRule& r) { r.service_name = std::string(65, 'a'); }},
      {"ServiceType", [](SamplingRule& r) { r.service_type = std::string(65, 'a'); }},
      {"Host", [](SamplingRule& r) { r.host = std::string(65, 'a'); }},
      {"HTTPMethod", [](SamplingRule& r) { r.http_method = "VERYLONGMETHOD"; }},
      {"URLPath", [](SamplingRule& r) { r.url_path = std::string(129, 'a'); }},
      {"Version", [](SamplingRule& r) { r.version = 2; }},
      {"Attributes",
       [](SamplingRule& r) {
         for (int i = 0; i < 6; ++i)
           r.attributes["k" + std::to_string(i)] = "v";
       }},
      {"Attributes", [](SamplingRule& r) { r.attributes["k"] = ""; }},
      {"MaxRate",
       [](SamplingRule& r) {
         r.sampling_rate_boost = storage::SamplingRateBoost{2, 1};
       }},
      {"CooldownWindowMinutes",
       [](SamplingRule& r) {
         r.sampling_rate_boost = storage::SamplingRateBoost{0.5, -1};
       }},
  };
  ASSERT_TRUE(ValidateSamplingRule(Custom("ok", 1)).has_value());
  for (const Case& c : cases) {
    SamplingRule rule = Custom("ok", 1);
    c.mutate(rule);
    auto status = ValidateSamplingRule(rule);
    ASSERT_FALSE(status.has_value()) << c.expect;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(status.error().message.find(c.expect), std::string::npos) << status.error().message;
  }
}

TEST(SamplingTest, UpdateKeepsUnsetMembersAndValidates) {
  SamplingRule rule = Custom("api", 5);
  rule.service_name = "api-*";
  SamplingRuleUpdate update;
  update.fixed_rate = 0.5;
  update.host = "example.com";
  auto next = ApplySamplingRuleUpdate(rule, update);
  ASSERT_TRUE(next.has_value()) << next.error().message;
  EXPECT_DOUBLE_EQ(next->fixed_rate, 0.5);
  EXPECT_EQ(next->host, "example.com");
  EXPECT_EQ(next->service_name, "api-*");
  EXPECT_EQ(next->priority, 5);

  update.priority = 0;
  EXPECT_FALSE(ApplySamplingRuleUpdate(rule, update).has_value());
}

TEST(SamplingTest, DefaultRuleOnlyChangesRateAndReservoir) {
  const SamplingRule def = DefaultSamplingRule();
  SamplingRuleUpdate rates;
  rates.fixed_rate = 0.2;
  rates.reservoir_size = 7;
  rates.service_name = "*";  // Restating an unchanged member is fine.
  auto next = ApplySamplingRuleUpdate(def, rates);
  ASSERT_TRUE(next.has_value()) << next.error().message;
  EXPECT_DOUBLE_EQ(next->fixed_rate, 0.2);
  EXPECT_EQ(next->reservoir_size, 7);
  EXPECT_EQ(next->priority, 10000);

  SamplingRuleUpdate path;
  path.url_path = "/api/*";
  auto refused = ApplySamplingRuleUpdate(def, path);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("URLPath"), std::string::npos);
  SamplingRuleUpdate priority;
  priority.priority = 5;
  EXPECT_FALSE(ApplySamplingRuleUpdate(def, priority).has_value());
  SamplingRuleUpdate boost;
  boost.sampling_rate_boost = storage::SamplingRateBoost{0.5, 1};
  EXPECT_FALSE(ApplySamplingRuleUpdate(def, boost).has_value());
}

TEST(SamplingTest, WildcardMatch) {
  struct Case {
    const char* pattern;
    const char* text;
    bool match;
  };
  for (const Case& c : std::vector<Case>{
           {"*", "", true},
           {"*", "anything", true},
           {"", "", true},
           {"", "a", false},
           {"abc", "abc", true},
           {"abc", "ABC", true},  // case-insensitive
           {"abc", "abcd", false},
           {"a?c", "abc", true},
           {"a?c", "ac", false},
           {"/api/*", "/api/users/1", true},
           {"/api/*", "/apx/users", false},
           {"*.example.com", "www.example.com", true},
           {"*.example.com", "example.com", false},
           {"a*b*c", "aXXbYYc", true},
           {"a*b*c", "aXXbYY", false},
           {"*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            false},
           {"??", "a", false},
           {"*?", "a", true},
       }) {
    EXPECT_EQ(WildcardMatch(c.pattern, c.text), c.match) << c.pattern << " vs " << c.text;
  }
}

TEST(SamplingTest, MatchingUsesPriorityThenName) {
  std::vector<SamplingRule> rules = {DefaultSamplingRule(), Custom("zeta", 10), Custom("alpha", 10),
                                     Custom("first", 1)};
  rules[3].url_path = "/health";
  SamplingRequest request{.service_name = "svc",
                          .service_type = "AWS::EC2::Instance",
                          .host = "h",
                          .http_method = "GET",
                          .url_path = "/users"};
  auto index = MatchSamplingRule(rules, request);
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(rules[*index].rule_name, "alpha") << "equal priority: name order";
  request.url_path = "/health";
  EXPECT_EQ(rules[*MatchSamplingRule(rules, request)].rule_name, "first");
}

TEST(SamplingTest, EveryMemberMustMatchAndDefaultCatchesTheRest) {
  SamplingRule rule = Custom("r", 1);
  rule.service_name = "orders";
  rule.service_type = "AWS::ECS::*";
  rule.host = "*.internal";
  rule.http_method = "POST";
  rule.url_path = "/orders/*";
  rule.resource_arn = "arn:aws:ecs:*";
  rule.attributes = {{"tier", "gold"}};
  SamplingRequest ok{.service_name = "orders",
                     .service_type = "AWS::ECS::Container",
                     .host = "a.internal",
                     .http_method = "post",
                     .url_path = "/orders/7",
                     .resource_arn = "arn:aws:ecs:us-east-1:1:task/x",
                     .attributes = {{"tier", "gold"}, {"other", "x"}}};
  EXPECT_TRUE(RuleMatches(rule, ok));
  auto without = [&](auto mutate) {
    SamplingRequest r = ok;
    mutate(r);
    return RuleMatches(rule, r);
  };
  EXPECT_FALSE(without([](SamplingRequest& r) { r.service_name = "billing"; }));
  EXPECT_FALSE(without([](SamplingRequest& r) { r.service_type = "AWS::EC2::Instance"; }));
  EXPECT_FALSE(without([](SamplingRequest& r) { r.host = "a.public"; }));
  EXPECT_FALSE(without([](SamplingRequest& r) { r.http_method = "GET"; }));
  EXPECT_FALSE(without([](SamplingRequest& r) { r.url_path = "/users"; }));
  EXPECT_FALSE(without([](SamplingRequest& r) { r.resource_arn = "arn:aws:lambda:x"; }));
  EXPECT_FALSE(without([](SamplingRequest& r) { r.attributes.erase("tier"); }));
  EXPECT_FALSE(without([](SamplingRequest& r) { r.attributes["tier"] = "silver"; }));

  std::vector<SamplingRule> rules = {rule, DefaultSamplingRule()};
  SamplingRequest other = ok;
  other.service_name = "billing";
  EXPECT_EQ(rules[*MatchSamplingRule(rules, other)].rule_name, "Default");
  EXPECT_FALSE(MatchSamplingRule(std::vector<SamplingRule>{rule}, other).has_value());
}

TEST(SamplingTest, ReservoirIsSharedAcrossActiveClientsInClientIdOrder) {
  SamplingTargetState state;
  const std::vector<SamplingRule> rules = {Custom("r", 1, /*reservoir=*/10, 0.25),
                                           DefaultSamplingRule()};
  const double now = 1'700'000'000;
  auto report = [&](const std::string& client, double at) {
    std::vector<SamplingStatistics> docs = {{"r", client, at, 5, 2, 1}};
    auto result = state.Report(rules, docs, at);
    EXPECT_TRUE(result.unprocessed.empty());
    EXPECT_EQ(result.targets.size(), 1u);
    return result.targets.at(0);
  };
  SamplingTarget a = report(Client('a'), now);
  EXPECT_EQ(a.rule_name, "r");
  EXPECT_EQ(a.reservoir_quota, 10) << "alone: the whole reservoir";
  EXPECT_DOUBLE_EQ(a.fixed_rate, 0.25);
  EXPECT_DOUBLE_EQ(a.reservoir_quota_ttl, now + 300);
  EXPECT_EQ(a.interval, 10);

  SamplingTarget b = report(Client('b'), now + 1);
  SamplingTarget c = report(Client('c'), now + 2);
  EXPECT_EQ(c.reservoir_quota, 3) << "10 over 3 clients: a=4, b=3, c=3";
  EXPECT_EQ(b.reservoir_quota, 5) << "b saw two clients when it reported";
  a = report(Client('a'), now + 3);
  EXPECT_EQ(a.reservoir_quota, 4);
  EXPECT_EQ(state.ActiveClients("r", now + 3), 3u);

  // b and c stop reporting: after 60 s a is alone again.
  a = report(Client('a'), now + 62.5);
  EXPECT_EQ(a.reservoir_quota, 10);
  EXPECT_EQ(state.ActiveClients("r", now + 62.5), 1u);
}

TEST(SamplingTest, ZeroReservoirGivesZeroQuota) {
  SamplingTargetState state;
  const std::vector<SamplingRule> rules = {Custom("r", 1, /*reservoir=*/0)};
  std::vector<SamplingStatistics> docs = {{"r", Client('a'), 100, 1, 0, 0}};
  auto result = state.Report(rules, docs, 100);
  ASSERT_EQ(result.targets.size(), 1u);
  EXPECT_EQ(result.targets[0].reservoir_quota, 0);
}

TEST(SamplingTest, UnknownAndStaleDocumentsAreUnprocessed) {
  SamplingTargetState state;
  const std::vector<SamplingRule> rules = {DefaultSamplingRule()};
  const double now = 5000;
  std::vector<SamplingStatistics> docs = {{"nope", Client('a'), now, 1, 1, 0},
                                          {"Default", Client('a'), now - 301, 1, 1, 0},
                                          {"Default", Client('a'), now - 5, 3, 1, 1}};
  auto result = state.Report(rules, docs, now);
  ASSERT_EQ(result.unprocessed.size(), 2u);
  EXPECT_EQ(result.unprocessed[0].rule_name, "nope");
  EXPECT_EQ(result.unprocessed[0].error_code, "400");
  EXPECT_EQ(result.unprocessed[0].message, "Unknown rule");
  EXPECT_EQ(result.unprocessed[1].message, "Statistics document too old");
  ASSERT_EQ(result.targets.size(), 1u);
  EXPECT_EQ(result.targets[0].rule_name, "Default");
  EXPECT_EQ(result.targets[0].reservoir_quota, 1);
}

TEST(SamplingTest, SummariesSumTheLatestWindowAcrossClients) {
  SamplingTargetState state;
  const std::vector<SamplingRule> rules = {Custom("r", 1), DefaultSamplingRule()};
  EXPECT_TRUE(state.Summaries(rules).empty()) << "no statistics, no summaries";
  std::vector<SamplingStatistics> first = {{"r", Client('a'), 1003, 10, 4, 1},
                                           {"r", Client('b'), 1009, 5, 1, 0}};
  state.Report(rules, first, 1010);
  auto summaries = state.Summaries(rules);
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].rule_name, "r");
  EXPECT_DOUBLE_EQ(summaries[0].timestamp, 1000);
  EXPECT_EQ(summaries[0].request_count, 15);
  EXPECT_EQ(summaries[0].sampled_count, 5);
  EXPECT_EQ(summaries[0].borrow_count, 1);

  std::vector<SamplingStatistics> next = {{"r", Client('a'), 1012, 2, 2, 0},
                                          {"r", Client('b'), 1008, 100, 100, 100}};  // late
  state.Report(rules, next, 1013);
  summaries = state.Summaries(rules);
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_DOUBLE_EQ(summaries[0].timestamp, 1010);
  EXPECT_EQ(summaries[0].request_count, 2) << "a late document does not reopen an old window";
}

TEST(SamplingTest, DeletedRulesLoseTheirState) {
  SamplingTargetState state;
  std::vector<SamplingRule> rules = {Custom("r", 1), DefaultSamplingRule()};
  std::vector<SamplingStatistics> docs = {{"r", Client('a'), 100, 1, 1, 0}};
  state.Report(rules, docs, 100);
  rules.erase(rules.begin());
  auto result = state.Report(rules, docs, 101);
  ASSERT_EQ(result.unprocessed.size(), 1u);
  EXPECT_EQ(result.unprocessed[0].message, "Unknown rule");
  EXPECT_EQ(state.ActiveClients("r", 101), 0u);
}

}  // namespace
}  // namespace xrayd::query
