// PopUpTo's byte bound: what ties the storage writer's transaction to its share of -m.

#include <gtest/gtest.h>

#include "daemon/ingest/ingest_queue.h"

namespace xrayd::daemon {
namespace {

IngestBatch BatchOf(int documents, std::size_t raw_bytes) {
  IngestBatch batch;
  for (int i = 0; i < documents; ++i) {
    proto::Document doc;
    doc.raw = std::string(raw_bytes, 'x');
    batch.documents.push_back(std::move(doc));
  }
  return batch;
}

TEST(IngestQueueBytesTest, PopStopsAtTheByteBoundButNeverReturnsNothing) {
  IngestQueue queue(64 << 20, nullptr);
  for (int i = 0; i < 10; ++i) {
    IngestBatch batch = BatchOf(4, 10'000);
    ASSERT_TRUE(queue.TryPush(batch));
  }
  const std::size_t one = IngestQueue::BatchBytes(BatchOf(4, 10'000));
  // Each document counts its packed bytes: its JSON and its fields' lengths and values.
  EXPECT_GE(one, 4 * 10'000);
  EXPECT_LE(one, 4 * (10'000 + 128) + 128);
  // Room for 2.5 batches: two are taken, the third would pass the bound.
  auto taken = queue.PopUpTo(1000, std::chrono::milliseconds(0), one * 5 / 2);
  EXPECT_EQ(taken.size(), 2u);
  // A bound smaller than one batch still takes one, so the writer always makes progress.
  taken = queue.PopUpTo(1000, std::chrono::milliseconds(0), 1);
  EXPECT_EQ(taken.size(), 1u);
  // Without a byte bound the document bound applies as before.
  taken = queue.PopUpTo(12, std::chrono::milliseconds(0));
  EXPECT_EQ(taken.size(), 3u);
  EXPECT_EQ(queue.Documents(), 4u * 4);
  EXPECT_EQ(queue.Bytes(), 4 * one);
}

}  // namespace
}  // namespace xrayd::daemon
