#pragma once
// AnnotationRows: the annotation index rows (schema.h, "annotations") one write transaction adds,
// held until the transaction is about to commit and then inserted together. They are sorted in the
// index's order and inserted kRowsPerStatement at a time, so that one statement run carries many
// rows and consecutive rows land on the same leaf page. Measured on this table alone (SQLite 3.40,
// 16 KiB pages, 4,096 traces of 6 rows per transaction): 0.35 us per row, against 1.0-1.4 us with
// one INSERT per row in the order the documents gave them.
// Confined to the writing connection's thread.

#include <cstdint>
#include <string_view>
#include <vector>

#include "proto/document.h"
#include "proto/result.h"
#include "storage/statement.h"

namespace xrayd::storage {

class Database;

// Binds an annotation value to parameter `index` as the annotations index stores it (schema.h):
// a string as TEXT, a number as REAL, a bool as INTEGER 0 or 1. Every write and lookup of the
// index binds values this way, so that they compare equal.
[[nodiscard]] Status BindAnnotationValue(Statement& stmt, int index,
                                         const proto::AnnotationValue& value);

class AnnotationRows {
 public:
  // Rows bound per run of the multi-row INSERT (5 parameters each).
  static constexpr std::size_t kRowsPerStatement = 32;

  // Prepares the statements on `db`, the connection Flush will write with.
  [[nodiscard]] Status Prepare(Database& db);

  // Queues the row (bucket, key_id, value's type, value, trace_seq). A string value is not copied:
  // it must stay alive and unchanged until Flush or Clear.
  void Add(std::int64_t bucket, std::int64_t key_id, const proto::AnnotationValue& value,
           std::int64_t trace_seq);
  // Queues a string-typed row whose value is `text`, which must outlive Flush or Clear likewise.
  void AddText(std::int64_t bucket, std::int64_t key_id, std::string_view text,
               std::int64_t trace_seq);

  // Inserts every queued row that the index does not hold yet (INSERT OR IGNORE) inside the
  // caller's open transaction, and empties the queue. Returns the number of rows inserted.
  [[nodiscard]] Result<std::int64_t> Flush(Database& db);

  // Empties the queue without writing (a failed transaction).
  void Clear() { rows_.clear(); }

  std::size_t size() const { return rows_.size(); }

 private:
  struct Row {
    std::int64_t bucket;
    std::int64_t key_id;
    proto::AnnotationValue::Type type;
    // The value's order in one unsigned compare: a number's (or a bool's 0/1) bits mapped so that
    // they order as the numbers do; a string's first 8 bytes, big-endian, zero-padded.
    std::uint64_t order;
    double number;          // kNumber's value; kBool's as 0 or 1.
    std::string_view text;  // kString's value.
    std::int64_t trace_seq;
  };
  // The primary key's order (see the definition for the one difference).
  static bool IndexOrderLess(const Row& a, const Row& b);

  [[nodiscard]] static Status BindRow(Statement& stmt, int first, const Row& row);

  std::vector<Row> rows_;  // Capacity kept between transactions.
  Statement insert_one_;
  Statement insert_many_;
};

}  // namespace xrayd::storage
