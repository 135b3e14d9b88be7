#include "storage/state_store.h"

#include <algorithm>
#include <random>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "storage/state_schema.h"

namespace xrayd::storage {
namespace {

constexpr std::string_view kSelectGroups = R"sql(
SELECT id, name, uid, filter_expression, insights_enabled, notifications_enabled, tags, created_at,
       updated_at, filter_version FROM groups ORDER BY id)sql";

constexpr std::string_view kSelectRules = R"sql(
SELECT name, resource_arn, priority, fixed_rate, reservoir_size, service_name, service_type, host,
       http_method, url_path, version, attributes, boost_max_rate, boost_cooldown_minutes, tags,
       created_at, modified_at FROM sampling_rules ORDER BY priority, name)sql";

constexpr std::string_view kInsertRule = R"sql(
INSERT INTO sampling_rules(name, resource_arn, priority, fixed_rate, reservoir_size, service_name,
  service_type, host, http_method, url_path, version, attributes, boost_max_rate,
  boost_cooldown_minutes, tags, created_at, modified_at)
VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17))sql";

constexpr std::string_view kUpdateRule = R"sql(
UPDATE sampling_rules SET resource_arn = ?2, priority = ?3, fixed_rate = ?4, reservoir_size = ?5,
  service_name = ?6, service_type = ?7, host = ?8, http_method = ?9, url_path = ?10, version = ?11,
  attributes = ?12, boost_max_rate = ?13, boost_cooldown_minutes = ?14, modified_at = ?17
WHERE name = ?1)sql";

std::string TagsToJson(const std::vector<Tag>& tags) {
  nlohmann::json array = nlohmann::json::array();
  for (const Tag& tag : tags) {
    array.push_back({{"Key", tag.key}, {"Value", tag.value}});
  }
  return array.dump();
}

// Stored JSON is ours; anything unreadable reads as empty rather than failing every list.
std::vector<Tag> TagsFromJson(std::string_view text) {
  std::vector<Tag> tags;
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array()) {
    return tags;
  }
  for (const auto& item : json) {
    if (item.is_object() && item.contains("Key") && item["Key"].is_string() &&
        item.contains("Value") && item["Value"].is_string()) {
      tags.push_back(Tag{item["Key"].get<std::string>(), item["Value"].get<std::string>()});
    }
  }
  return tags;
}

std::map<std::string, std::string> AttributesFromJson(std::string_view text) {
  std::map<std::string, std::string> attributes;
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return attributes;
  }
  for (const auto& [key, value] : json.items()) {
    if (value.is_string()) {
      attributes[key] = value.get<std::string>();
    }
  }
  return attributes;
}

std::string RandomUid() {
  // docs/groups.md#group-rules: 52 uppercase base32 characters, random, fixed at creation.
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string uid(52, 'A');
  for (char& c : uid) {
    c = kAlphabet[pick(device)];
  }
  return uid;
}

bool ValidGroupName(std::string_view name) {
  if (name.empty() || name.size() > 32) {
    return false;
  }
  return std::none_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || c == '/';
  });
}

Status BindRule(Statement& stmt, const SamplingRule& rule, const std::vector<Tag>& tags,
                double created_at, double modified_at) {
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& [key, value] : rule.attributes) {
    attributes[key] = value;
  }
  XRAYD_TRY(stmt.BindText(1, rule.rule_name));
  XRAYD_TRY(stmt.BindText(2, rule.resource_arn));
  XRAYD_TRY(stmt.BindInt64(3, rule.priority));
  XRAYD_TRY(stmt.BindDouble(4, rule.fixed_rate));
  XRAYD_TRY(stmt.BindInt64(5, rule.reservoir_size));
  XRAYD_TRY(stmt.BindText(6, rule.service_name));
  XRAYD_TRY(stmt.BindText(7, rule.service_type));
  XRAYD_TRY(stmt.BindText(8, rule.host));
  XRAYD_TRY(stmt.BindText(9, rule.http_method));
  XRAYD_TRY(stmt.BindText(10, rule.url_path));
  XRAYD_TRY(stmt.BindInt64(11, rule.version));
  const std::string attributes_text = attributes.dump();
  const std::string tags_text = TagsToJson(tags);
  XRAYD_TRY(stmt.BindText(12, attributes_text));
  if (rule.sampling_rate_boost) {
    XRAYD_TRY(stmt.BindDouble(13, rule.sampling_rate_boost->max_rate));
    XRAYD_TRY(stmt.BindInt64(14, rule.sampling_rate_boost->cooldown_window_minutes));
  } else {
    XRAYD_TRY(stmt.BindNull(13));
    XRAYD_TRY(stmt.BindNull(14));
  }
  XRAYD_TRY(stmt.BindText(15, tags_text));
  XRAYD_TRY(stmt.BindDouble(16, created_at));
  XRAYD_TRY(stmt.BindDouble(17, modified_at));
  // Run while attributes_text/tags_text are alive (Statement binds without copying).
  return stmt.Run();
}

}  // namespace

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path,
                                                     StateStoreOptions options) {
  DatabaseOptions db_options;
  db_options.read_only = options.read_only;
  db_options.page_size = 4096;  // Tiny tables.
  db_options.cache_kib = 512;
  db_options.wal_autocheckpoint_kib = 1024;
  XRAYD_TRY_ASSIGN(auto db, Database::Open(path, db_options));
  if (options.read_only) {
    XRAYD_TRY(CheckStateSchema(*db));
  } else {
    XRAYD_TRY(MigrateState(*db));
  }
  std::unique_ptr<StateStore> store(new StateStore(std::move(db), std::move(options)));
  std::lock_guard lock(store->mu_);
  XRAYD_TRY(store->Reload());
  return store;
}

StateStore::StateStore(std::unique_ptr<Database> db, StateStoreOptions options)
    : db_(std::move(db)), options_(std::move(options)) {}

StateStore::~StateStore() = default;

std::string StateStore::GroupArn(const std::string& name, const std::string& uid) const {
  std::string arn = "arn:aws:xray:" + options_.region + ":" + options_.account + ":group/" + name;
  if (!uid.empty()) {
    arn += "/" + uid;
  }
  return arn;
}

std::string StateStore::RuleArn(const std::string& name) const {
  return "arn:aws:xray:" + options_.region + ":" + options_.account + ":sampling-rule/" + name;
}

Status StateStore::Reload() {
  std::vector<Group> groups;
  Group default_group;
  default_group.id = 0;
  default_group.name = kDefaultGroupName;
  default_group.arn = GroupArn(kDefaultGroupName, "");
  default_group.is_default = true;
  groups.push_back(std::move(default_group));
  {
    XRAYD_TRY_ASSIGN(auto stmt, db_->Prepare(kSelectGroups));
    for (;;) {
      XRAYD_TRY_ASSIGN(auto row, stmt.Step());
      if (!row) {
        break;
      }
      Group g;
      g.id = stmt.ColumnInt64(0);
      g.name = std::string(stmt.ColumnText(1));
      g.arn = GroupArn(g.name, std::string(stmt.ColumnText(2)));
      if (!stmt.ColumnIsNull(3)) {
        g.filter_expression = std::string(stmt.ColumnText(3));
      }
      g.insights.insights_enabled = stmt.ColumnInt64(4) != 0;
      g.insights.notifications_enabled = stmt.ColumnInt64(5) != 0;
      g.tags = TagsFromJson(stmt.ColumnText(6));
      g.created_at = stmt.ColumnDouble(7);
      g.updated_at = stmt.ColumnDouble(8);
      g.filter_version = stmt.ColumnInt64(9);
      groups.push_back(std::move(g));
    }
  }
  std::vector<SamplingRuleRecord> rules;
  {
    XRAYD_TRY_ASSIGN(auto stmt, db_->Prepare(kSelectRules));
    for (;;) {
      XRAYD_TRY_ASSIGN(auto row, stmt.Step());
      if (!row) {
        break;
      }
      SamplingRuleRecord r;
      r.rule.rule_name = std::string(stmt.ColumnText(0));
      r.rule.resource_arn = std::string(stmt.ColumnText(1));
      r.rule.priority = stmt.ColumnInt64(2);
      r.rule.fixed_rate = stmt.ColumnDouble(3);
      r.rule.reservoir_size = stmt.ColumnInt64(4);
      r.rule.service_name = std::string(stmt.ColumnText(5));
      r.rule.service_type = std::string(stmt.ColumnText(6));
      r.rule.host = std::string(stmt.ColumnText(7));
      r.rule.http_method = std::string(stmt.ColumnText(8));
      r.rule.url_path = std::string(stmt.ColumnText(9));
      r.rule.version = stmt.ColumnInt64(10);
      r.rule.attributes = AttributesFromJson(stmt.ColumnText(11));
      if (!stmt.ColumnIsNull(12)) {
        r.rule.sampling_rate_boost = SamplingRateBoost{stmt.ColumnDouble(12), stmt.ColumnInt64(13)};
      }
      r.tags = TagsFromJson(stmt.ColumnText(14));
      r.created_at = stmt.ColumnDouble(15);
      r.modified_at = stmt.ColumnDouble(16);
      r.arn = RuleArn(r.rule.rule_name);
      rules.push_back(std::move(r));
    }
  }
  XRAYD_TRY_ASSIGN(auto stmt,
                   db_->Prepare("SELECT value FROM meta WHERE key = 'last_rule_modification'"));
  XRAYD_TRY_ASSIGN(auto row, stmt.Step());
  last_rule_modification_ = row ? stmt.ColumnDouble(0) : 0;
  shared_groups_ = std::make_shared<const std::vector<Group>>(groups);
  groups_ = std::move(groups);
  rules_ = std::move(rules);
  return {};
}

Status StateStore::Commit(const std::function<Status()>& body) {
  if (options_.read_only) {
    return MakeError(ErrorCode::kInvalidArgument, "state store opened read-only");
  }
  XRAYD_TRY(db_->Exec("BEGIN IMMEDIATE"));
  Status status = body();
  if (status) {
    status = db_->Exec("COMMIT");
  }
  if (!status) {
    if (!db_->InAutocommit()) {
      (void)db_->Exec("ROLLBACK");
    }
    (void)Reload();  // The cache must match what is committed.
    return status;
  }
  return Reload();
}

std::vector<Group> StateStore::ListGroups() const {
  std::lock_guard lock(mu_);
  return groups_;
}

std::shared_ptr<const std::vector<Group>> StateStore::SharedGroups() const {
  std::lock_guard lock(mu_);
  return shared_groups_;
}

Result<Group> StateStore::FindGroupLocked(const ResourceRef& ref) const {
  if (!ref.name && !ref.arn) {
    return MakeError(ErrorCode::kInvalidArgument, "GroupName or GroupARN is required");
  }
  const Group* by_name = nullptr;
  const Group* by_arn = nullptr;
  for (const Group& g : groups_) {
    if (ref.name && g.name == *ref.name) {
      by_name = &g;
    }
    if (ref.arn && g.arn == *ref.arn) {
      by_arn = &g;
    }
  }
  if (ref.name && ref.arn) {
    if (by_name == nullptr || by_arn == nullptr) {
      return MakeError(ErrorCode::kNotFound, "Group not found: " + *(by_name ? ref.arn : ref.name));
    }
    if (by_name != by_arn) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "GroupName and GroupARN refer to different groups");
    }
    return *by_name;
  }
  const Group* found = ref.name ? by_name : by_arn;
  if (found == nullptr) {
    return MakeError(ErrorCode::kNotFound, "Group not found: " + *(ref.name ? ref.name : ref.arn));
  }
  return *found;
}

Result<Group> StateStore::FindGroup(const ResourceRef& ref) const {
  std::lock_guard lock(mu_);
  return FindGroupLocked(ref);
}

Result<Group> StateStore::CreateGroup(const NewGroup& group, double now) {
  std::lock_guard lock(mu_);
  if (group.name == kDefaultGroupName) {
    return MakeError(ErrorCode::kInvalidArgument, "Default is a reserved group name");
  }
  if (!ValidGroupName(group.name)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "GroupName must be 1-32 characters without whitespace, control characters "
                     "or '/': '" +
                         group.name + "'");
  }
  for (const Group& g : groups_) {
    if (g.name == group.name) {
      return MakeError(ErrorCode::kInvalidArgument, "Group " + group.name + " already exists");
    }
  }
  if (groups_.size() - 1 >= kMaxGroups) {
    return MakeError(ErrorCode::kResourceExhausted,
                     "Group limit reached: at most " + std::to_string(kMaxGroups) + " groups");
  }
  const std::string uid = RandomUid();
  const std::string tags = TagsToJson(group.tags);
  std::optional<std::string> filter = group.filter_expression;
  if (filter && filter->empty()) {
    filter.reset();
  }
  XRAYD_TRY(Commit([&]() -> Status {
    auto stmt = db_->Prepare(
        "INSERT INTO groups(name, uid, filter_expression, insights_enabled, notifications_enabled,"
        " tags, created_at, updated_at, filter_version) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1)");
    XRAYD_TRY(stmt);
    XRAYD_TRY(stmt->BindText(1, group.name));
    XRAYD_TRY(stmt->BindText(2, uid));
    XRAYD_TRY(filter ? stmt->BindText(3, *filter) : stmt->BindNull(3));
    XRAYD_TRY(stmt->BindInt64(4, group.insights.insights_enabled ? 1 : 0));
    XRAYD_TRY(stmt->BindInt64(5, group.insights.notifications_enabled ? 1 : 0));
    XRAYD_TRY(stmt->BindText(6, tags));
    XRAYD_TRY(stmt->BindDouble(7, now));
    return stmt->Run();
  }));
  return FindGroupLocked(ResourceRef{group.name, std::nullopt});
}

Result<Group> StateStore::UpdateGroup(const ResourceRef& ref, const GroupUpdate& update,
                                      double now) {
  std::lock_guard lock(mu_);
  auto current = FindGroupLocked(ref);
  if (!current) {
    return current;
  }
  if (current->is_default) {
    return MakeError(ErrorCode::kInvalidArgument, "The Default group cannot be updated");
  }
  std::optional<std::string> filter = current->filter_expression;
  if (update.filter_expression) {
    filter = update.filter_expression->empty() ? std::nullopt : update.filter_expression;
  }
  const bool filter_changed = filter != current->filter_expression;
  const InsightsConfiguration insights = update.insights.value_or(current->insights);
  XRAYD_TRY(Commit([&]() -> Status {
    auto stmt = db_->Prepare(
        "UPDATE groups SET filter_expression = ?2, insights_enabled = ?3,"
        " notifications_enabled = ?4, updated_at = ?5, filter_version = ?6 WHERE id = ?1");
    XRAYD_TRY(stmt);
    XRAYD_TRY(stmt->BindInt64(1, current->id));
    XRAYD_TRY(filter ? stmt->BindText(2, *filter) : stmt->BindNull(2));
    XRAYD_TRY(stmt->BindInt64(3, insights.insights_enabled ? 1 : 0));
    XRAYD_TRY(stmt->BindInt64(4, insights.notifications_enabled ? 1 : 0));
    XRAYD_TRY(stmt->BindDouble(5, filter_changed ? now : current->updated_at));
    XRAYD_TRY(stmt->BindInt64(6, current->filter_version + (filter_changed ? 1 : 0)));
    return stmt->Run();
  }));
  return FindGroupLocked(ResourceRef{current->name, std::nullopt});
}

Status StateStore::DeleteGroup(const ResourceRef& ref) {
  std::lock_guard lock(mu_);
  XRAYD_TRY_ASSIGN(auto current, FindGroupLocked(ref));
  if (current.is_default) {
    return MakeError(ErrorCode::kInvalidArgument, "The Default group cannot be deleted");
  }
  return Commit([&]() -> Status {
    XRAYD_TRY_ASSIGN(auto stmt, db_->Prepare("DELETE FROM groups WHERE id = ?1"));
    XRAYD_TRY(stmt.BindInt64(1, current.id));
    return stmt.Run();
  });
}

std::vector<SamplingRuleRecord> StateStore::ListSamplingRules() const {
  std::lock_guard lock(mu_);
  return rules_;
}

double StateStore::LastRuleModification() const {
  std::lock_guard lock(mu_);
  return last_rule_modification_;
}

Result<SamplingRuleRecord> StateStore::FindRuleLocked(const ResourceRef& ref) const {
  if (!ref.name && !ref.arn) {
    return MakeError(ErrorCode::kInvalidArgument, "RuleName or RuleARN is required");
  }
  for (const SamplingRuleRecord& r : rules_) {
    const bool name_ok = !ref.name || r.rule.rule_name == *ref.name;
    const bool arn_ok = !ref.arn || r.arn == *ref.arn;
    if (name_ok && arn_ok) {
      return r;
    }
  }
  return MakeError(ErrorCode::kNotFound,
                   "Sampling rule not found: " + *(ref.name ? ref.name : ref.arn));
}

Result<SamplingRuleRecord> StateStore::FindSamplingRule(const ResourceRef& ref) const {
  std::lock_guard lock(mu_);
  return FindRuleLocked(ref);
}

Status StateStore::SetLastRuleModification(double now) {
  auto stmt =
      db_->Prepare("UPDATE meta SET value = max(value, ?1) WHERE key = 'last_rule_modification'");
  XRAYD_TRY(stmt);
  XRAYD_TRY(stmt->BindDouble(1, now));
  return stmt->Run();
}

Result<SamplingRuleRecord> StateStore::CreateSamplingRule(const SamplingRule& rule,
                                                          const std::vector<Tag>& tags,
                                                          double now) {
  std::lock_guard lock(mu_);
  for (const SamplingRuleRecord& r : rules_) {
    if (r.rule.rule_name == rule.rule_name) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "Sampling rule " + rule.rule_name + " already exists");
    }
  }
  if (rules_.size() - 1 >= kMaxSamplingRules) {
    return MakeError(ErrorCode::kResourceExhausted, "Sampling rule limit reached: at most " +
                                                        std::to_string(kMaxSamplingRules) +
                                                        " rules besides Default");
  }
  XRAYD_TRY(Commit([&]() -> Status {
    XRAYD_TRY_ASSIGN(auto stmt, db_->Prepare(kInsertRule));
    XRAYD_TRY(BindRule(stmt, rule, tags, now, now));
    return SetLastRuleModification(now);
  }));
  return FindRuleLocked(ResourceRef{rule.rule_name, std::nullopt});
}

Result<SamplingRuleRecord> StateStore::UpdateSamplingRule(const ResourceRef& ref,
                                                          const RuleUpdater& apply, double now) {
  std::lock_guard lock(mu_);
  auto current = FindRuleLocked(ref);
  if (!current) {
    return current;
  }
  XRAYD_TRY_ASSIGN(auto updated, apply(*current));
  updated.rule_name = current->rule.rule_name;
  XRAYD_TRY(Commit([&]() -> Status {
    XRAYD_TRY_ASSIGN(auto stmt, db_->Prepare(kUpdateRule));
    XRAYD_TRY(BindRule(stmt, updated, current->tags, current->created_at, now));
    return SetLastRuleModification(now);
  }));
  return FindRuleLocked(ResourceRef{current->rule.rule_name, std::nullopt});
}

Result<SamplingRuleRecord> StateStore::DeleteSamplingRule(const ResourceRef& ref, double now) {
  std::lock_guard lock(mu_);
  auto current = FindRuleLocked(ref);
  if (!current) {
    return current;
  }
  if (current->rule.rule_name == kDefaultRuleName) {
    return MakeError(ErrorCode::kInvalidArgument, "The Default sampling rule cannot be deleted");
  }
  XRAYD_TRY(Commit([&]() -> Status {
    XRAYD_TRY_ASSIGN(auto stmt, db_->Prepare("DELETE FROM sampling_rules WHERE name = ?1"));
    XRAYD_TRY(stmt.BindText(1, current->rule.rule_name));
    XRAYD_TRY(stmt.Run());
    return SetLastRuleModification(now);
  }));
  return current;
}

}  // namespace xrayd::storage
