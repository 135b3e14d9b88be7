#pragma once
// StateStore: the daemon's configuration state, groups (docs/groups.md) and sampling rules
// (docs/sampling.md), in its own SQLite file (`state.db` in the data dir, apart from traces.db so
// trace retention never touches it), migrated by PRAGMA user_version (storage/state_schema.h).
// Thread-safe: one connection behind a mutex; every write commits before it returns and then
// refreshes an in-memory copy, so ListGroups()/ListSamplingRules() never touch SQLite.
// The store checks identity, uniqueness and limits; the meaning of the values (filter syntax, rule
// ranges) is validated by the caller (query/filter_parser.h, query/sampling.h).

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "proto/result.h"
#include "storage/database.h"
#include "storage/state_types.h"

namespace xrayd::storage {

inline constexpr std::size_t kMaxGroups = 25;  // docs/groups.md#group-rules, not counting Default.
inline constexpr std::size_t kMaxSamplingRules =
    25;  // docs/sampling.md#default-rule-and-limits, not counting Default.

struct StateStoreOptions {
  std::string region = kDefaultRegion;
  std::string account = kDefaultAccount;
  bool read_only = false;  // For `xrayd groups list` while the daemon runs; never migrates.
};

// Identifies a group or rule by name and/or ARN; at least one must be set.
struct ResourceRef {
  std::optional<std::string> name;
  std::optional<std::string> arn;
};

struct NewGroup {
  std::string name;
  std::optional<std::string> filter_expression;  // Empty text is stored as "no filter".
  InsightsConfiguration insights;
  std::vector<Tag> tags;
};

struct GroupUpdate {
  std::optional<std::string> filter_expression;   // Set: replaces the filter ("" removes it).
  std::optional<InsightsConfiguration> insights;  // Set: replaces the configuration.
};

class StateStore {
 public:
  // Opens (creating and migrating unless read_only) the state database at `path`
  // (":memory:" for tests). kNotFound if read_only and the file does not exist; kInvalidArgument if
  // the file is from a newer build (or, read-only, not migrated yet); kIOError on SQLite errors.
  [[nodiscard]] static Result<std::unique_ptr<StateStore>> Open(const std::string& path,
                                                                StateStoreOptions options = {});
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Every group: the implicit Default group first (id 0, no filter, matches every trace), then the
  // stored groups by id. Cheap (in-memory copy): meant for use at ingest to record membership.
  std::vector<Group> ListGroups() const;
  // The same groups, shared: one object until the next change commits (a new one then), so a
  // caller can tell whether they changed by comparing pointers.
  std::shared_ptr<const std::vector<Group>> SharedGroups() const;

  // kInvalidArgument: the name is "Default" (reserved), already used, or not 1-32 characters
  // without whitespace, control characters or '/'. kResourceExhausted: kMaxGroups exist.
  [[nodiscard]] Result<Group> CreateGroup(const NewGroup& group, double now);
  // kNotFound: no such group. kInvalidArgument: neither set, or name and ARN name different groups.
  // The Default group is found by name "Default" or its ARN.
  [[nodiscard]] Result<Group> FindGroup(const ResourceRef& ref) const;
  // As FindGroup; kInvalidArgument for the Default group (cannot be updated). Bumps updated_at and
  // filter_version only when the filter text changes.
  [[nodiscard]] Result<Group> UpdateGroup(const ResourceRef& ref, const GroupUpdate& update,
                                          double now);
  // As FindGroup; kInvalidArgument for the Default group. The id is never reused.
  [[nodiscard]] Status DeleteGroup(const ResourceRef& ref);

  // Every rule including Default, by Priority then RuleName
  // (docs/sampling.md#default-rule-and-limits). In-memory copy.
  std::vector<SamplingRuleRecord> ListSamplingRules() const;
  // kNotFound: no such rule; kInvalidArgument: neither name nor ARN, or they disagree.
  [[nodiscard]] Result<SamplingRuleRecord> FindSamplingRule(const ResourceRef& ref) const;
  // REQUIRES: `rule` was validated (query::ValidateRule). kInvalidArgument: the name is taken;
  // kResourceExhausted: kMaxSamplingRules custom rules exist.
  [[nodiscard]] Result<SamplingRuleRecord> CreateSamplingRule(const SamplingRule& rule,
                                                              const std::vector<Tag>& tags,
                                                              double now);
  // Atomically reads the rule named by `ref`, passes it to `apply` and stores what it returns
  // (the name cannot change). kNotFound as FindSamplingRule; `apply`'s error is returned as is.
  using RuleUpdater = std::function<Result<SamplingRule>(const SamplingRuleRecord& current)>;
  [[nodiscard]] Result<SamplingRuleRecord> UpdateSamplingRule(const ResourceRef& ref,
                                                              const RuleUpdater& apply, double now);
  // Returns the deleted rule. kNotFound as FindSamplingRule; kInvalidArgument for Default.
  [[nodiscard]] Result<SamplingRuleRecord> DeleteSamplingRule(const ResourceRef& ref, double now);
  // Epoch seconds of the last rule create/update/delete (0 if none ever); persisted.
  double LastRuleModification() const;

  std::string GroupArn(const std::string& name, const std::string& uid) const;
  std::string RuleArn(const std::string& name) const;

 private:
  StateStore(std::unique_ptr<Database> db, StateStoreOptions options);
  Status Reload();  // REQUIRES: mu_ held.
  Result<Group> FindGroupLocked(const ResourceRef& ref) const;
  Result<SamplingRuleRecord> FindRuleLocked(const ResourceRef& ref) const;
  Status SetLastRuleModification(double now);          // REQUIRES: mu_ held, inside a transaction.
  Status Commit(const std::function<Status()>& body);  // BEGIN IMMEDIATE .. COMMIT / ROLLBACK.

  mutable std::mutex mu_;
  std::unique_ptr<Database> db_;
  const StateStoreOptions options_;
  std::vector<Group> groups_;                                // Default first, then by id.
  std::shared_ptr<const std::vector<Group>> shared_groups_;  // A copy of groups_.
  std::vector<SamplingRuleRecord> rules_;                    // By priority, name.
  double last_rule_modification_ = 0;
};

}  // namespace xrayd::storage
