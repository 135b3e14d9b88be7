#pragma once
// Database: RAII owner of one sqlite3 connection. Confined to one thread (SQLite connections are
// not shared across threads here). Every SQLite return code is checked and mapped to an Error.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proto/result.h"
#include "storage/statement.h"

struct sqlite3;

namespace xrayd::storage {

struct DatabaseOptions {
  bool read_only = false;      // SQLITE_OPEN_READONLY: for readers while the daemon writes.
  int busy_timeout_ms = 5000;  // How long to wait for a lock held by another connection.
  // Page cache per connection; TraceStore::Open passes its own (storage/trace_store.h). The
  // writer's hot set (index right edges, recent annotation buckets, recent traces rows) is small:
  // storage_bench spends the same CPU per document with 2 MiB as with 8 MiB over 1 M documents
  // (14.3 us), and a bigger cache measured slower (64 MiB 15.3 vs 8 MiB 11.5 us/doc at 600k docs);
  // under load SQLite held ~4x the configured size, so the size shows in the daemon's RSS.
  std::int64_t cache_kib = 8192;
  // 16 KiB pages: 1-4 KB documents rarely overflow and the WAL gets fewer, larger writes
  // (measured with bench/storage_bench). Only takes effect when the file is created.
  int page_size = 16384;
  // Checkpoint after this much WAL: fewer checkpoints rewrite a hot index page fewer times.
  std::int64_t wal_autocheckpoint_kib = 32768;
  std::int64_t mmap_bytes = 0;  // PRAGMA mmap_size.
};

// Heap memory SQLite holds in this process (page caches of every connection, statements, schema),
// in bytes: now, and the most since the process started.
struct SqliteMemory {
  std::int64_t used = 0;
  std::int64_t peak = 0;
};
[[nodiscard]] SqliteMemory SqliteMemoryUse();

class Database {
 public:
  // Opens `path` (":memory:" for tests). Read-write opens create the file and switch it to WAL with
  // synchronous=NORMAL. Fails with kIOError if SQLite cannot open or configure the file, and with
  // kNotFound if a read-only open finds no file.
  [[nodiscard]] static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                              const DatabaseOptions& options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more SQL statements without parameters (schema, pragmas, transaction control).
  // REQUIRES: `sql` holds no user-supplied text.
  [[nodiscard]] Status Exec(const std::string& sql);

  // Compiles one statement. The statement must not outlive this Database.
  [[nodiscard]] Result<Statement> Prepare(std::string_view sql);

  // Single-row, single-integer query, e.g. "PRAGMA user_version".
  [[nodiscard]] Result<std::int64_t> QueryInt(std::string_view sql);

  // Rows changed by the last INSERT/UPDATE/DELETE on this connection (sqlite3_changes).
  [[nodiscard]] std::int64_t Changes() const;

  // True when no transaction is open (sqlite3_get_autocommit).
  [[nodiscard]] bool InAutocommit() const;

  bool read_only() const { return read_only_; }
  sqlite3* handle() const { return db_; }

 private:
  Database(sqlite3* db, bool read_only) : db_(db), read_only_(read_only) {}
  sqlite3* db_;
  bool read_only_;
};

// Maps a SQLite result code to an Error whose message names `what` and carries sqlite3_errmsg.
// SQLITE_FULL -> kResourceExhausted; SQLITE_MISUSE/RANGE -> kInternal; everything else -> kIOError.
Error SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace xrayd::storage
