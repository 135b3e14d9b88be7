#include "storage/annotation_keys.h"

#include <array>
#include <utility>

#include "storage/database.h"
#include "storage/trace_store_impl.h"

namespace xrayd::storage {
namespace {

// The ids the version-7 migration gives the reserved keys (schema.cc); never change them.
constexpr std::array<std::pair<std::string_view, std::int64_t>, 5> kReservedKeys = {{
    {"$service", 1},
    {"$user", 2},
    {"$az", 3},
    {"$instance", 4},
    {"$arn", 5},
}};

constexpr std::string_view kInsertName =
    "INSERT OR IGNORE INTO annotation_key_names(key) VALUES(?1)";
constexpr std::string_view kSelectId = "SELECT id FROM annotation_key_names WHERE key = ?1";

// Decodes the varint at the front of `set`; false at the end or on a truncated varint.
bool NextKeyId(std::string_view& set, std::uint64_t& id) {
  id = 0;
  for (int shift = 0; !set.empty() && shift < 64; shift += 7) {
    const auto byte = static_cast<unsigned char>(set.front());
    set.remove_prefix(1);
    id |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::int64_t> ReservedKeyId(std::string_view key) {
  for (const auto& [name, id] : kReservedKeys) {
    if (name == key) {
      return id;
    }
  }
  return std::nullopt;
}

void AppendKeyId(std::string& set, std::int64_t id) {
  auto value = static_cast<std::uint64_t>(id);
  while (value >= 0x80) {
    set.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  set.push_back(static_cast<char>(value));
}

bool KeySetHas(std::string_view set, std::int64_t id) {
  std::uint64_t next = 0;
  while (NextKeyId(set, next)) {
    if (next == static_cast<std::uint64_t>(id)) {
      return true;
    }
  }
  return false;
}

std::uint32_t KeySetSize(std::string_view set) {
  std::uint32_t count = 0;
  std::uint64_t next = 0;
  while (NextKeyId(set, next)) {
    ++count;
  }
  return count;
}

Status AnnotationKeyIds::Prepare(Database& db) {
  XRAYD_TRY(PrepareInto(db, kInsertName, insert_));
  return PrepareInto(db, kSelectId, select_);
}

Result<std::optional<std::int64_t>> AnnotationKeyIds::Find(std::string_view key) {
  if (auto it = ids_.find(key); it != ids_.end()) {
    return it->second;
  }
  ResetOnExit reset(select_);
  XRAYD_TRY(select_.BindText(1, key));
  XRAYD_TRY_ASSIGN(const bool found, select_.Step());
  if (!found) {
    return std::optional<std::int64_t>();
  }
  const std::int64_t id = select_.ColumnInt64(0);
  if (ids_.size() >= kMaxCachedKeys) {
    ids_.clear();  // Start over: the keys in use now come back on their next lookup.
  }
  ids_.emplace(std::string(key), id);
  return id;
}

Result<std::int64_t> AnnotationKeyIds::IdOf(std::string_view key) {
  XRAYD_TRY_ASSIGN(const std::optional<std::int64_t> known, Find(key));
  if (known) {
    return *known;
  }
  {
    ResetOnExit reset(insert_);
    XRAYD_TRY(insert_.BindText(1, key));
    XRAYD_TRY(insert_.Run());
  }
  XRAYD_TRY_ASSIGN(const std::optional<std::int64_t> inserted, Find(key));
  if (!inserted) {
    return MakeError(ErrorCode::kInternal, "annotation key not stored after insert");
  }
  return *inserted;
}

Result<std::string> AnnotationKeyIds::SetFromNames(std::string_view names) {
  std::string set;
  while (!names.empty()) {
    const std::size_t comma = names.find(',');
    XRAYD_TRY_ASSIGN(const std::int64_t id, IdOf(names.substr(0, comma)));
    AppendKeyId(set, id);
    if (comma == std::string_view::npos) {
      break;
    }
    names.remove_prefix(comma + 1);
  }
  return set;
}

}  // namespace xrayd::storage
