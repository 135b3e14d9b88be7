#include "daemon/ingest/ingest_queue.h"

#include <thread>

#include <gtest/gtest.h>

#include "daemon/core/metrics.h"
#include "tests/support/queued_documents.h"

namespace xrayd::daemon {
namespace {

IngestBatch MakeBatch(std::size_t documents, std::size_t raw_bytes) {
  IngestBatch batch;
  for (std::size_t i = 0; i < documents; ++i) {
    proto::Document doc;
    doc.id = std::to_string(i);
    doc.raw.assign(raw_bytes, 'x');
    batch.documents.push_back(std::move(doc));
  }
  return batch;
}

TEST(IngestQueueTest, RefusesBeyondCapacityAndKeepsTheBatch) {
  Metrics metrics;
  IngestQueue queue(4096, &metrics);
  IngestBatch first = MakeBatch(2, 1000);
  ASSERT_TRUE(queue.TryPush(first));
  EXPECT_EQ(queue.Documents(), 2u);
  EXPECT_EQ(metrics.queue_documents.load(), 2);
  IngestBatch second = MakeBatch(2, 1000);
  EXPECT_FALSE(queue.TryPush(second));
  EXPECT_EQ(second.documents.size(), 2u) << "a refused batch stays with the caller";
  EXPECT_EQ(queue.Documents(), 2u);
}

TEST(IngestQueueTest, DocumentsComeOutAsTheyWentIn) {
  IngestQueue queue(1 << 20, nullptr);
  IngestBatch first = MakeBatch(3, 100);
  first.documents[1].annotations.push_back(
      proto::Annotation{.key = "tenant", .value = proto::AnnotationValue{.string_value = "t7"}});
  first.documents[2].summary_facts.emplace().http_url = "https://example.com/";
  IngestBatch second = MakeBatch(2, 10);
  std::vector<proto::Document> sent = first.documents;
  sent.insert(sent.end(), second.documents.begin(), second.documents.end());
  ASSERT_TRUE(queue.TryPush(first));
  ASSERT_TRUE(queue.TryPush(second));
  EXPECT_TRUE(first.documents.empty()) << "a taken batch's documents are the queue's";
  EXPECT_EQ(testing_support::PopQueuedDocuments(queue), sent);
}

TEST(IngestQueueTest, PopsWholeBatchesInOrderUpToTheLimit) {
  IngestQueue queue(1 << 20, nullptr);
  for (int i = 0; i < 3; ++i) {
    IngestBatch batch = MakeBatch(3, 10);
    batch.received_at = i;
    ASSERT_TRUE(queue.TryPush(batch));
  }
  auto popped = queue.PopUpTo(7, std::chrono::milliseconds(0));
  ASSERT_EQ(popped.size(), 2u);
  EXPECT_EQ(popped[0].received_at, 0);
  EXPECT_EQ(popped[1].received_at, 1);
  popped = queue.PopUpTo(1, std::chrono::milliseconds(0));
  ASSERT_EQ(popped.size(), 1u) << "one batch even if larger than the limit";
  EXPECT_EQ(queue.Documents(), 0u);
  EXPECT_EQ(queue.Bytes(), 0u);
}

TEST(IngestQueueTest, CloseRefusesNewBatchesButDrainsQueuedOnes) {
  IngestQueue queue(1 << 20, nullptr);
  IngestBatch batch = MakeBatch(1, 10);
  ASSERT_TRUE(queue.TryPush(batch));
  queue.Close();
  IngestBatch late = MakeBatch(1, 10);
  EXPECT_FALSE(queue.TryPush(late));
  EXPECT_EQ(queue.PopUpTo(10, std::chrono::milliseconds(0)).size(), 1u);
  EXPECT_TRUE(queue.PopUpTo(10, std::chrono::milliseconds(0)).empty());
}

TEST(IngestQueueTest, PopWakesWhenAProducerPushes) {
  IngestQueue queue(1 << 20, nullptr);
  std::thread producer([&queue] {
    IngestBatch batch = MakeBatch(1, 10);
    ASSERT_TRUE(queue.TryPush(batch));
  });
  auto popped = queue.PopUpTo(10, std::chrono::seconds(30));
  producer.join();
  EXPECT_EQ(popped.size(), 1u);
}

// A consumer waiting for 5 documents is woken by the push that reaches 5, with everything queued:
// it does not return with the first push's documents (it would return 1 batch, not 3).
TEST(IngestQueueTest, PopWithAThresholdWakesWhenItIsReached) {
  IngestQueue queue(1 << 20, nullptr);
  std::thread producer([&queue] {
    for (std::size_t documents : {2, 2, 1}) {
      IngestBatch batch = MakeBatch(documents, 10);
      ASSERT_TRUE(queue.TryPush(batch));
    }
  });
  const auto start = std::chrono::steady_clock::now();
  auto popped = queue.PopUpTo(100, std::chrono::seconds(30), static_cast<std::size_t>(-1), 5);
  const auto waited = std::chrono::steady_clock::now() - start;
  producer.join();
  // Woken by the third push (not by the 30 s timeout); a batch or two may be left if the consumer
  // ran between pushes, which the threshold forbids.
  EXPECT_EQ(popped.size(), 3u);
  EXPECT_LT(waited, std::chrono::seconds(20));
}

// Below the threshold, the wait runs out and what is queued is returned.
TEST(IngestQueueTest, PopWithAThresholdReturnsWhatIsQueuedWhenTheWaitEnds) {
  IngestQueue queue(1 << 20, nullptr);
  IngestBatch batch = MakeBatch(2, 10);
  ASSERT_TRUE(queue.TryPush(batch));
  const auto start = std::chrono::steady_clock::now();
  auto popped = queue.PopUpTo(100, std::chrono::milliseconds(50), static_cast<std::size_t>(-1), 5);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  ASSERT_EQ(popped.size(), 1u);
  EXPECT_EQ(popped[0].documents, 2u);
}

// A queue half full wakes the consumer whatever its threshold: memory is not held back.
TEST(IngestQueueTest, PopWithAThresholdWakesWhenTheQueueIsHalfFull) {
  IngestBatch first = MakeBatch(2, 1000);
  IngestQueue queue(2 * IngestQueue::BatchBytes(first), nullptr);
  ASSERT_TRUE(queue.TryPush(first));
  const auto start = std::chrono::steady_clock::now();
  auto popped = queue.PopUpTo(100, std::chrono::seconds(30), static_cast<std::size_t>(-1), 100);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(popped.size(), 1u);
}

// Close wakes a consumer waiting below its threshold.
TEST(IngestQueueTest, CloseWakesAConsumerWaitingForMore) {
  IngestQueue queue(1 << 20, nullptr);
  IngestBatch batch = MakeBatch(1, 10);
  ASSERT_TRUE(queue.TryPush(batch));
  std::thread closer([&queue] { queue.Close(); });
  const auto start = std::chrono::steady_clock::now();
  auto popped = queue.PopUpTo(100, std::chrono::seconds(30), static_cast<std::size_t>(-1), 100);
  closer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(popped.size(), 1u);
}

}  // namespace
}  // namespace xrayd::daemon
