#include "storage/forward_queue.h"

#include <optional>
#include <utility>

#include "storage/database.h"
#include "storage/document_codec.h"
#include "storage/document_ids.h"
#include "storage/schema.h"
#include "storage/statement.h"

namespace xrayd::storage {
namespace {

// A v4 row refers to the stored document (doc_seq); a v3 row carries its own copy (schema.h).
// Column 3 is NULL when the referred document is gone; columns 4-8 are the referred document's
// trace id and row values (storage/document_ids.h), which its frame may leave out.
constexpr std::string_view kReadAfter = R"sql(
SELECT q.seq, q.received_at, q.bytes, iif(q.doc_seq IS NULL, q.raw, d.raw),
       t.trace_id, d.id, d.parent_id, d.start_time, d.end_time
FROM forward_queue AS q LEFT JOIN documents AS d ON d.seq = q.doc_seq
  LEFT JOIN traces AS t ON t.seq = d.trace_seq
WHERE q.seq > ?1 ORDER BY q.seq LIMIT ?2)sql";
constexpr std::string_view kSizesAfter =
    "SELECT seq, bytes FROM forward_queue WHERE seq > ?1 ORDER BY seq LIMIT ?2";
constexpr std::string_view kTotals =
    "SELECT count(*), coalesce(sum(bytes), 0), coalesce(min(seq), 0), coalesce(max(seq), 0) "
    "FROM forward_queue";

template <typename T>
Result<T> Fail(Error error) {
  return tl::unexpected<Error>(std::move(error));
}

}  // namespace

ForwardQueueReader::ForwardQueueReader(std::unique_ptr<Database> db)
    : db_(std::move(db)), dictionaries_(std::make_unique<DocumentDictionaries>(*db_)) {}
ForwardQueueReader::~ForwardQueueReader() = default;

Result<std::unique_ptr<ForwardQueueReader>> ForwardQueueReader::Open(const std::string& path) {
  DatabaseOptions options;
  options.read_only = true;
  options.cache_kib = 2048;
  auto db = Database::Open(path, options);
  if (!db) {
    Error error = std::move(db.error());
    if (error.code == ErrorCode::kNotFound) {
      error.code = ErrorCode::kInvalidArgument;
    }
    return Fail<std::unique_ptr<ForwardQueueReader>>(std::move(error));
  }
  if (Status s = CheckSchema(**db); !s) {
    return Fail<std::unique_ptr<ForwardQueueReader>>(std::move(s.error()));
  }
  return std::unique_ptr<ForwardQueueReader>(new ForwardQueueReader(std::move(*db)));
}

Result<std::vector<SpooledDocument>> ForwardQueueReader::ReadAfter(std::int64_t after,
                                                                   std::size_t max_documents,
                                                                   std::size_t max_bytes) {
  if (!read_after_.valid()) {
    auto prepared = db_->Prepare(kReadAfter);
    if (!prepared) {
      return Fail<std::vector<SpooledDocument>>(std::move(prepared.error()));
    }
    read_after_ = std::move(*prepared);
  }
  Statement* const stmt = &read_after_;
  // No read snapshot outlives the call, also when it stops before the last row.
  ResetOnExit reset(read_after_);
  std::vector<SpooledDocument> out;
  if (auto s = stmt->BindInt64(1, after); !s) {
    return Fail<std::vector<SpooledDocument>>(std::move(s.error()));
  }
  if (auto s = stmt->BindInt64(2, static_cast<std::int64_t>(max_documents)); !s) {
    return Fail<std::vector<SpooledDocument>>(std::move(s.error()));
  }
  std::size_t bytes = 0;
  for (;;) {
    auto row = stmt->Step();
    if (!row) {
      return Fail<std::vector<SpooledDocument>>(std::move(row.error()));
    }
    if (!*row) {
      break;
    }
    // A stored document that no longer decodes (storage/document_codec.h) cannot be sent either.
    const std::optional<RowFields> fields = ReadRowFieldsWithTrace(*stmt, 4);
    Result<std::string> raw =
        stmt->ColumnIsNull(3)
            ? std::string()
            : dictionaries_->Decode(stmt->ColumnText(3), fields ? &*fields : nullptr);
    const bool missing = stmt->ColumnIsNull(3) || !raw;
    if (missing) {
      raw = std::string();
    }
    if (!out.empty() && bytes + raw->size() > max_bytes) {
      break;
    }
    bytes += raw->size();
    out.push_back(SpooledDocument{.seq = stmt->ColumnInt64(0),
                                  .received_at = stmt->ColumnDouble(1),
                                  .bytes = stmt->ColumnInt64(2),
                                  .missing = missing,
                                  .raw = std::move(*raw)});
  }
  return out;
}

Result<std::vector<SpooledSize>> ForwardQueueReader::SizesAfter(std::int64_t after,
                                                                std::size_t max_documents) {
  auto stmt = db_->Prepare(kSizesAfter);
  if (!stmt) {
    return Fail<std::vector<SpooledSize>>(std::move(stmt.error()));
  }
  if (auto s = stmt->BindInt64(1, after); !s) {
    return Fail<std::vector<SpooledSize>>(std::move(s.error()));
  }
  if (auto s = stmt->BindInt64(2, static_cast<std::int64_t>(max_documents)); !s) {
    return Fail<std::vector<SpooledSize>>(std::move(s.error()));
  }
  std::vector<SpooledSize> out;
  for (;;) {
    auto row = stmt->Step();
    if (!row) {
      return Fail<std::vector<SpooledSize>>(std::move(row.error()));
    }
    if (!*row) {
      break;
    }
    out.push_back(SpooledSize{.seq = stmt->ColumnInt64(0), .bytes = stmt->ColumnInt64(1)});
  }
  return out;
}

Result<SpoolTotals> ForwardQueueReader::Totals() {
  auto stmt = db_->Prepare(kTotals);
  if (!stmt) {
    return Fail<SpoolTotals>(std::move(stmt.error()));
  }
  auto row = stmt->Step();
  if (!row) {
    return Fail<SpoolTotals>(std::move(row.error()));
  }
  SpoolTotals totals;
  if (*row) {
    totals.documents = stmt->ColumnInt64(0);
    totals.bytes = stmt->ColumnInt64(1);
    totals.first_seq = stmt->ColumnInt64(2);
    totals.last_seq = stmt->ColumnInt64(3);
  }
  return totals;
}

}  // namespace xrayd::storage
