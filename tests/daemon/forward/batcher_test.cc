// Batcher: document and byte limits, missing rows, idle flush. Pure: rows are built in memory.
#include "daemon/forward/batcher.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace xrayd::daemon {
namespace {

using std::chrono::milliseconds;
using Time = std::chrono::steady_clock::time_point;

storage::SpooledDocument Row(std::int64_t seq, std::size_t size, bool missing = false) {
  storage::SpooledDocument row;
  row.seq = seq;
  row.received_at = 1000.0 + static_cast<double>(seq);
  row.bytes = static_cast<std::int64_t>(size);
  row.missing = missing;
  if (!missing) {
    row.raw = std::string(size, 'd');
  }
  return row;
}

TEST(BatcherTest, ClosesABatchAtTheDocumentLimitClampedToFifty) {
  EXPECT_EQ(Batcher(BatcherLimits{.max_documents = 500}).DocumentLimit(), 50u);
  EXPECT_EQ(Batcher(BatcherLimits{.max_documents = 0}).DocumentLimit(), 1u);
  Batcher batcher(BatcherLimits{.max_documents = 3});
  const Time now{};
  std::vector<Batch> closed;
  for (int seq = 1; seq <= 7; ++seq) {
    if (auto b = batcher.Add(Row(seq, 10), now)) {
      closed.push_back(std::move(*b));
    }
  }
  ASSERT_EQ(closed.size(), 2u);
  EXPECT_EQ(closed[0].last_seq, 3);
  EXPECT_EQ(closed[0].raws.size(), 3u);
  EXPECT_EQ(closed[0].rows, 3);
  EXPECT_EQ(closed[0].bytes, 30);
  EXPECT_EQ(closed[0].first_received_at, 1001.0);
  EXPECT_EQ(closed[1].last_seq, 6);
  EXPECT_EQ(batcher.OpenReceivedAt(), 1007.0);
  auto rest = batcher.Flush();
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->last_seq, 7);
  EXPECT_EQ(rest->raws.size(), 1u);
  EXPECT_FALSE(batcher.Flush());  // Nothing open any more.
  EXPECT_EQ(batcher.OpenReceivedAt(), 0.0);
}

TEST(BatcherTest, ClosesBeforeARowWouldOverflowTheBytesAndSendsALargeDocumentAlone) {
  Batcher batcher(BatcherLimits{.max_documents = 50, .max_bytes = 100});
  const Time now{};
  EXPECT_FALSE(batcher.Add(Row(1, 40), now));
  EXPECT_FALSE(batcher.Add(Row(2, 40), now));
  auto first = batcher.Add(Row(3, 500), now);  // Would make 580 > 100: the open batch goes.
  ASSERT_TRUE(first);
  EXPECT_EQ(first->last_seq, 2);
  EXPECT_EQ(first->bytes, 80);
  auto second = batcher.Add(Row(4, 10), now);  // The lone 500-byte document went by itself.
  ASSERT_TRUE(second);
  EXPECT_EQ(second->last_seq, 3);
  EXPECT_EQ(second->raws.size(), 1u);
  EXPECT_EQ(second->bytes, 500);
}

TEST(BatcherTest, MissingRowsAreCoveredButNotSent) {
  Batcher batcher(BatcherLimits{.max_documents = 2});
  const Time now{};
  EXPECT_FALSE(batcher.Add(Row(1, 30, /*missing=*/true), now));
  EXPECT_FALSE(batcher.Add(Row(2, 20), now));
  EXPECT_FALSE(batcher.Add(Row(3, 30, /*missing=*/true), now));
  auto batch = batcher.Add(Row(4, 20), now);
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->rows, 4);
  EXPECT_EQ(batch->raws.size(), 2u);
  EXPECT_EQ(batch->bytes, 40);           // What is sent.
  EXPECT_EQ(batch->spooled_bytes, 100);  // What the spool cap counted.

  // A batch of only missing rows has nothing to wait for: it closes at the next flush check.
  EXPECT_FALSE(batcher.Add(Row(5, 30, /*missing=*/true), now));
  auto gone = batcher.FlushIfDue(now);
  ASSERT_TRUE(gone);
  EXPECT_TRUE(gone->raws.empty());
  EXPECT_EQ(gone->rows, 1);
}

TEST(BatcherTest, APartialBatchGoesIdleFlushAfterItsFirstRow) {
  Batcher batcher(BatcherLimits{.max_documents = 50, .idle_flush = milliseconds(1000)});
  const Time start{};
  EXPECT_FALSE(batcher.FlushIfDue(start));  // Nothing open.
  EXPECT_FALSE(batcher.Add(Row(1, 10), start));
  EXPECT_FALSE(batcher.Add(Row(2, 10), start + milliseconds(900)));
  EXPECT_FALSE(batcher.FlushIfDue(start + milliseconds(999)));
  auto batch = batcher.FlushIfDue(start + milliseconds(1000));
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->last_seq, 2);
  EXPECT_EQ(batch->opened, start);
}

}  // namespace
}  // namespace xrayd::daemon
