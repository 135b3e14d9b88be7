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

// A number's value, or a bool's as 0 or 1 (0 for a string).
double NumberOf(const proto::AnnotationValue& value) {
  switch (value.type) {
    case proto::AnnotationValue::Type::kNumber:
      return value.number_value;
    case proto::AnnotationValue::Type::kBool:
      return value.bool_value ? 1 : 0;
    case proto::AnnotationValue::Type::kString:
      break;
  }
  return 0;
}

// BindAnnotationValue's rule, for a value held as its type, number (a bool's 0 or 1) and text.
Status BindValue(Statement& stmt, int index, proto::AnnotationValue::Type type, double number,
                 std::string_view text) {
  switch (type) {
    case proto::AnnotationValue::Type::kString:
      return stmt.BindText(index, text);
    case proto::AnnotationValue::Type::kNumber:
      return stmt.BindDouble(index, number);
    case proto::AnnotationValue::Type::kBool:
      return stmt.BindInt64(index, number != 0 ? 1 : 0);
  }
  return MakeError(ErrorCode::kInternal, "unknown annotation type");
}

}  // namespace

Status BindAnnotationValue(Statement& stmt, int index, const proto::AnnotationValue& value) {
  return BindValue(stmt, index, value.type, NumberOf(value), value.string_value);
}

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
  const bool is_text = value.type == proto::AnnotationValue::Type::kString;
  const double number = NumberOf(value);
  const std::string_view text = is_text ? std::string_view(value.string_value) : std::string_view();
  rows_.push_back(Row{.bucket = bucket,
                      .key_id = key_id,
                      .type = value.type,
                      .order = is_text ? TextOrder(text) : NumberOrder(number),
                      .number = number,
                      .text = text,
                      .trace_seq = trace_seq});
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
  XRAYD_TRY(stmt.BindInt64(first, row.bucket));
  XRAYD_TRY(stmt.BindInt64(first + 1, row.key_id));
  XRAYD_TRY(stmt.BindInt64(first + 2, static_cast<std::int64_t>(row.type)));
  XRAYD_TRY(BindValue(stmt, first + 3, row.type, row.number, row.text));
  return stmt.BindInt64(first + 4, row.trace_seq);
}

Result<std::int64_t> AnnotationRows::Flush(Database& db) {
  // A lambda, not the function's address, so that the comparison is inlined into the sort.
  std::sort(rows_.begin(), rows_.end(),
            [](const Row& a, const Row& b) { return IndexOrderLess(a, b); });
  std::int64_t inserted = 0;
  const Status status =
      RunInGroups(rows_.size(), kRowsPerStatement, insert_many_, insert_one_,
                  [&](Statement& stmt, std::size_t first, std::size_t count) -> Status {
                    ResetOnExit reset(stmt);
                    for (std::size_t i = 0; i < count; ++i) {
                      XRAYD_TRY(BindRow(stmt, static_cast<int>(5 * i + 1), rows_[first + i]));
                    }
                    XRAYD_TRY(stmt.Run());
                    inserted += db.Changes();
                    return {};
                  });
  rows_.clear();
  XRAYD_TRY(status);
  return inserted;
}

}  // namespace xrayd::storage
