#pragma once
// Plain values of the configuration state (docs/groups.md groups, docs/sampling.md rules) kept by
// StateStore and interpreted by query/sampling.h. No behaviour here.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xrayd::storage {

// The AWS defaults of docs/groups.md#group-rules for local mode (config has no region/account
// settings yet).
inline constexpr const char* kDefaultRegion = "us-east-1";
inline constexpr const char* kDefaultAccount = "000000000000";
inline constexpr const char* kDefaultGroupName = "Default";
inline constexpr const char* kDefaultRuleName = "Default";

struct Tag {
  std::string key;
  std::string value;
};

struct InsightsConfiguration {
  bool insights_enabled = false;
  bool notifications_enabled = false;
};

struct Group {
  // Stable id: AUTOINCREMENT in state.db, never reused after a delete. The implicit Default group
  // has id 0 (it is not stored).
  std::int64_t id = 0;
  std::string name;
  std::string arn;  // arn:aws:xray:<region>:<account>:group/<name>/<52 base32 chars>
  // The filter as given; nullopt when the group has none (then it matches every trace).
  std::optional<std::string> filter_expression;
  InsightsConfiguration insights;
  std::vector<Tag> tags;
  double created_at = 0;  // Epoch seconds.
  // Epoch seconds at which the current filter took effect: creation, or the last UpdateGroup that
  // changed FilterExpression (insights-only updates leave it). Membership
  // (docs/groups.md#membership) applies the current filter only to traces first received after this
  // time.
  double updated_at = 0;
  // 1 at creation, +1 on every filter change (docs/groups.md#membership group versions).
  std::int64_t filter_version = 1;
  bool is_default = false;  // The implicit Default group: every trace is a member.
};

struct SamplingRateBoost {
  double max_rate = 0;
  std::int64_t cooldown_window_minutes = 0;
};

// docs/sampling.md#rules `SamplingRule`. RuleARN is derived from the name (see
// StateStore::RuleArn).
struct SamplingRule {
  std::string rule_name;
  std::string resource_arn = "*";
  std::int64_t priority = 0;
  double fixed_rate = 0;
  std::int64_t reservoir_size = 0;
  std::string service_name = "*";
  std::string service_type = "*";
  std::string host = "*";
  std::string http_method = "*";
  std::string url_path = "*";
  std::int64_t version = 1;
  std::map<std::string, std::string> attributes;
  std::optional<SamplingRateBoost> sampling_rate_boost;
};

struct SamplingRuleRecord {
  SamplingRule rule;
  std::string arn;
  double created_at =
      0;  // Epoch seconds; 0 for the Default rule (docs/sampling.md#default-rule-and-limits).
  double modified_at = 0;  // Epoch seconds.
  std::vector<Tag> tags;
};

}  // namespace xrayd::storage
