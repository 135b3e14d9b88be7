#pragma once
// Statement: RAII owner of one prepared sqlite3_stmt, movable, confined to its connection's thread.
// Bind* copy nothing: bound text and blobs must stay alive until the statement is stepped to
// completion or Reset (SQLITE_STATIC), which is how the store uses them (bind, step, reset).
// Parameter and column indexes: parameters are 1-based, columns 0-based (as in SQLite).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proto/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace xrayd::storage {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  [[nodiscard]] Status BindText(int index, std::string_view text);
  [[nodiscard]] Status BindBlob(int index, std::string_view bytes);
  [[nodiscard]] Status BindDouble(int index, double value);
  [[nodiscard]] Status BindInt64(int index, std::int64_t value);
  [[nodiscard]] Status BindNull(int index);

  // Advances the statement. Returns true when a row is available, false when done.
  // Fails with the mapped SQLite error (see SqliteError); the statement must then be Reset.
  [[nodiscard]] Result<bool> Step();

  // Steps until done, discarding rows (for INSERT/UPDATE without RETURNING).
  [[nodiscard]] Status Run();

  // Makes the statement ready to run again; bindings are kept until rebound.
  void Reset();

  // Column readers, valid after Step() returned true and until the next Step/Reset.
  bool ColumnIsNull(int column) const;
  bool ColumnIsText(int column) const;
  std::int64_t ColumnInt64(int column) const;
  double ColumnDouble(int column) const;
  std::string_view ColumnText(int column) const;  // Also reads blobs.

  bool valid() const { return stmt_ != nullptr; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when the scope ends, so that no statement keeps a read snapshot or a
// half-run write alive after an early return.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& stmt) : stmt_(stmt) {}
  ~ResetOnExit() { stmt_.Reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& stmt_;
};

// Runs rows [0, total) through `run(stmt, first, count)`, which binds and runs `stmt` for rows
// first..first + count - 1: `many` (prepared for `per_many` rows) for each whole group of per_many
// rows, then `one` (prepared for one row) for each row left. Stops at the first error.
template <typename RunRows>
[[nodiscard]] Status RunInGroups(std::size_t total, std::size_t per_many, Statement& many,
                                 Statement& one, RunRows&& run) {
  std::size_t next = 0;
  for (; total - next >= per_many; next += per_many) {
    XRAYD_TRY(run(many, next, per_many));
  }
  for (; next < total; ++next) {
    XRAYD_TRY(run(one, next, 1));
  }
  return {};
}

}  // namespace xrayd::storage
