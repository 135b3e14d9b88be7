#include <cstdint>
#include <filesystem>

#include <gtest/gtest.h>

#include "storage/trace_store.h"
#include "tests/storage/document_builder.h"
#include "tests/support/incompressible_text.h"

namespace xrayd::storage {
namespace {

TEST(CheckpointTest, BackgroundCheckpointCopiesAndEmptiesTheWal) {
  const std::string path = ::testing::TempDir() + "/checkpoint_test.db";
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  auto writer = TraceStore::Open(path, OpenMode::kReadWriteNoAutoCheckpoint);
  ASSERT_TRUE(writer) << writer.error().message;
  auto checkpointer = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(checkpointer) << checkpointer.error().message;

  std::vector<proto::Document> docs;
  for (int i = 0; i < 500; ++i) {
    testing::DocSpec spec;
    char id[17];
    std::snprintf(id, sizeof(id), "%016x", i + 1);
    spec.id = id;
    spec.extra = testing_support::IncompressibleText(2000, static_cast<std::uint64_t>(i) + 1);
    docs.push_back(testing::BuildDocument(spec));
  }
  ASSERT_TRUE((*writer)->PutDocuments(docs, 1000));
  const auto wal_before = std::filesystem::file_size(path + "-wal");
  EXPECT_GT(wal_before, 1000000u) << "without auto-checkpoint the WAL keeps the writes";

  // Below the threshold: a passive copy, the WAL keeps its size.
  auto passive = (*checkpointer)->Checkpoint(std::int64_t{1} << 40);
  ASSERT_TRUE(passive) << passive.error().message;
  EXPECT_GT(*passive, 0);
  // Above it: truncated.
  auto truncated = (*checkpointer)->Checkpoint(0);
  ASSERT_TRUE(truncated) << truncated.error().message;
  EXPECT_EQ(*truncated, 0);
  EXPECT_EQ(std::filesystem::file_size(path + "-wal"), 0u);

  // The data is in the database file and the writer carries on.
  auto count = (*checkpointer)->CountDocuments();
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 500);
  ASSERT_TRUE((*writer)->PutDocuments(std::span(docs).first(1), 1001));
}

}  // namespace
}  // namespace xrayd::storage
