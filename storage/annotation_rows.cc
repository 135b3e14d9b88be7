#include "storage/annotation_rows.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

#include "storage/database.h"

namespace xrayd::storage {
namespace {

std::string InsertSql(std::size_t rows) {
  std::string sql =
      "INSERT OR IGNORE INTO annotations(bucket, key_id, vtype, value, trace_seq) VALUES";
  for (std::size_t i = 0; i < rows; ++i) {
    sql += i == 0 ? "(?,?,?,?,?)" : ",(?,?,?,?,?)";
  }
  return sql;
}

std::uint64_t NumberOrder(double number) {
  const auto bits = std::bit_cast<std::uint64_t>(number);
  return (bits >> 63) != 0 ? ~bits : bits | (std::uint64_t{1} << 63);
}

std::uint64_t TextOrder(std::string_view text) {
  unsigned char prefix[8] = {};
  if (!text.empty()) {
    std::memcpy(prefix, text.data(), std::min(text.size(), sizeof prefix));
  }
  std::uint64_t order = 0;
  for (const unsigned char byte : prefix) {
    order = order << 8 | byte;
  }
  return order;
}

}  // namespace

// The primary key's order as SQLite compares it (numbers numerically, text bytewise: BINARY
// collation), except that -0.0 sorts before 0.0: the order only groups neighbouring rows.
bool AnnotationRows::IndexOrderLess(const Row& a, const Row& b) {
  if (a.bucket != b.bucket) {
    return a.bucket < b.bucket;
  }
  if (a.key_id != b.key_id) {
    return a.key_id < b.key_id;
  }
  if (a.type != b.type) {
    return a.type < b.type;
  }
  if (a.order != b.order) {
    return a.order < b.order;
  }
  if (a.type == proto::AnnotationValue::Type::kString) {
    if (const int c = a.text.compare(b.text); c != 0) {
      return c < 0;
    }
  }
  return a.trace_seq < b.trace_seq;
}

Status AnnotationRows::Prepare(Database& db) {
  XRAYD_TRY_ASSIGN(insert_one_, db.Prepare(InsertSql(1)));
  XRAYD_TRY_ASSIGN(insert_many_, db.Prepare(InsertSql(kRowsPerStatement)));
  return {};
}

void AnnotationRows::Add(std::int64_t bucket, std::int64_t key_id,
                         const proto::AnnotationValue& value, std::int64_t trace_seq) {
  using Type = proto::AnnotationValue::Type;
  Row row{.bucket = bucket,
          .key_id = key_id,
          .type = value.type,
          .order = 0,
          .number = 0,
          .text = {},
          .trace_seq = trace_seq};
  switch (value.type) {
    case Type::kString:
      row.text = value.string_value;
      row.order = TextOrder(row.text);
      break;
    case Type::kNumber:
      row.number = value.number_value;
      row.order = NumberOrder(row.number);
      break;
    case Type::kBool:
      row.number = value.bool_value ? 1 : 0;
      row.order = NumberOrder(row.number);
      break;
  }
  rows_.push_back(row);
}

void AnnotationRows::AddText(std::int64_t bucket, std::int64_t key_id, std::string_view text,
                             std::int64_t trace_seq) {
  rows_.push_back(Row{.bucket = bucket,
                      .key_id = key_id,
                      .type = proto::AnnotationValue::Type::kString,
                      .order = TextOrder(text),
                      .number = 0,
                      .text = text,
                      .trace_seq = trace_seq});
}

Status AnnotationRows::BindRow(Statement& stmt, int first, const Row& row) {
  using Type = proto::AnnotationValue::Type;
  XRAYD_TRY(stmt.BindInt64(first, row.bucket));
  XRAYD_TRY(stmt.BindInt64(first + 1, row.key_id));
  XRAYD_TRY(stmt.BindInt64(first + 2, static_cast<std::int64_t>(row.type)));
  switch (row.type) {
    case Type::kString:
      XRAYD_TRY(stmt.BindText(first + 3, row.text));
      break;
    case Type::kNumber:
      XRAYD_TRY(stmt.BindDouble(first + 3, row.number));
      break;
    case Type::kBool:
      XRAYD_TRY(stmt.BindInt64(first + 3, row.number != 0 ? 1 : 0));
      break;
  }
  return stmt.BindInt64(first + 4, row.trace_seq);
}

Result<std::int64_t> AnnotationRows::Flush(Database& db) {
  // A lambda, not the function's address, so that the comparison is inlined into the sort.
  std::sort(rows_.begin(), rows_.end(),
            [](const Row& a, const Row& b) { return IndexOrderLess(a, b); });
  std::int64_t inserted = 0;
  std::size_t next = 0;
  auto run = [&](Statement& stmt, std::size_t count) -> Status {
    ResetOnExit reset(stmt);
    for (std::size_t i = 0; i < count; ++i) {
      XRAYD_TRY(BindRow(stmt, static_cast<int>(5 * i + 1), rows_[next + i]));
    }
    XRAYD_TRY(stmt.Run());
    inserted += db.Changes();
    next += count;
    return {};
  };
  Status status;
  while (status && rows_.size() - next >= kRowsPerStatement) {
    status = run(insert_many_, kRowsPerStatement);
  }
  while (status && next < rows_.size()) {
    status = run(insert_one_, 1);
  }
  rows_.clear();
  XRAYD_TRY(status);
  return inserted;
}

}  // namespace xrayd::storage
