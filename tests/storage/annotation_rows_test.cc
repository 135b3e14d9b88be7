#include "storage/annotation_rows.h"

#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "storage/database.h"
#include "storage/schema.h"
#include "storage/trace_store.h"
#include "tests/storage/document_builder.h"

namespace xrayd::storage {
namespace {

using Value = proto::AnnotationValue;
// (bucket, key_id, vtype, value as SQLite prints it with typeof, trace_seq).
using StoredRow = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::string, std::int64_t>;

class AnnotationRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(":memory:", DatabaseOptions{});
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(Migrate(*db_));
    ASSERT_TRUE(rows_.Prepare(*db_));
  }

  // Flushes inside a transaction, as the store does.
  std::int64_t FlushInTransaction() {
    EXPECT_TRUE(db_->Exec("BEGIN"));
    auto inserted = rows_.Flush(*db_);
    EXPECT_TRUE(inserted) << inserted.error().message;
    EXPECT_TRUE(db_->Exec("COMMIT"));
    return inserted.value_or(-1);
  }

  std::set<StoredRow> Stored() {
    auto stmt = db_->Prepare(
        "SELECT bucket, key_id, vtype, typeof(value) || ':' || value, trace_seq FROM annotations");
    EXPECT_TRUE(stmt);
    std::set<StoredRow> out;
    while (stmt && stmt->Step().value_or(false)) {
      out.emplace(stmt->ColumnInt64(0), stmt->ColumnInt64(1), stmt->ColumnInt64(2),
                  std::string(stmt->ColumnText(3)), stmt->ColumnInt64(4));
    }
    return out;
  }

  static Value Text(std::string text) {
    Value value;
    value.string_value = std::move(text);
    return value;
  }
  static Value Number(double number) {
    Value value;
    value.type = Value::Type::kNumber;
    value.number_value = number;
    return value;
  }
  static Value Bool(bool flag) {
    Value value;
    value.type = Value::Type::kBool;
    value.bool_value = flag;
    return value;
  }

  std::unique_ptr<Database> db_;
  AnnotationRows rows_;
};

TEST_F(AnnotationRowsTest, WritesEveryQueuedRowWithItsTypeAcrossStatementSizes) {
  // More rows than several multi-row statements hold, and not a multiple of their size, queued in
  // an order unlike the index's, so both statement sizes and the sort are exercised.
  const std::size_t count = 3 * AnnotationRows::kRowsPerStatement + 5;
  std::vector<Value> values;  // Outlives the flush: rows refer to the strings.
  for (std::size_t i = 0; i < count; ++i) {
    const auto n = static_cast<std::int64_t>(i);
    values.push_back(i % 3 == 0   ? Text("t" + std::to_string(count - i))
                     : i % 3 == 1 ? Number(i % 2 == 0 ? -0.5 * n : 1.25 * n)
                                  : Bool(i % 2 == 0));
  }
  std::set<StoredRow> expected;
  for (std::size_t i = 0; i < count; ++i) {
    const auto n = static_cast<std::int64_t>(i);
    const std::int64_t bucket = n % 2;
    const std::int64_t key = 7 - n % 5;
    const std::int64_t seq = 1000 - n;
    rows_.Add(bucket, key, values[i], seq);
    const Value& v = values[i];
    std::string printed;
    switch (v.type) {
      case Value::Type::kString:
        printed = "text:" + v.string_value;
        break;
      case Value::Type::kNumber: {
        auto stmt = db_->Prepare("SELECT 'real:' || ?1");  // SQLite's own printing of the double.
        EXPECT_TRUE(stmt && stmt->BindDouble(1, v.number_value) && stmt->Step().value_or(false));
        printed = std::string(stmt->ColumnText(0));
        break;
      }
      case Value::Type::kBool:
        printed = v.bool_value ? "integer:1" : "integer:0";
        break;
    }
    expected.emplace(bucket, key, static_cast<std::int64_t>(v.type), printed, seq);
  }
  ASSERT_EQ(expected.size(), count);
  EXPECT_EQ(rows_.size(), count);

  EXPECT_EQ(FlushInTransaction(), static_cast<std::int64_t>(count));
  EXPECT_EQ(rows_.size(), 0u);
  EXPECT_EQ(Stored(), expected);
}

TEST_F(AnnotationRowsTest, CountsOnlyRowsTheIndexDidNotHold) {
  const Value tenant = Text("t7");
  const Value latency = Number(0.25);
  rows_.Add(3, 1, tenant, 10);
  rows_.Add(3, 2, latency, 10);
  EXPECT_EQ(FlushInTransaction(), 2);

  // The same two rows again, twice in one queue, with one new row among them.
  for (int i = 0; i < 2; ++i) {
    rows_.Add(3, 1, tenant, 10);
    rows_.Add(3, 2, latency, 10);
  }
  rows_.AddText(3, 1, "t8", 11);
  EXPECT_EQ(FlushInTransaction(), 1);
  EXPECT_EQ(Stored().size(), 3u);
}

TEST_F(AnnotationRowsTest, ClearDropsQueuedRows) {
  rows_.AddText(0, 1, "dropped", 1);
  rows_.Clear();
  EXPECT_EQ(FlushInTransaction(), 0);
  EXPECT_TRUE(Stored().empty());
}

// Through the store: one batch with more index rows than a multi-row statement holds, every one
// findable and counted once.
TEST(AnnotationRowsStoreTest, ABatchsRowsAreAllIndexed) {
  auto store = TraceStore::Open(testing::FreshDbPath("annotation_rows_"), OpenMode::kReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  constexpr int kTraces = 50;
  std::vector<proto::Document> docs;
  std::vector<std::string> trace_ids;
  for (int i = 0; i < kTraces; ++i) {
    char trace_id[40];
    std::snprintf(trace_id, sizeof trace_id, "1-5759e988-bd862e3fe1be46a994272%03d", i);
    trace_ids.emplace_back(trace_id);
    testing::DocSpec spec;
    spec.trace_id = trace_id;
    spec.annotations = {testing::StringAnnotation("tenant", i % 2 == 0 ? "even" : "odd"),
                        testing::NumberAnnotation("n", i),
                        testing::StringAnnotation("trace", trace_id)};
    docs.push_back(testing::BuildDocument(spec));
  }
  auto stats = (*store)->PutDocuments(docs, 1700000000.0);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->annotations_indexed, 3u * kTraces);

  auto even = (*store)->TracesWithAnnotation("tenant", testing::StringAnnotation("", "even").value);
  ASSERT_TRUE(even);
  EXPECT_EQ(even->size(), kTraces / 2u);
  for (int i = 0; i < kTraces; ++i) {
    auto by_number = (*store)->TracesWithAnnotation("n", testing::NumberAnnotation("", i).value);
    ASSERT_TRUE(by_number);
    EXPECT_EQ(*by_number, std::vector<std::string>{trace_ids[i]});
    auto by_id =
        (*store)->TracesWithAnnotation("trace", testing::StringAnnotation("", trace_ids[i]).value);
    ASSERT_TRUE(by_id);
    EXPECT_EQ(*by_id, std::vector<std::string>{trace_ids[i]});
  }
}

}  // namespace
}  // namespace xrayd::storage
