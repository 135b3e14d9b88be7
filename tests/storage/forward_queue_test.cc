#include "storage/forward_queue.h"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/trace_store.h"
#include "tests/storage/document_builder.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xrayd::storage {
namespace {

using testing::BuildDocument;
using testing::DocSpec;

std::string TempDbPath() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string path = ::testing::TempDir() + "forward_queue_" + info->name() + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
  return path;
}

std::vector<proto::Document> Docs(int n, int first = 0) {
  std::vector<proto::Document> docs;
  for (int i = first; i < first + n; ++i) {
    char id[17];
    std::snprintf(id, sizeof id, "%016x", i + 1);
    docs.push_back(BuildDocument(DocSpec{.id = id}));
  }
  return docs;
}

TEST(ForwardQueueTest, SpoolsOnlyWhenEnabledInTheSameTransaction) {
  const std::string path = TempDbPath();
  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  auto docs = Docs(3);
  ASSERT_TRUE((*store)->PutDocuments(std::span(docs).first(1), 1.0));
  (*store)->SetForwardSpool(true);
  auto stats = (*store)->PutDocuments(std::span(docs).subspan(1), 2.0);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->spooled, 2u);
  EXPECT_EQ(stats->spooled_bytes, docs[1].raw.size() + docs[2].raw.size());

  auto reader = ForwardQueueReader::Open(path);
  ASSERT_TRUE(reader) << reader.error().message;
  auto rows = (*reader)->ReadAfter(0, 100, 1 << 20);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].raw, docs[1].raw);  // Oldest first, raw bytes unchanged.
  EXPECT_EQ((*rows)[1].raw, docs[2].raw);
  EXPECT_LT((*rows)[0].seq, (*rows)[1].seq);
  EXPECT_DOUBLE_EQ((*rows)[0].received_at, 2.0);

  auto totals = (*reader)->Totals();
  ASSERT_TRUE(totals);
  EXPECT_EQ(totals->documents, 2);
  EXPECT_EQ(totals->first_seq, (*rows)[0].seq);
  EXPECT_EQ(totals->last_seq, (*rows)[1].seq);
}

TEST(ForwardQueueTest, ReadAfterHonoursLimitsAndCursor) {
  const std::string path = TempDbPath();
  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(store);
  (*store)->SetForwardSpool(true);
  auto docs = Docs(10);
  ASSERT_TRUE((*store)->PutDocuments(docs, 1.0));
  auto reader = ForwardQueueReader::Open(path);
  ASSERT_TRUE(reader);
  auto first = (*reader)->ReadAfter(0, 4, 1 << 20);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 4u);
  auto next = (*reader)->ReadAfter(first->back().seq, 100, 1 << 20);
  ASSERT_TRUE(next);
  ASSERT_EQ(next->size(), 6u);
  EXPECT_EQ(next->front().raw, docs[4].raw);
  // A byte limit smaller than one document still returns one (progress is guaranteed).
  auto one = (*reader)->ReadAfter(0, 100, 1);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->size(), 1u);
  auto sizes = (*reader)->SizesAfter(0, 100);
  ASSERT_TRUE(sizes);
  ASSERT_EQ(sizes->size(), 10u);
  EXPECT_EQ(sizes->at(3).bytes, static_cast<std::int64_t>(docs[3].raw.size()));
}

TEST(ForwardQueueTest, AcknowledgedRowsAreDeletedByTheWriter) {
  const std::string path = TempDbPath();
  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(store);
  (*store)->SetForwardSpool(true);
  auto docs = Docs(6);
  ASSERT_TRUE((*store)->PutDocuments(std::span(docs).first(4), 1.0));
  auto reader = ForwardQueueReader::Open(path);
  ASSERT_TRUE(reader);
  auto rows = (*reader)->ReadAfter(0, 100, 1 << 20);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 4u);

  // Deleted within the next write transaction...
  (*store)->AckForwarded((*rows)[1].seq);
  ASSERT_TRUE((*store)->PutDocuments(std::span(docs).subspan(4), 2.0));
  auto totals = (*reader)->Totals();
  ASSERT_TRUE(totals);
  EXPECT_EQ(totals->documents, 4);
  EXPECT_EQ(totals->first_seq, (*rows)[2].seq);

  // ...or on its own when the writer is idle; an older watermark never resurrects anything.
  (*store)->AckForwarded((*rows)[3].seq);
  (*store)->AckForwarded((*rows)[0].seq);
  ASSERT_TRUE((*store)->TrimForwardSpool());
  totals = (*reader)->Totals();
  ASSERT_TRUE(totals);
  EXPECT_EQ(totals->documents, 2);
  auto left = (*reader)->ReadAfter(0, 100, 1 << 20);
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ(left->front().raw, docs[4].raw);
}

TEST(ForwardQueueTest, SeqNeverGoesBackAfterTheQueueEmptied) {
  const std::string path = TempDbPath();
  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(store);
  (*store)->SetForwardSpool(true);
  auto docs = Docs(4);
  ASSERT_TRUE((*store)->PutDocuments(std::span(docs).first(2), 1.0));
  auto reader = ForwardQueueReader::Open(path);
  ASSERT_TRUE(reader);
  auto rows = (*reader)->ReadAfter(0, 100, 1 << 20);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  (*store)->AckForwarded(rows->back().seq);
  ASSERT_TRUE((*store)->TrimForwardSpool());
  // The forwarder's cursor is rows->back().seq: later rows must come after it.
  ASSERT_TRUE((*store)->PutDocuments(std::span(docs).subspan(2), 2.0));
  auto later = (*reader)->ReadAfter(rows->back().seq, 100, 1 << 20);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->size(), 2u);
}

TEST(ForwardQueueTest, SpoolSurvivesReopen) {
  const std::string path = TempDbPath();
  {
    auto store = TraceStore::Open(path, OpenMode::kReadWrite);
    ASSERT_TRUE(store);
    (*store)->SetForwardSpool(true);
    auto docs = Docs(5);
    ASSERT_TRUE((*store)->PutDocuments(docs, 1.0));
  }
  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(store);
  auto reader = ForwardQueueReader::Open(path);
  ASSERT_TRUE(reader);
  auto totals = (*reader)->Totals();
  ASSERT_TRUE(totals);
  EXPECT_EQ(totals->documents, 5);
}

}  // namespace
}  // namespace xrayd::storage
