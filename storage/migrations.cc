#include "storage/migrations.h"

#include <cstdint>
#include <string>

namespace xrayd::storage {

Status MigrateUserVersion(Database& db, std::span<const std::string_view> migrations,
                          std::string_view schema) {
  XRAYD_TRY_ASSIGN(const std::int64_t version, db.QueryInt("PRAGMA user_version"));
  const auto latest = static_cast<std::int64_t>(migrations.size());
  if (version > latest) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(schema) + " version " + std::to_string(version) +
                         " is newer than this build's " + std::to_string(latest));
  }
  for (std::int64_t v = version; v < latest; ++v) {
    // The version number is ours, not user text; PRAGMA takes no bound parameters.
    std::string sql = "BEGIN IMMEDIATE;";
    sql += migrations[static_cast<std::size_t>(v)];
    sql += "PRAGMA user_version=" + std::to_string(v + 1) + ";COMMIT;";
    if (auto status = db.Exec(sql); !status) {
      if (!db.InAutocommit()) {
        (void)db.Exec("ROLLBACK");
      }
      return status;
    }
  }
  return {};
}

}  // namespace xrayd::storage
