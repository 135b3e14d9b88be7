#pragma once
// Sampling rules (docs/sampling.md): validation, the Default rule, rule matching for one request,
// and the GetSamplingTargets computation (reservoir quotas shared by the clients that report,
// statistics windows). Pure: no I/O, no clocks (time is a parameter), no locking;
// SamplingTargetState is a plain value the caller guards.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/result.h"
#include "storage/state_types.h"

namespace xrayd::query {

inline constexpr double kClientActiveSeconds = 60;  // A client counts for 60 s after a report.
inline constexpr double kReservoirQuotaTtlSeconds = 300;
inline constexpr double kStatisticsMaxAgeSeconds = 300;  // Older documents are unprocessed.
inline constexpr std::int64_t kTargetIntervalSeconds = 10;
inline constexpr double kStatisticsWindowSeconds = 10;
inline constexpr std::size_t kMaxStatisticsDocuments = 25;

// The Default rule of docs/sampling.md#default-rule-and-limits (priority 10000, 1 per second, then
// 5%).
storage::SamplingRule DefaultSamplingRule();

// Checks a rule against the model's constraints (docs/sampling.md#rules): name 1-32 characters
// without whitespace, control characters or '/'; Priority 1-9999 (the Default rule, `is_default`,
// keeps 10000); FixedRate 0-1; ReservoirSize >= 0; ResourceARN <= 500, ServiceName/ServiceType/Host
// <= 64, HTTPMethod <= 10, URLPath <= 128 characters; Version == 1; at most 5 attributes with keys
// and values of 1-32 characters; SamplingRateBoost MaxRate 0-1 and CooldownWindowMinutes >= 0.
// kInvalidArgument naming the member otherwise.
[[nodiscard]] Status ValidateSamplingRule(const storage::SamplingRule& rule,
                                          bool is_default = false);

// docs/sampling.md#rules `SamplingRuleUpdate`: members left unset keep their value.
struct SamplingRuleUpdate {
  std::optional<std::string> resource_arn;
  std::optional<std::int64_t> priority;
  std::optional<double> fixed_rate;
  std::optional<std::int64_t> reservoir_size;
  std::optional<std::string> host;
  std::optional<std::string> service_name;
  std::optional<std::string> service_type;
  std::optional<std::string> http_method;
  std::optional<std::string> url_path;
  std::optional<std::map<std::string, std::string>> attributes;
  std::optional<storage::SamplingRateBoost> sampling_rate_boost;
};

// `current` with `update` applied, validated. For the Default rule only FixedRate and
// ReservoirSize may change (docs/sampling.md#default-rule-and-limits): any other member set to a
// different value is kInvalidArgument. Other failures as ValidateSamplingRule.
[[nodiscard]] Result<storage::SamplingRule> ApplySamplingRuleUpdate(
    const storage::SamplingRule& current, const SamplingRuleUpdate& update);

// X-Ray wildcard match: '*' = any run of characters (also none), '?' = exactly one character.
// ASCII case-insensitive, as the AWS SDKs match rules. O(pattern * text) at worst, never
// exponential.
bool WildcardMatch(std::string_view pattern, std::string_view text);

// What an SDK knows about a request when it picks a rule. Unknown members are empty.
struct SamplingRequest {
  std::string service_name = {};
  std::string service_type = {};
  std::string host = {};
  std::string http_method = {};
  std::string url_path = {};
  std::string resource_arn = {};
  std::map<std::string, std::string> attributes = {};
};

// True when every match member of `rule` matches `request` (each rule attribute must be present
// in the request with a matching value).
bool RuleMatches(const storage::SamplingRule& rule, const SamplingRequest& request);

// Index in `rules` of the rule that decides `request`: the first match in ascending Priority,
// ties by RuleName. nullopt when nothing matches (never when the Default rule is in `rules`).
std::optional<std::size_t> MatchSamplingRule(std::span<const storage::SamplingRule> rules,
                                             const SamplingRequest& request);

// One SamplingStatisticsDocument (already type-checked by the API layer).
struct SamplingStatistics {
  std::string rule_name;
  std::string client_id;
  double timestamp = 0;
  std::int64_t request_count = 0;
  std::int64_t sampled_count = 0;
  std::int64_t borrow_count = 0;
};

struct SamplingTarget {
  std::string rule_name;
  double fixed_rate = 0;
  std::int64_t reservoir_quota = 0;
  double reservoir_quota_ttl = 0;  // Epoch seconds.
  std::int64_t interval = kTargetIntervalSeconds;
};

struct UnprocessedStatistic {
  std::string rule_name;
  std::string error_code;
  std::string message;
};

struct SamplingTargetsResult {
  std::vector<SamplingTarget> targets;  // One per rule reported, in the order first reported.
  std::vector<UnprocessedStatistic> unprocessed;
};

struct SamplingStatisticSummary {
  std::string rule_name;
  double timestamp = 0;  // Window start, epoch seconds (a multiple of 10).
  std::int64_t request_count = 0;
  std::int64_t borrow_count = 0;
  std::int64_t sampled_count = 0;
};

// Per-rule client registry and statistics windows behind GetSamplingTargets and
// GetSamplingStatisticSummaries. Not thread-safe: the caller serializes access.
class SamplingTargetState {
 public:
  // Records `documents` reported at `now` against the current `rules` and computes targets:
  // * unknown RuleName -> unprocessed {RuleName, "400", "Unknown rule"};
  // * Timestamp older than now - kStatisticsMaxAgeSeconds -> unprocessed {.., "400",
  //   "Statistics document too old"};
  // * otherwise the client becomes active on the rule for kClientActiveSeconds, its counts are
  //   added to the 10-second window of the document's Timestamp, and the rule gets a target:
  //   ReservoirQuota = floor(ReservoirSize / active clients), plus 1 for the first
  //   (ReservoirSize mod active clients) active clients in ClientID order; TTL now + 300 s;
  //   Interval 10; FixedRate the rule's.
  // State of rules no longer in `rules` is dropped.
  SamplingTargetsResult Report(std::span<const storage::SamplingRule> rules,
                               std::span<const SamplingStatistics> documents, double now);

  // For each rule of `rules` (in that order) that has statistics: the sums across clients of its
  // most recent 10-second window.
  std::vector<SamplingStatisticSummary> Summaries(
      std::span<const storage::SamplingRule> rules) const;

  // Clients active on `rule_name` at `now` (for tests and metrics).
  std::size_t ActiveClients(const std::string& rule_name, double now) const;

 private:
  struct RuleState {
    std::map<std::string, double> client_last_seen;  // ClientID -> last report time.
    bool has_window = false;
    SamplingStatisticSummary window;
  };
  std::map<std::string, RuleState> rules_;
};

}  // namespace xrayd::query
