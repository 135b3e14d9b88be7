#pragma once
// Annotation keys as small integers (schema version 7, see schema.h "Annotation keys"): the
// annotations index and traces.annotation_keys name a key by its annotation_key_names.id, so a
// key's text is stored once per store instead of once per indexed value.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "proto/result.h"
#include "storage/statement.h"

namespace xrayd::storage {

class Database;

// Reserved keys of the summary's multi-valued fields (schema.h, "Summaries"). Their ids are fixed
// by the version-7 migration, so the summary writers never insert names.
// nullopt for any other key.
[[nodiscard]] std::optional<std::int64_t> ReservedKeyId(std::string_view key);

// A trace's indexed keys (traces.annotation_keys since version 7): their ids as unsigned LEB128
// varints, in first-come order. Up to 50 keys, so a set usually fits a short string's inline
// buffer.
void AppendKeyId(std::string& set, std::int64_t id);
[[nodiscard]] bool KeySetHas(std::string_view set, std::int64_t id);
[[nodiscard]] std::uint32_t KeySetSize(std::string_view set);

// The writer's key -> id map. Ids are never deleted or reused, so a cached id stays right whatever
// other connections commit; an id assigned in a transaction that rolled back must be forgotten
// (Forget). At most kMaxCachedKeys names are remembered (a store whose keys keep changing must not
// grow the writer's memory); the rest are looked up in the store. Not thread-safe: one writer
// connection.
class AnnotationKeyIds {
 public:
  static constexpr std::size_t kMaxCachedKeys = 4096;

  [[nodiscard]] Status Prepare(Database& db);
  // The key's id, inserting the name in the current write transaction when it is new.
  [[nodiscard]] Result<std::int64_t> IdOf(std::string_view key);
  // The key's id if it has one; inserts nothing.
  [[nodiscard]] Result<std::optional<std::int64_t>> Find(std::string_view key);
  // A version <= 6 traces.annotation_keys value ("k1,k2,...") as a key set.
  [[nodiscard]] Result<std::string> SetFromNames(std::string_view names);
  void Forget() { ids_.clear(); }
  [[nodiscard]] std::size_t cached_keys() const { return ids_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>()(key);
    }
  };
  std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> ids_;
  Statement insert_;
  Statement select_;
};

}  // namespace xrayd::storage
