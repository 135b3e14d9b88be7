// The version 7 -> 8 migration moves trace_summaries into the traces row: a summarized trace keeps
// its summary (search predicates over t.* see it), an unsummarized one stays without (NULLs), and
// the table and its trigger are gone.

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/database.h"
#include "storage/schema.h"
#include "storage/trace_store.h"
#include "tests/storage/document_builder.h"

namespace xrayd::storage {
namespace {

std::string TempDbPath() {
  return testing::FreshDbPath("summary_columns_");
}

std::vector<std::string> CandidateIds(TraceStore& store, const std::string& predicate) {
  CandidateQuery query;
  query.start = 0;
  query.end = 2000;
  query.lookback = 2000;
  query.predicate = predicate;
  auto found = store.FindCandidates(query);
  EXPECT_TRUE(found) << (found ? "" : found.error().message);
  std::vector<std::string> ids;
  for (const Candidate& candidate : found.value_or(CandidatePage{}).candidates) {
    ids.push_back(candidate.info.trace_id);
  }
  return ids;
}

TEST(SummaryColumnsMigrationTest, VersionSevenSummariesMoveIntoTheTracesRow) {
  const std::string path = TempDbPath();
  {
    auto db = Database::Open(path, DatabaseOptions{});
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(MigrateTo(**db, 7));
    // testing::kTraceA summarized (2.5 s, fault, a URL); kTraceB never summarized.
    ASSERT_TRUE((*db)->Exec(
        "INSERT INTO traces(seq, trace_id, start_time, end_time, updated_at, documents, "
        "in_progress_count, revision, bytes, root_id, root_name, annotation_keys, "
        "summary_revision, first_received) VALUES"
        "(1, x'5759e988bd862e3fe1be46a994272793', 1000, 1002.5, 10, 1, 0, 1, 10, 1, 'a', x'', 1, "
        "10),"
        "(2, x'5759e9890123456789abcdef01234567', 1001, 1002, 10, 1, 0, 1, 10, 2, 'b', x'', 0, "
        "10);"
        "INSERT INTO trace_summaries(seq, response_time, duration, flags, http_status, http_url) "
        "VALUES(1, 2.5, 2.5, 2, 503, 'https://example.com/a');"));
  }
  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(store) << store.error().message;

  const std::string a = testing::kTraceA;
  const std::string b = testing::kTraceB;
  EXPECT_EQ(CandidateIds(**store, "t.response_time > 2 AND t.http_status = 503"),
            (std::vector<std::string>{b, a}));  // b is stale: a candidate whatever it says.
  EXPECT_EQ(CandidateIds(**store, "t.http_url = 'https://example.com/a'"),
            (std::vector<std::string>{b, a}));
  EXPECT_EQ(CandidateIds(**store, "t.response_time < 2"), std::vector<std::string>{b});

  auto db = Database::Open(path, DatabaseOptions{.read_only = true});
  ASSERT_TRUE(db);
  EXPECT_EQ((*db)->QueryInt("SELECT flags FROM traces WHERE seq = 1").value_or(-1), 2);
  EXPECT_EQ((*db)
                ->QueryInt("SELECT flags IS NULL AND response_time IS NULL FROM traces "
                           "WHERE seq = 2")
                .value_or(-1),
            1);
  EXPECT_EQ((*db)
                ->QueryInt("SELECT count(*) FROM sqlite_schema WHERE name IN "
                           "('trace_summaries', 'traces_delete_summary')")
                .value_or(-1),
            0);
}

}  // namespace
}  // namespace xrayd::storage
