#include "storage/statement.h"

#include <limits>
#include <utility>

#include <sqlite3.h>

#include "storage/database.h"

namespace xrayd::storage {

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

namespace {

Status Check(sqlite3* db, int rc, std::string_view what) {
  if (rc != SQLITE_OK) {
    return tl::unexpected<Error>(SqliteError(db, rc, what));
  }
  return {};
}

// SQLite binds NULL for a null pointer; an empty view (possibly data() == nullptr) must bind ''.
const char* NonNull(std::string_view bytes) {
  return bytes.data() != nullptr ? bytes.data() : "";
}

bool TooLong(std::string_view bytes) {
  return bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max());
}

}  // namespace

Status Statement::BindText(int index, std::string_view text) {
  if (TooLong(text)) {
    return MakeError(ErrorCode::kInvalidArgument, "text parameter too long");
  }
  // SQLITE_STATIC: the caller keeps `text` alive until the statement is done (see header).
  return Check(
      db_,
      sqlite3_bind_text(stmt_, index, NonNull(text), static_cast<int>(text.size()), SQLITE_STATIC),
      "bind text");
}

Status Statement::BindBlob(int index, std::string_view bytes) {
  if (TooLong(bytes)) {
    return MakeError(ErrorCode::kInvalidArgument, "blob parameter too long");
  }
  return Check(db_,
               sqlite3_bind_blob(stmt_, index, NonNull(bytes), static_cast<int>(bytes.size()),
                                 SQLITE_STATIC),
               "bind blob");
}

Status Statement::BindDouble(int index, double value) {
  return Check(db_, sqlite3_bind_double(stmt_, index, value), "bind double");
}

Status Statement::BindInt64(int index, std::int64_t value) {
  return Check(db_, sqlite3_bind_int64(stmt_, index, value), "bind int64");
}

Status Statement::BindNull(int index) {
  return Check(db_, sqlite3_bind_null(stmt_, index), "bind null");
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return tl::unexpected<Error>(SqliteError(db_, rc, "step"));
}

Status Statement::Run() {
  for (;;) {
    XRAYD_TRY_ASSIGN(auto row, Step());
    if (!row) {
      return {};
    }
  }
}

void Statement::Reset() {
  // The return code repeats the last Step() error, which the caller has already seen.
  (void)sqlite3_reset(stmt_);
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

bool Statement::ColumnIsText(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_TEXT;
}

std::int64_t Statement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::ColumnDouble(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string_view Statement::ColumnText(int column) const {
  // sqlite3_column_blob before sqlite3_column_bytes, as SQLite's docs prescribe.
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) {
    return {};
  }
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

}  // namespace xrayd::storage
