// X-Ray sampling operations (docs/api.md#sampling-operations, docs/sampling.md): rules from
// StateStore, targets and statistics from an in-memory query::SamplingTargetState (per daemon run).
// /GetSamplingRules and /SamplingTargets are also what the SDKs poll through the daemon's TCP port
// (docs/sampling.md#sdk-polling-through-the-tcp-port): unsigned, plain HTTP.
#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "daemon/api/api_json.h"
#include "daemon/api/xray_api.h"
#include "daemon/api/xray_api_state_util.h"
#include "query/sampling.h"

namespace xrayd::daemon {
namespace {

using nlohmann::json;

struct SamplingRuntime {
  SamplingRuntime(storage::StateStore* s, const proto::Clock& c) : store(s), clock(c) {}
  storage::StateStore* store;
  const proto::Clock& clock;
  std::mutex mu;
  query::SamplingTargetState targets;  // Guarded by mu.
};

json RuleToJson(const storage::SamplingRuleRecord& record) {
  const storage::SamplingRule& r = record.rule;
  json rule = {{"RuleName", r.rule_name},
               {"RuleARN", record.arn},
               {"ResourceARN", r.resource_arn},
               {"Priority", r.priority},
               {"FixedRate", r.fixed_rate},
               {"ReservoirSize", r.reservoir_size},
               {"ServiceName", r.service_name},
               {"ServiceType", r.service_type},
               {"Host", r.host},
               {"HTTPMethod", r.http_method},
               {"URLPath", r.url_path},
               {"Version", r.version},
               {"Attributes", json::object()}};
  for (const auto& [key, value] : r.attributes) {
    rule["Attributes"][key] = value;
  }
  if (r.sampling_rate_boost) {
    rule["SamplingRateBoost"] = {
        {"MaxRate", r.sampling_rate_boost->max_rate},
        {"CooldownWindowMinutes", r.sampling_rate_boost->cooldown_window_minutes}};
  }
  return {{"SamplingRule", std::move(rule)},
          {"CreatedAt", record.created_at},
          {"ModifiedAt", record.modified_at}};
}

std::vector<storage::SamplingRule> Rules(const storage::StateStore& store) {
  std::vector<storage::SamplingRule> rules;
  for (auto& record : store.ListSamplingRules()) {
    rules.push_back(std::move(record.rule));
  }
  return rules;
}

// Required (or optional) members of a rule object, each with its type error.
template <class T>
ApiResult<T> Require(ApiResult<std::optional<T>> value, std::string_view name) {
  if (!value) {
    return tl::unexpected(value.error());
  }
  if (!*value) {
    return tl::unexpected(InvalidRequest(std::string(name) + " is required"));
  }
  return std::move(**value);
}

ApiResult<std::optional<std::map<std::string, std::string>>> ParseAttributes(const json& object) {
  auto it = object.find("Attributes");
  if (it == object.end() || it->is_null()) {
    return std::optional<std::map<std::string, std::string>>();
  }
  if (!it->is_object()) {
    return tl::unexpected(InvalidRequest("Attributes must be a map of strings"));
  }
  std::map<std::string, std::string> attributes;
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) {
      return tl::unexpected(InvalidRequest("Attributes values must be strings"));
    }
    attributes[key] = value.get<std::string>();
  }
  return std::optional<std::map<std::string, std::string>>(std::move(attributes));
}

ApiResult<std::optional<storage::SamplingRateBoost>> ParseBoost(const json& object) {
  auto it = object.find("SamplingRateBoost");
  if (it == object.end() || it->is_null()) {
    return std::optional<storage::SamplingRateBoost>();
  }
  if (!it->is_object()) {
    return tl::unexpected(InvalidRequest("SamplingRateBoost must be an object"));
  }
  XRAYD_TRY_ASSIGN(auto max_rate,
                   Require(OptionalNumber(*it, "MaxRate"), "SamplingRateBoost.MaxRate"));
  XRAYD_TRY_ASSIGN(auto cooldown, Require(OptionalInteger(*it, "CooldownWindowMinutes"),
                                          "SamplingRateBoost.CooldownWindowMinutes"));
  return std::optional<storage::SamplingRateBoost>(storage::SamplingRateBoost{max_rate, cooldown});
}

// RuleName or RuleARN, not both (docs/sampling.md#rules for update and delete).
ApiResult<storage::ResourceRef> ParseRuleRef(const json& object) {
  XRAYD_TRY_ASSIGN(auto name, OptionalString(object, "RuleName"));
  XRAYD_TRY_ASSIGN(auto arn, OptionalString(object, "RuleARN"));
  if (name && arn) {
    return tl::unexpected(InvalidRequest("Specify a rule by either RuleName or RuleARN, not both"));
  }
  if (!name && !arn) {
    return tl::unexpected(InvalidRequest("RuleName or RuleARN is required"));
  }
  return storage::ResourceRef{std::move(name), std::move(arn)};
}

ApiResult<storage::SamplingRule> ParseNewRule(const json& object,
                                              const storage::StateStore& store) {
  storage::SamplingRule rule;
  XRAYD_TRY_ASSIGN(auto name, Require(OptionalString(object, "RuleName"), "SamplingRule.RuleName"));
  rule.rule_name = std::move(name);
  XRAYD_TRY_ASSIGN(auto arn, OptionalString(object, "RuleARN"));
  if (arn && *arn != store.RuleArn(rule.rule_name)) {
    return tl::unexpected(InvalidRequest("RuleARN does not match RuleName: expected " +
                                         store.RuleArn(rule.rule_name)));
  }
  for (auto [member, field] :
       {std::pair<std::string_view, std::string*>{"ResourceARN", &rule.resource_arn},
        {"ServiceName", &rule.service_name},
        {"ServiceType", &rule.service_type},
        {"Host", &rule.host},
        {"HTTPMethod", &rule.http_method},
        {"URLPath", &rule.url_path}}) {
    XRAYD_TRY_ASSIGN(
        auto value, Require(OptionalString(object, member), "SamplingRule." + std::string(member)));
    *field = std::move(value);
  }
  for (auto [member, field] :
       {std::pair<std::string_view, std::int64_t*>{"Priority", &rule.priority},
        {"ReservoirSize", &rule.reservoir_size},
        {"Version", &rule.version}}) {
    XRAYD_TRY_ASSIGN(auto value, Require(OptionalInteger(object, member),
                                         "SamplingRule." + std::string(member)));
    *field = value;
  }
  XRAYD_TRY_ASSIGN(auto rate,
                   Require(OptionalNumber(object, "FixedRate"), "SamplingRule.FixedRate"));
  rule.fixed_rate = rate;
  XRAYD_TRY_ASSIGN(auto attributes, ParseAttributes(object));
  rule.attributes = attributes.value_or(std::map<std::string, std::string>{});
  XRAYD_TRY_ASSIGN(auto boost, ParseBoost(object));
  rule.sampling_rate_boost = boost;
  if (auto status = query::ValidateSamplingRule(rule); !status) {
    return tl::unexpected(InvalidRequest(status.error().message));
  }
  return rule;
}

ApiResult<query::SamplingRuleUpdate> ParseRuleUpdate(const json& object) {
  query::SamplingRuleUpdate update;
  for (auto [member, field] : {std::pair<std::string_view, std::optional<std::string>*>{
                                   "ResourceARN", &update.resource_arn},
                               {"ServiceName", &update.service_name},
                               {"ServiceType", &update.service_type},
                               {"Host", &update.host},
                               {"HTTPMethod", &update.http_method},
                               {"URLPath", &update.url_path}}) {
    XRAYD_TRY_ASSIGN(auto value, OptionalString(object, member));
    *field = std::move(value);
  }
  for (auto [member, field] :
       {std::pair<std::string_view, std::optional<std::int64_t>*>{"Priority", &update.priority},
        {"ReservoirSize", &update.reservoir_size}}) {
    XRAYD_TRY_ASSIGN(auto value, OptionalInteger(object, member));
    if (value) {
      *field = static_cast<std::int64_t>(*value);
    }
  }
  XRAYD_TRY_ASSIGN(auto rate, OptionalNumber(object, "FixedRate"));
  update.fixed_rate = rate;
  XRAYD_TRY_ASSIGN(auto attributes, ParseAttributes(object));
  update.attributes = std::move(attributes);
  XRAYD_TRY_ASSIGN(auto boost, ParseBoost(object));
  update.sampling_rate_boost = boost;
  return update;
}

const json* RequiredObject(const json& body, std::string_view name) {
  auto it = body.find(name);
  return (it == body.end() || !it->is_object()) ? nullptr : &*it;
}

HttpResponse RejectNextToken(const json& body) {
  XRAYD_API_TRY_ASSIGN(auto token, OptionalString(body, "NextToken"));
  // [local] docs/sampling.md#default-rule-and-limits: every rule fits one page, so no token was
  // ever handed out.
  return token ? InvalidRequest("Invalid NextToken") : HttpResponse{};
}

HttpResponse GetSamplingRules(SamplingRuntime& rt, const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  if (HttpResponse rejected = RejectNextToken(body); rejected.status != 200) {
    return rejected;
  }
  json records = json::array();
  for (const auto& record : rt.store->ListSamplingRules()) {
    records.push_back(RuleToJson(record));
  }
  return JsonResponse({{"SamplingRuleRecords", std::move(records)}});
}

ApiResult<std::vector<query::SamplingStatistics>> ParseStatistics(const json& body) {
  auto it = body.find("SamplingStatisticsDocuments");
  if (it == body.end() || it->is_null()) {
    return tl::unexpected(InvalidRequest("SamplingStatisticsDocuments is required"));
  }
  if (!it->is_array()) {
    return tl::unexpected(InvalidRequest("SamplingStatisticsDocuments must be a list"));
  }
  if (it->size() > query::kMaxStatisticsDocuments) {
    return tl::unexpected(
        InvalidRequest("SamplingStatisticsDocuments may hold at most 25 entries"));
  }
  std::vector<query::SamplingStatistics> documents;
  for (const json& item : *it) {
    if (!item.is_object()) {
      return tl::unexpected(InvalidRequest("SamplingStatisticsDocuments entries must be objects"));
    }
    query::SamplingStatistics doc;
    XRAYD_TRY_ASSIGN(auto name,
                     Require(OptionalBoundedString(item, "RuleName", 1, 32), "RuleName"));
    doc.rule_name = std::move(name);
    XRAYD_TRY_ASSIGN(auto client, Require(OptionalString(item, "ClientID"), "ClientID"));
    if (client.size() != 24 || !std::all_of(client.begin(), client.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      return tl::unexpected(InvalidRequest("ClientID must be 24 hexadecimal characters"));
    }
    doc.client_id = std::move(client);
    XRAYD_TRY_ASSIGN(auto timestamp, Require(OptionalTimestamp(item, "Timestamp"), "Timestamp"));
    doc.timestamp = timestamp;
    for (auto [member, field, required] : {std::tuple<std::string_view, std::int64_t*, bool>{
                                               "RequestCount", &doc.request_count, true},
                                           {"SampledCount", &doc.sampled_count, true},
                                           {"BorrowCount", &doc.borrow_count, false}}) {
      XRAYD_TRY_ASSIGN(auto value, OptionalInteger(item, member));
      if (!value && required) {
        return tl::unexpected(InvalidRequest(std::string(member) + " is required"));
      }
      if (value && *value < 0) {
        return tl::unexpected(InvalidRequest(std::string(member) + " must be at least 0"));
      }
      *field = value.value_or(0);
    }
    documents.push_back(std::move(doc));
  }
  auto boost = body.find("SamplingBoostStatisticsDocuments");
  if (boost != body.end() && !boost->is_null() &&
      (!boost->is_array() || boost->size() > query::kMaxStatisticsDocuments)) {
    return tl::unexpected(
        InvalidRequest("SamplingBoostStatisticsDocuments must be a list of at most 25 entries"));
  }
  return documents;
}

HttpResponse GetSamplingTargets(SamplingRuntime& rt, const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  XRAYD_API_TRY_ASSIGN(auto documents, ParseStatistics(body));
  const std::vector<storage::SamplingRule> rules = Rules(*rt.store);
  query::SamplingTargetsResult result;
  {
    std::lock_guard lock(rt.mu);
    result = rt.targets.Report(rules, documents, rt.clock.NowSeconds());
  }
  json targets = json::array();
  for (const auto& t : result.targets) {
    targets.push_back({{"RuleName", t.rule_name},
                       {"FixedRate", t.fixed_rate},
                       {"ReservoirQuota", t.reservoir_quota},
                       {"ReservoirQuotaTTL", t.reservoir_quota_ttl},
                       {"Interval", t.interval}});
  }
  json unprocessed = json::array();
  for (const auto& u : result.unprocessed) {
    unprocessed.push_back(
        {{"RuleName", u.rule_name}, {"ErrorCode", u.error_code}, {"Message", u.message}});
  }
  // [local] adaptive sampling (boost) is not computed: boost documents are accepted and dropped.
  return JsonResponse({{"SamplingTargetDocuments", std::move(targets)},
                       {"LastRuleModification", rt.store->LastRuleModification()},
                       {"UnprocessedStatistics", std::move(unprocessed)},
                       {"UnprocessedBoostStatistics", json::array()}});
}

HttpResponse GetSamplingStatisticSummaries(SamplingRuntime& rt, const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  if (HttpResponse rejected = RejectNextToken(body); rejected.status != 200) {
    return rejected;
  }
  const std::vector<storage::SamplingRule> rules = Rules(*rt.store);
  std::vector<query::SamplingStatisticSummary> summaries;
  {
    std::lock_guard lock(rt.mu);
    summaries = rt.targets.Summaries(rules);
  }
  json out = json::array();
  for (const auto& s : summaries) {
    out.push_back({{"RuleName", s.rule_name},
                   {"Timestamp", s.timestamp},
                   {"RequestCount", s.request_count},
                   {"BorrowCount", s.borrow_count},
                   {"SampledCount", s.sampled_count}});
  }
  return JsonResponse({{"SamplingStatisticSummaries", std::move(out)}});
}

HttpResponse CreateSamplingRule(SamplingRuntime& rt, const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  const json* object = RequiredObject(body, "SamplingRule");
  if (object == nullptr) {
    return InvalidRequest("SamplingRule is required and must be an object");
  }
  XRAYD_API_TRY_ASSIGN(auto rule, ParseNewRule(*object, *rt.store));
  XRAYD_API_TRY_ASSIGN(auto tags, ParseTags(body));
  auto record = rt.store->CreateSamplingRule(rule, tags, rt.clock.NowSeconds());
  if (!record) {
    return StateErrorResponse(record.error(), "RuleLimitExceededException");
  }
  return JsonResponse({{"SamplingRuleRecord", RuleToJson(*record)}});
}

HttpResponse UpdateSamplingRule(SamplingRuntime& rt, const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  const json* object = RequiredObject(body, "SamplingRuleUpdate");
  if (object == nullptr) {
    return InvalidRequest("SamplingRuleUpdate is required and must be an object");
  }
  XRAYD_API_TRY_ASSIGN(auto ref, ParseRuleRef(*object));
  XRAYD_API_TRY_ASSIGN(auto update, ParseRuleUpdate(*object));
  auto record = rt.store->UpdateSamplingRule(
      ref,
      [&](const storage::SamplingRuleRecord& current) {
        return query::ApplySamplingRuleUpdate(current.rule, update);
      },
      rt.clock.NowSeconds());
  if (!record) {
    return StateErrorResponse(record.error(), "InvalidRequestException");
  }
  return JsonResponse({{"SamplingRuleRecord", RuleToJson(*record)}});
}

HttpResponse DeleteSamplingRule(SamplingRuntime& rt, const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  XRAYD_API_TRY_ASSIGN(auto ref, ParseRuleRef(body));
  auto record = rt.store->DeleteSamplingRule(ref, rt.clock.NowSeconds());
  if (!record) {
    return StateErrorResponse(record.error(), "InvalidRequestException");
  }
  return JsonResponse({{"SamplingRuleRecord", RuleToJson(*record)}});
}

}  // namespace

void RegisterSamplingApi(ApiRouter& router, const ApiServices& services) {
  auto runtime = std::make_shared<SamplingRuntime>(services.state, *services.clock);
  auto route = [&](std::string path,
                   HttpResponse (*handler)(SamplingRuntime&, const HttpRequest&)) {
    router.Add("POST", std::move(path), [runtime, handler](const HttpRequest& request) {
      if (runtime->store == nullptr) {
        return JsonError(500, "InternalFailure", "state store not available");
      }
      return handler(*runtime, request);
    });
  };
  route("/GetSamplingRules", &GetSamplingRules);
  route("/SamplingTargets", &GetSamplingTargets);
  route("/SamplingStatisticSummaries", &GetSamplingStatisticSummaries);
  route("/CreateSamplingRule", &CreateSamplingRule);
  route("/UpdateSamplingRule", &UpdateSamplingRule);
  route("/DeleteSamplingRule", &DeleteSamplingRule);
}

}  // namespace xrayd::daemon
