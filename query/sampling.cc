#include "query/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>
#include <utility>

namespace xrayd::query {
namespace {

using storage::SamplingRule;

Status Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

Status CheckLength(std::string_view member, const std::string& value, std::size_t max) {
  if (value.size() > max) {
    return Invalid(std::string(member) + " must be at most " + std::to_string(max) + " characters");
  }
  return {};
}

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool ValidName(std::string_view name) {
  return !name.empty() && name.size() <= 32 && std::none_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || c == '/';
  });
}

}  // namespace

SamplingRule DefaultSamplingRule() {
  SamplingRule rule;
  rule.rule_name = storage::kDefaultRuleName;
  rule.priority = 10000;
  rule.fixed_rate = 0.05;
  rule.reservoir_size = 1;
  return rule;  // Every match member defaults to "*", Version 1, no attributes.
}

Status ValidateSamplingRule(const SamplingRule& rule, bool is_default) {
  if (!ValidName(rule.rule_name)) {
    return Invalid(
        "RuleName must be 1-32 characters without whitespace, control characters or "
        "'/'");
  }
  if (is_default ? rule.priority != 10000 : (rule.priority < 1 || rule.priority > 9999)) {
    return Invalid("Priority must be between 1 and 9999");
  }
  if (!std::isfinite(rule.fixed_rate) || rule.fixed_rate < 0 || rule.fixed_rate > 1) {
    return Invalid("FixedRate must be between 0 and 1");
  }
  if (rule.reservoir_size < 0) {
    return Invalid("ReservoirSize must be at least 0");
  }
  for (const auto& [member, value, max] :
       {std::tuple<std::string_view, const std::string&, std::size_t>{"ResourceARN",
                                                                      rule.resource_arn, 500},
        {"ServiceName", rule.service_name, 64},
        {"ServiceType", rule.service_type, 64},
        {"Host", rule.host, 64},
        {"HTTPMethod", rule.http_method, 10},
        {"URLPath", rule.url_path, 128}}) {
    if (auto status = CheckLength(member, value, max); !status) {
      return status;
    }
  }
  if (rule.version != 1) {
    return Invalid("Version must be 1");
  }
  if (rule.attributes.size() > 5) {
    return Invalid("Attributes may hold at most 5 entries");
  }
  for (const auto& [key, value] : rule.attributes) {
    if (key.empty() || key.size() > 32 || value.empty() || value.size() > 32) {
      return Invalid("Attributes keys and values must be 1-32 characters");
    }
  }
  if (const auto& boost = rule.sampling_rate_boost) {
    if (!std::isfinite(boost->max_rate) || boost->max_rate < 0 || boost->max_rate > 1) {
      return Invalid("SamplingRateBoost.MaxRate must be between 0 and 1");
    }
    if (boost->cooldown_window_minutes < 0) {
      return Invalid("SamplingRateBoost.CooldownWindowMinutes must be at least 0");
    }
  }
  return {};
}

Result<SamplingRule> ApplySamplingRuleUpdate(const SamplingRule& current,
                                             const SamplingRuleUpdate& update) {
  const bool is_default = current.rule_name == storage::kDefaultRuleName;
  SamplingRule next = current;
  // For Default, a member other than FixedRate/ReservoirSize may only be restated unchanged.
  auto set = [&](auto& field, const auto& value, std::string_view member) -> Status {
    if (!value) {
      return {};
    }
    if (is_default && !(field == *value)) {
      return Invalid("The Default rule's " + std::string(member) +
                     " cannot be changed; only FixedRate and ReservoirSize can");
    }
    field = *value;
    return {};
  };
  for (Status s :
       {set(next.resource_arn, update.resource_arn, "ResourceARN"),
        set(next.priority, update.priority, "Priority"), set(next.host, update.host, "Host"),
        set(next.service_name, update.service_name, "ServiceName"),
        set(next.service_type, update.service_type, "ServiceType"),
        set(next.http_method, update.http_method, "HTTPMethod"),
        set(next.url_path, update.url_path, "URLPath"),
        set(next.attributes, update.attributes, "Attributes")}) {
    XRAYD_TRY(s);
  }
  if (update.sampling_rate_boost) {
    if (is_default) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "The Default rule's SamplingRateBoost cannot be changed; only FixedRate "
                       "and ReservoirSize can");
    }
    next.sampling_rate_boost = update.sampling_rate_boost;
  }
  if (update.fixed_rate) {
    next.fixed_rate = *update.fixed_rate;
  }
  if (update.reservoir_size) {
    next.reservoir_size = *update.reservoir_size;
  }
  XRAYD_TRY(ValidateSamplingRule(next, is_default));
  return next;
}

bool WildcardMatch(std::string_view pattern, std::string_view text) {
  // Greedy match remembering the last '*': on a mismatch, let that star absorb one more character.
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || Lower(pattern[p]) == Lower(text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

bool RuleMatches(const SamplingRule& rule, const SamplingRequest& request) {
  if (!WildcardMatch(rule.service_name, request.service_name) ||
      !WildcardMatch(rule.service_type, request.service_type) ||
      !WildcardMatch(rule.host, request.host) ||
      !WildcardMatch(rule.http_method, request.http_method) ||
      !WildcardMatch(rule.url_path, request.url_path) ||
      !WildcardMatch(rule.resource_arn, request.resource_arn)) {
    return false;
  }
  for (const auto& [key, pattern] : rule.attributes) {
    auto it = request.attributes.find(key);
    if (it == request.attributes.end() || !WildcardMatch(pattern, it->second)) {
      return false;
    }
  }
  return true;
}

std::optional<std::size_t> MatchSamplingRule(std::span<const SamplingRule> rules,
                                             const SamplingRequest& request) {
  std::vector<std::size_t> order(rules.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(rules[a].priority, rules[a].rule_name) <
           std::tie(rules[b].priority, rules[b].rule_name);
  });
  for (std::size_t i : order) {
    if (RuleMatches(rules[i], request)) {
      return i;
    }
  }
  return std::nullopt;
}

SamplingTargetsResult SamplingTargetState::Report(std::span<const SamplingRule> rules,
                                                  std::span<const SamplingStatistics> documents,
                                                  double now) {
  std::map<std::string, const SamplingRule*> by_name;
  for (const SamplingRule& rule : rules) {
    by_name[rule.rule_name] = &rule;
  }
  std::erase_if(rules_, [&](const auto& entry) { return !by_name.contains(entry.first); });

  SamplingTargetsResult result;
  std::vector<std::pair<const SamplingRule*, std::string>> reported;  // (rule, first client)
  for (const SamplingStatistics& doc : documents) {
    auto rule = by_name.find(doc.rule_name);
    if (rule == by_name.end()) {
      result.unprocessed.push_back({doc.rule_name, "400", "Unknown rule"});
      continue;
    }
    if (doc.timestamp < now - kStatisticsMaxAgeSeconds) {
      result.unprocessed.push_back({doc.rule_name, "400", "Statistics document too old"});
      continue;
    }
    RuleState& state = rules_[doc.rule_name];
    state.client_last_seen[doc.client_id] = now;
    const double window_start =
        std::floor(doc.timestamp / kStatisticsWindowSeconds) * kStatisticsWindowSeconds;
    if (!state.has_window || window_start > state.window.timestamp) {
      state.has_window = true;
      state.window = SamplingStatisticSummary{doc.rule_name, window_start, 0, 0, 0};
    }
    if (window_start == state.window.timestamp) {
      state.window.request_count += doc.request_count;
      state.window.borrow_count += doc.borrow_count;
      state.window.sampled_count += doc.sampled_count;
    }  // Else a late document for an older window: its client still counts, its sums do not.
    const bool seen = std::any_of(reported.begin(), reported.end(),
                                  [&](const auto& r) { return r.first == rule->second; });
    if (!seen) {
      reported.emplace_back(rule->second, doc.client_id);
    }
  }

  for (const auto& [rule, client_id] : reported) {
    RuleState& state = rules_[rule->rule_name];
    std::erase_if(state.client_last_seen,
                  [&](const auto& c) { return c.second < now - kClientActiveSeconds; });
    const auto active = static_cast<std::int64_t>(state.client_last_seen.size());  // >= 1
    const auto index = static_cast<std::int64_t>(
        std::distance(state.client_last_seen.begin(), state.client_last_seen.find(client_id)));
    SamplingTarget target;
    target.rule_name = rule->rule_name;
    target.fixed_rate = rule->fixed_rate;
    target.reservoir_quota =
        rule->reservoir_size / active + (index < rule->reservoir_size % active ? 1 : 0);
    target.reservoir_quota_ttl = now + kReservoirQuotaTtlSeconds;
    target.interval = kTargetIntervalSeconds;
    result.targets.push_back(std::move(target));
  }
  return result;
}

std::vector<SamplingStatisticSummary> SamplingTargetState::Summaries(
    std::span<const SamplingRule> rules) const {
  std::vector<SamplingStatisticSummary> summaries;
  for (const SamplingRule& rule : rules) {
    auto it = rules_.find(rule.rule_name);
    if (it != rules_.end() && it->second.has_window) {
      summaries.push_back(it->second.window);
    }
  }
  return summaries;
}

std::size_t SamplingTargetState::ActiveClients(const std::string& rule_name, double now) const {
  auto it = rules_.find(rule_name);
  if (it == rules_.end()) {
    return 0;
  }
  return static_cast<std::size_t>(
      std::count_if(it->second.client_last_seen.begin(), it->second.client_last_seen.end(),
                    [&](const auto& c) { return c.second >= now - kClientActiveSeconds; }));
}

}  // namespace xrayd::query
