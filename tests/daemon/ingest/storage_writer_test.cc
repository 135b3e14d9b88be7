#include "daemon/ingest/storage_writer.h"

#include <gtest/gtest.h>

#include "storage/forward_queue.h"
#include "storage/trace_store.h"
#include "tests/support/incompressible_text.h"
#include "tests/support/wait_until.h"

namespace xrayd::daemon {
namespace {

IngestBatch Batch(int first, int count, std::size_t raw_bytes = 64) {
  IngestBatch batch;
  batch.received_at = 1700000000;
  for (int i = first; i < first + count; ++i) {
    proto::Document doc;
    doc.trace_id = "1-5759e988-bd862e3fe1be46a994272793";
    char id[17];
    std::snprintf(id, sizeof(id), "%016x", i);
    doc.id = id;
    doc.name = "svc";
    doc.start_time = 1;
    doc.end_time = 2;
    doc.raw = "{\"id\":\"" + doc.id + "\",\"pad\":\"" +
              testing_support::IncompressibleText(raw_bytes, static_cast<std::uint64_t>(i) + 1) +
              "\"}";
    batch.documents.push_back(std::move(doc));
  }
  return batch;
}

TEST(StorageWriterTest, StopCommitsEverythingQueued) {
  auto store = storage::TraceStore::Open(":memory:", storage::OpenMode::kReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  Metrics metrics;
  IngestQueue queue(64 << 20, &metrics);
  StorageWriter writer(queue, **store, metrics, StorageWriterOptions{});
  writer.Start();
  for (int i = 0; i < 50; ++i) {
    IngestBatch batch = Batch(i * 20, 20);
    ASSERT_TRUE(queue.TryPush(batch));
  }
  writer.Stop();
  EXPECT_EQ(*(*store)->CountDocuments(), 1000);
  EXPECT_EQ(metrics.segments_stored.load(), 1000u);
  EXPECT_EQ(metrics.segments_inserted.load(), 1000u);
  EXPECT_GE(metrics.storage_commits.load(), 1u);
  EXPECT_EQ(metrics.queue_documents.load(), 0);
}

// Two readers of the spool (the X-Ray forwarder and the OTLP export): rows go only when both have
// acknowledged them.
TEST(StorageWriterTest, SpoolRowsAreDeletedUpToTheLowerOfTwoWatermarks) {
  const std::string path = testing::TempDir() + "/writer_two_acks.db";
  std::remove(path.c_str());
  auto store = storage::TraceStore::Open(path, storage::OpenMode::kReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  Metrics metrics;
  IngestQueue queue(64 << 20, &metrics);
  std::atomic<std::int64_t> forwarded{0};
  std::atomic<std::int64_t> exported{0};
  StorageWriterOptions options;
  options.forward_spool = true;
  options.forward_acked = &forwarded;
  options.export_acked = &exported;
  StorageWriter writer(queue, **store, metrics, options);
  writer.Start();
  IngestBatch batch = Batch(0, 10);
  ASSERT_TRUE(queue.TryPush(batch));
  auto reader = storage::ForwardQueueReader::Open(path);
  ASSERT_TRUE(reader) << reader.error().message;
  auto spooled = [&] {
    auto totals = (*reader)->Totals();
    return totals ? totals->documents : -1;
  };
  ASSERT_TRUE(
      testing_support::WaitUntil([&] { return spooled() == 10; }, std::chrono::seconds(10)));
  const std::int64_t last = (*reader)->Totals()->last_seq;
  forwarded.store(last);
  exported.store(last - 7);
  ASSERT_TRUE(testing_support::WaitUntil([&] { return spooled() == 7; }, std::chrono::seconds(10)));
  // The lower watermark holds the rows even though the other one is past them.
  EXPECT_FALSE(
      testing_support::WaitUntil([&] { return spooled() < 7; }, std::chrono::milliseconds(300)));
  exported.store(last);
  EXPECT_TRUE(testing_support::WaitUntil([&] { return spooled() == 0; }, std::chrono::seconds(10)));
  writer.Stop();
}

TEST(StorageWriterTest, AFullDiskIsRetriedThenCountedAsDroppedAtShutdown) {
  const std::string path = testing::TempDir() + "/writer_full.db";
  std::remove(path.c_str());
  auto store = storage::TraceStore::Open(path, storage::OpenMode::kReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->CapFileSizeForTesting());
  Metrics metrics;
  IngestQueue queue(64 << 20, &metrics);
  StorageWriterOptions options;
  options.shutdown_retry_budget = std::chrono::milliseconds(200);
  StorageWriter writer(queue, **store, metrics, options);
  writer.Start();
  IngestBatch batch = Batch(0, 200, 4000);
  ASSERT_TRUE(queue.TryPush(batch));
  writer.Stop();
  EXPECT_GE(metrics.storage_errors.load(), 1u) << "the write was tried and failed";
  EXPECT_EQ(metrics.segments_stored.load(), 0u);
  EXPECT_EQ(metrics.dropped[static_cast<std::size_t>(DropReason::kStorageError)].load(), 200u)
      << "nothing disappears silently: what could not be stored is counted";
}

TEST(StorageWriterTest, ADocumentTheStoreRefusesCostsOnlyItself) {
  auto store = storage::TraceStore::Open(":memory:", storage::OpenMode::kReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  Metrics metrics;
  IngestQueue queue(64 << 20, &metrics);
  StorageWriter writer(queue, **store, metrics, StorageWriterOptions{});
  writer.Start();
  IngestBatch batch = Batch(0, 10);
  batch.documents[4].id = "not-an-id";  // proto/ never lets this through; the writer must cope.
  ASSERT_TRUE(queue.TryPush(batch));
  IngestBatch later = Batch(10, 5);
  ASSERT_TRUE(queue.TryPush(later));
  writer.Stop();
  EXPECT_EQ(*(*store)->CountDocuments(), 14);
  EXPECT_EQ(metrics.segments_stored.load(), 14u);
  EXPECT_EQ(metrics.dropped[static_cast<std::size_t>(DropReason::kStorageError)].load(), 1u);
}

}  // namespace
}  // namespace xrayd::daemon
