#pragma once
// Internal to storage/: the state behind TraceStore (one connection, its prepared statements and the
// per-batch scratch of the writer). Not part of the public API; included by trace_store*.cc only.

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/database.h"
#include "storage/statement.h"
#include "storage/trace_store.h"

// Evaluates a Status/Result expression and returns its error from the enclosing function.
#define XRAYD_STORAGE_TRY(expr)                                 \
  do {                                                          \
    if (auto xrayd_status_ = (expr); !xrayd_status_) {          \
      return tl::unexpected<Error>(std::move(xrayd_status_.error())); \
    }                                                           \
  } while (false)

namespace xrayd::storage {

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

// Prepares `sql` into `out` (statements live as long as the connection).
[[nodiscard]] inline Status PrepareInto(Database& db, std::string_view sql, Statement& out) {
  auto stmt = db.Prepare(sql);
  if (!stmt) {
    return tl::unexpected<Error>(std::move(stmt.error()));
  }
  out = std::move(*stmt);
  return {};
}

// Binds an annotation value as the schema stores it (see schema.h): TEXT, REAL or INTEGER 0/1.
[[nodiscard]] inline Status BindAnnotationValue(Statement& stmt, int index,
                                                const proto::AnnotationValue& value) {
  switch (value.type) {
    case proto::AnnotationValue::Type::kString:
      return stmt.BindText(index, value.string_value);
    case proto::AnnotationValue::Type::kNumber:
      return stmt.BindDouble(index, value.number_value);
    case proto::AnnotationValue::Type::kBool:
      return stmt.BindInt64(index, value.bool_value ? 1 : 0);
  }
  return MakeError(ErrorCode::kInternal, "unknown annotation type");
}

// What one batch changes in one trace row; applied with one upsert per trace at the end of the batch.
struct TraceDelta {
  double start_time = 0;
  double end_time = 0;
  std::int64_t documents = 0;
  std::int64_t in_progress = 0;
  std::int64_t revision = 0;
  std::int64_t bytes = 0;
  std::string_view root_id;    // Views into the batch's Documents.
  std::string_view root_name;
  bool keys_loaded = false;
  std::vector<std::string> keys;  // Annotation keys indexed for the trace (stored + this batch).
};

struct TraceStore::Impl {
  std::unique_ptr<Database> db;  // Declared first: destroyed after the statements.
  Statement begin;
  Statement commit;
  Statement rollback;
  Statement upsert_document;
  Statement select_document_state;
  Statement upsert_trace;
  Statement select_trace_keys;
  Statement insert_trace_key;
  Statement insert_annotation;
  Statement get_documents;
  Statement get_trace;
  Statement list_traces;
  Statement count_documents;
  Statement traces_with_annotation;
  // Writer scratch, reused across batches; keys view the current batch's Documents.
  std::unordered_map<std::string_view, TraceDelta> deltas;

  [[nodiscard]] Status PrepareAll();

  // Writer side, defined beside its SQL in trace_store_put.cc.
  [[nodiscard]] Status PrepareWriter();
  [[nodiscard]] Status PutInTransaction(std::span<const proto::Document> docs, double received_at,
                                        PutStats& stats);
  [[nodiscard]] Status PutOne(const proto::Document& doc, double received_at, PutStats& stats);
  [[nodiscard]] Status IndexAnnotations(const proto::Document& doc, TraceDelta& delta,
                                        PutStats& stats);
  [[nodiscard]] Status LoadTraceKeys(std::string_view trace_id, TraceDelta& delta);
  [[nodiscard]] Status FlushTraceDeltas(double received_at);
};

}  // namespace xrayd::storage
