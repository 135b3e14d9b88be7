// StateStore (state.db): group and sampling-rule CRUD, identity rules, limits, persistence across
// reopen, ids never reused, read-only opens.
#include "storage/state_store.h"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace xrayd::storage {
namespace {

std::string TempPath(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "state_store_test_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir + "/state.db";
}

std::unique_ptr<StateStore> OpenOrDie(const std::string& path, StateStoreOptions options = {}) {
  auto store = StateStore::Open(path, std::move(options));
  EXPECT_TRUE(store.has_value()) << store.error().message;
  return store ? std::move(*store) : nullptr;
}

SamplingRule Rule(std::string name, std::int64_t priority) {
  SamplingRule rule;
  rule.rule_name = std::move(name);
  rule.priority = priority;
  rule.fixed_rate = 0.1;
  rule.reservoir_size = 2;
  return rule;
}

TEST(StateStoreTest, FreshStoreHasDefaultGroupAndRule) {
  auto store = OpenOrDie(":memory:");
  auto groups = store->ListGroups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_TRUE(groups[0].is_default);
  EXPECT_EQ(groups[0].id, 0);
  EXPECT_EQ(groups[0].name, "Default");
  EXPECT_EQ(groups[0].arn, "arn:aws:xray:us-east-1:000000000000:group/Default");
  EXPECT_FALSE(groups[0].filter_expression.has_value());

  auto rules = store->ListSamplingRules();
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].rule.rule_name, "Default");
  EXPECT_EQ(rules[0].rule.priority, 10000);
  EXPECT_DOUBLE_EQ(rules[0].rule.fixed_rate, 0.05);
  EXPECT_EQ(rules[0].rule.reservoir_size, 1);
  EXPECT_DOUBLE_EQ(rules[0].created_at, 0);
  EXPECT_EQ(rules[0].arn, "arn:aws:xray:us-east-1:000000000000:sampling-rule/Default");
  EXPECT_DOUBLE_EQ(store->LastRuleModification(), 0);
}

TEST(StateStoreTest, GroupCrud) {
  auto store = OpenOrDie(":memory:", StateStoreOptions{.region = "eu-west-1", .account = "123"});
  auto created = store->CreateGroup(
      NewGroup{"errors", "fault = true", InsightsConfiguration{true, false}, {{"team", "a"}}}, 100);
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_GT(created->id, 0);
  EXPECT_EQ(created->filter_expression, "fault = true");
  EXPECT_TRUE(created->insights.insights_enabled);
  EXPECT_DOUBLE_EQ(created->created_at, 100);
  EXPECT_DOUBLE_EQ(created->updated_at, 100);
  EXPECT_EQ(created->filter_version, 1);
  ASSERT_EQ(created->tags.size(), 1u);
  const std::string prefix = "arn:aws:xray:eu-west-1:123:group/errors/";
  ASSERT_EQ(created->arn.rfind(prefix, 0), 0u) << created->arn;
  const std::string uid = created->arn.substr(prefix.size());
  EXPECT_EQ(uid.size(), 52u);
  EXPECT_EQ(uid.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);

  auto by_arn = store->FindGroup(ResourceRef{std::nullopt, created->arn});
  ASSERT_TRUE(by_arn.has_value());
  EXPECT_EQ(by_arn->name, "errors");
  auto both = store->FindGroup(ResourceRef{"errors", created->arn});
  ASSERT_TRUE(both.has_value());

  // Insights-only update keeps the filter version and its effective time.
  auto insights = store->UpdateGroup(ResourceRef{"errors", std::nullopt},
                                     GroupUpdate{std::nullopt, InsightsConfiguration{}}, 200);
  ASSERT_TRUE(insights.has_value());
  EXPECT_FALSE(insights->insights.insights_enabled);
  EXPECT_DOUBLE_EQ(insights->updated_at, 100);
  EXPECT_EQ(insights->filter_version, 1);
  EXPECT_EQ(insights->arn, created->arn) << "the ARN is fixed at creation";

  auto filter = store->UpdateGroup(ResourceRef{"errors", std::nullopt},
                                   GroupUpdate{"error = true", std::nullopt}, 300);
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(filter->filter_expression, "error = true");
  EXPECT_DOUBLE_EQ(filter->updated_at, 300);
  EXPECT_EQ(filter->filter_version, 2);

  auto cleared =
      store->UpdateGroup(ResourceRef{"errors", std::nullopt}, GroupUpdate{"", std::nullopt}, 400);
  ASSERT_TRUE(cleared.has_value());
  EXPECT_FALSE(cleared->filter_expression.has_value());
  EXPECT_EQ(cleared->filter_version, 3);

  ASSERT_TRUE(store->DeleteGroup(ResourceRef{"errors", std::nullopt}).has_value());
  auto gone = store->FindGroup(ResourceRef{"errors", std::nullopt});
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->ListGroups().size(), 1u);
}

TEST(StateStoreTest, GroupIdentityErrors) {
  auto store = OpenOrDie(":memory:");
  ASSERT_TRUE(store->CreateGroup(NewGroup{"a", std::nullopt, {}, {}}, 1).has_value());
  auto b = store->CreateGroup(NewGroup{"b", std::nullopt, {}, {}}, 1);
  ASSERT_TRUE(b.has_value());

  EXPECT_EQ(store->CreateGroup(NewGroup{"a", std::nullopt, {}, {}}, 2).error().code,
            ErrorCode::kInvalidArgument)
      << "duplicate";
  EXPECT_TRUE(store->CreateGroup(NewGroup{"A", std::nullopt, {}, {}}, 2).has_value())
      << "names are case-sensitive";
  for (const std::string& bad :
       std::vector<std::string>{"Default", "", std::string(33, 'x'), "has space", "a/b"}) {
    auto r = store->CreateGroup(NewGroup{bad, std::nullopt, {}, {}}, 2);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(store->FindGroup(ResourceRef{"a", b->arn}).error().code, ErrorCode::kInvalidArgument)
      << "name and ARN of different groups";
  EXPECT_EQ(store->FindGroup(ResourceRef{}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->FindGroup(ResourceRef{std::nullopt, "arn:nope"}).error().code,
            ErrorCode::kNotFound);
  EXPECT_TRUE(store->FindGroup(ResourceRef{"Default", std::nullopt}).has_value());
  EXPECT_EQ(store->UpdateGroup(ResourceRef{"Default", std::nullopt}, GroupUpdate{"ok", {}}, 3)
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->DeleteGroup(ResourceRef{"Default", std::nullopt}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->DeleteGroup(ResourceRef{"zzz", std::nullopt}).error().code,
            ErrorCode::kNotFound);
}

TEST(StateStoreTest, GroupLimitIsTwentyFive) {
  auto store = OpenOrDie(":memory:");
  for (std::size_t i = 0; i < kMaxGroups; ++i) {
    ASSERT_TRUE(store->CreateGroup(NewGroup{"g" + std::to_string(i), {}, {}, {}}, 1).has_value());
  }
  auto over = store->CreateGroup(NewGroup{"one-too-many", {}, {}, {}}, 1);
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().code, ErrorCode::kResourceExhausted);
  ASSERT_TRUE(store->DeleteGroup(ResourceRef{"g0", std::nullopt}).has_value());
  EXPECT_TRUE(store->CreateGroup(NewGroup{"one-too-many", {}, {}, {}}, 1).has_value());
}

TEST(StateStoreTest, PersistsAcrossReopenAndNeverReusesIds) {
  const std::string path = TempPath("persist");
  std::int64_t deleted_id = 0;
  std::string kept_arn;
  {
    auto store = OpenOrDie(path);
    auto first = store->CreateGroup(NewGroup{"first", "ok", {}, {}}, 10);
    auto second = store->CreateGroup(NewGroup{"second", "error", {true, true}, {}}, 11);
    ASSERT_TRUE(first && second);
    deleted_id = second->id;
    kept_arn = first->arn;
    ASSERT_TRUE(store->DeleteGroup(ResourceRef{"second", std::nullopt}).has_value());
    ASSERT_TRUE(store->CreateSamplingRule(Rule("api", 5), {{"k", "v"}}, 50).has_value());
    auto updated = store->UpdateSamplingRule(
        ResourceRef{"Default", std::nullopt},
        [](const SamplingRuleRecord& current) -> Result<SamplingRule> {
          SamplingRule next = current.rule;
          next.fixed_rate = 0.5;
          return next;
        },
        60);
    ASSERT_TRUE(updated.has_value());
  }
  auto store = OpenOrDie(path);
  auto groups = store->ListGroups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[1].name, "first");
  EXPECT_EQ(groups[1].arn, kept_arn);
  EXPECT_EQ(groups[1].filter_expression, "ok");
  EXPECT_DOUBLE_EQ(groups[1].created_at, 10);
  auto again = store->CreateGroup(NewGroup{"second", {}, {}, {}}, 12);
  ASSERT_TRUE(again.has_value());
  EXPECT_GT(again->id, deleted_id) << "AUTOINCREMENT: a deleted id is never handed out again";

  auto rules = store->ListSamplingRules();
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].rule.rule_name, "api");
  ASSERT_EQ(rules[0].tags.size(), 1u);
  EXPECT_EQ(rules[0].tags[0].key, "k");
  EXPECT_EQ(rules[1].rule.rule_name, "Default");
  EXPECT_DOUBLE_EQ(rules[1].rule.fixed_rate, 0.5);
  EXPECT_DOUBLE_EQ(rules[1].modified_at, 60);
  EXPECT_DOUBLE_EQ(store->LastRuleModification(), 60);

  // Read-only (the CLI) sees the same committed state.
  auto reader = OpenOrDie(path, StateStoreOptions{.read_only = true});
  EXPECT_EQ(reader->ListGroups().size(), 3u);
  EXPECT_FALSE(reader->CreateGroup(NewGroup{"x", {}, {}, {}}, 1).has_value());
}

TEST(StateStoreTest, ReadOnlyOpenOfMissingFileIsNotFound) {
  const std::string path = TempPath("missing");
  auto store = StateStore::Open(path, StateStoreOptions{.read_only = true});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kNotFound);
}

TEST(StateStoreTest, SamplingRuleCrud) {
  auto store = OpenOrDie(":memory:");
  SamplingRule rule = Rule("api", 5);
  rule.attributes = {{"tier", "gold"}};
  rule.sampling_rate_boost = SamplingRateBoost{0.5, 3};
  auto created = store->CreateSamplingRule(rule, {}, 100);
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_EQ(created->arn, "arn:aws:xray:us-east-1:000000000000:sampling-rule/api");
  EXPECT_DOUBLE_EQ(created->created_at, 100);
  EXPECT_EQ(created->rule.attributes.at("tier"), "gold");
  ASSERT_TRUE(created->rule.sampling_rate_boost.has_value());
  EXPECT_EQ(created->rule.sampling_rate_boost->cooldown_window_minutes, 3);
  EXPECT_DOUBLE_EQ(store->LastRuleModification(), 100);

  EXPECT_EQ(store->CreateSamplingRule(rule, {}, 101).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->CreateSamplingRule(Rule("Default", 5), {}, 101).error().code,
            ErrorCode::kInvalidArgument);

  auto by_arn = store->FindSamplingRule(ResourceRef{std::nullopt, created->arn});
  ASSERT_TRUE(by_arn.has_value());
  EXPECT_EQ(by_arn->rule.rule_name, "api");

  auto failed = store->UpdateSamplingRule(
      ResourceRef{"api", std::nullopt},
      [](const SamplingRuleRecord&) -> Result<SamplingRule> {
        return MakeError(ErrorCode::kInvalidArgument, "refused");
      },
      150);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().message, "refused");
  EXPECT_DOUBLE_EQ(store->LastRuleModification(), 100);

  auto updated = store->UpdateSamplingRule(
      ResourceRef{"api", std::nullopt},
      [](const SamplingRuleRecord& current) -> Result<SamplingRule> {
        SamplingRule next = current.rule;
        next.priority = 20000;       // The store trusts its caller to validate.
        next.rule_name = "renamed";  // Ignored: names are identities.
        next.sampling_rate_boost.reset();
        return next;
      },
      200);
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(updated->rule.rule_name, "api");
  EXPECT_EQ(updated->rule.priority, 20000);
  EXPECT_FALSE(updated->rule.sampling_rate_boost.has_value());
  EXPECT_DOUBLE_EQ(updated->created_at, 100);
  EXPECT_DOUBLE_EQ(updated->modified_at, 200);
  EXPECT_EQ(store->ListSamplingRules().back().rule.rule_name, "api") << "priority order";

  EXPECT_EQ(store->DeleteSamplingRule(ResourceRef{"Default", std::nullopt}, 250).error().code,
            ErrorCode::kInvalidArgument);
  auto deleted = store->DeleteSamplingRule(ResourceRef{"api", std::nullopt}, 300);
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(deleted->rule.rule_name, "api");
  EXPECT_DOUBLE_EQ(store->LastRuleModification(), 300) << "a delete is a rule modification";
  EXPECT_EQ(store->FindSamplingRule(ResourceRef{"api", std::nullopt}).error().code,
            ErrorCode::kNotFound);
}

TEST(StateStoreTest, SamplingRuleLimitIsTwentyFiveBesidesDefault) {
  auto store = OpenOrDie(":memory:");
  for (std::size_t i = 0; i < kMaxSamplingRules; ++i) {
    ASSERT_TRUE(store->CreateSamplingRule(Rule("r" + std::to_string(i), 1), {}, 1).has_value());
  }
  auto over = store->CreateSamplingRule(Rule("over", 1), {}, 1);
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().code, ErrorCode::kResourceExhausted);
}

}  // namespace
}  // namespace xrayd::storage
