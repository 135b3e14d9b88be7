#include "storage/database.h"

#include <string>
#include <utility>

#include <sqlite3.h>

namespace xrayd::storage {

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  ErrorCode code = ErrorCode::kIOError;
  switch (rc & 0xff) {  // Primary code; extended codes keep it in the low byte.
    case SQLITE_FULL:
      code = ErrorCode::kResourceExhausted;
      break;
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
      code = ErrorCode::kInternal;
      break;
    default:
      break;
  }
  std::string message = "sqlite ";
  message.append(what);
  message += ": ";
  // errmsg describes the most recent failure on `db`; errstr is the fallback without a handle.
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += " (" + std::to_string(rc) + ")";
  return Error{code, std::move(message)};
}

Database::~Database() {
  // Statements are finalized by their owners first (TraceStore declares them after the Database);
  // close_v2 still defers the close if one is left, instead of leaking the handle.
  sqlite3_close_v2(db_);
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                 const DatabaseOptions& options) {
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<Database> db(new Database(raw, options.read_only));
  if (rc != SQLITE_OK) {
    Error error = SqliteError(raw, rc, "open " + path);
    if (options.read_only && (rc & 0xff) == SQLITE_CANTOPEN) {
      error.code = ErrorCode::kNotFound;
    }
    return tl::unexpected<Error>(std::move(error));
  }
  sqlite3_extended_result_codes(raw, 1);
  if (const int brc = sqlite3_busy_timeout(raw, options.busy_timeout_ms); brc != SQLITE_OK) {
    return tl::unexpected<Error>(SqliteError(raw, brc, "busy_timeout"));
  }
  std::string pragmas =
      "PRAGMA cache_size=-" + std::to_string(options.cache_kib) + ";PRAGMA temp_store=MEMORY;";
  if (!options.read_only) {
    // page_size only applies to a new file; journal_mode=WAL persists in the file.
    pragmas += "PRAGMA page_size=" + std::to_string(options.page_size) +
               ";PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
               "PRAGMA journal_size_limit=67108864;PRAGMA wal_autocheckpoint=" +
               std::to_string(options.wal_autocheckpoint_kib * 1024 / options.page_size) +
               ";PRAGMA mmap_size=" + std::to_string(options.mmap_bytes) + ";";
  }
  XRAYD_TRY(db->Exec(pragmas));
  return db;
}

Status Database::Exec(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    Error error = SqliteError(db_, rc, "exec");
    if (message != nullptr) {
      error.message += std::string(": ") + message;
    }
    sqlite3_free(message);
    return tl::unexpected<Error>(std::move(error));
  }
  return {};
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return tl::unexpected<Error>(SqliteError(db_, rc, "prepare"));
  }
  return Statement(db_, stmt);
}

Result<std::int64_t> Database::QueryInt(std::string_view sql) {
  XRAYD_TRY_ASSIGN(auto stmt, Prepare(sql));
  XRAYD_TRY_ASSIGN(auto row, stmt.Step());
  if (!row) {
    return MakeError(ErrorCode::kInternal, "query returned no row");
  }
  return stmt.ColumnInt64(0);
}

std::int64_t Database::Changes() const {
  return sqlite3_changes64(db_);
}

bool Database::InAutocommit() const {
  return sqlite3_get_autocommit(db_) != 0;
}

SqliteMemory SqliteMemoryUse() {
  return SqliteMemory{.used = sqlite3_memory_used(), .peak = sqlite3_memory_highwater(0)};
}

}  // namespace xrayd::storage
