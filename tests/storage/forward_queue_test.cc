#include "storage/forward_queue.h"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/database.h"
#include "storage/schema.h"
#include "storage/trace_store.h"
#include "tests/storage/document_builder.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xrayd::storage {
namespace {

using testing::BuildDocument;
using testing::DocSpec;

std::string TempDbPath() {
  return testing::FreshDbPath("forward_queue_");
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

// Schema v4: a spool row refers to the stored document, so a document's bytes are written once.
TEST(ForwardQueueTest, SpoolRowsReferToTheStoredDocumentInsteadOfCopyingIt) {
  const std::string path = TempDbPath();
  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  (*store)->SetForwardSpool(true);
  auto docs = Docs(20);
  ASSERT_TRUE((*store)->PutDocuments(docs, 1.0));

  DatabaseOptions options;
  options.read_only = true;
  auto db = Database::Open(path, options);
  ASSERT_TRUE(db) << db.error().message;
  auto copied = (*db)->QueryInt("SELECT coalesce(sum(length(raw)), -1) FROM forward_queue");
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(*copied, 0);
  auto referenced = (*db)->QueryInt(
      "SELECT count(*) FROM forward_queue AS q JOIN documents AS d ON d.seq = q.doc_seq");
  ASSERT_TRUE(referenced) << referenced.error().message;
  EXPECT_EQ(*referenced, 20);

  auto reader = ForwardQueueReader::Open(path);
  ASSERT_TRUE(reader) << reader.error().message;
  auto rows = (*reader)->ReadAfter(0, 100, 1 << 20);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), docs.size());
  for (std::size_t i = 0; i < docs.size(); ++i) {
    EXPECT_EQ((*rows)[i].raw, docs[i].raw) << i;  // Oldest first, the bytes as received.
    EXPECT_EQ((*rows)[i].bytes, static_cast<std::int64_t>(docs[i].raw.size()));
    EXPECT_FALSE((*rows)[i].missing);
  }
}

// Every version that was accepted is spooled, and each row sends what the store holds for the key
// when it is read: an in_progress version replaced before it was sent goes out as the complete one.
TEST(ForwardQueueTest, ReplacedAndDuplicateDocumentsAreSentAsStored) {
  const std::string path = TempDbPath();
  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  (*store)->SetForwardSpool(true);
  const proto::Document in_progress = BuildDocument(DocSpec{.end_time = std::nullopt});
  const proto::Document complete = BuildDocument(DocSpec{});
  const proto::Document other = BuildDocument(DocSpec{.id = "00000000000000ff"});
  ASSERT_TRUE((*store)->PutDocuments(std::span(&in_progress, 1), 1.0));
  ASSERT_TRUE((*store)->PutDocuments(std::span(&other, 1), 1.0));
  ASSERT_TRUE((*store)->PutDocuments(std::span(&complete, 1), 2.0));
  ASSERT_TRUE((*store)->PutDocuments(std::span(&complete, 1), 3.0));  // Duplicate.

  auto reader = ForwardQueueReader::Open(path);
  ASSERT_TRUE(reader) << reader.error().message;
  auto rows = (*reader)->ReadAfter(0, 100, 1 << 20);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].raw, complete.raw);
  EXPECT_EQ((*rows)[0].bytes, static_cast<std::int64_t>(in_progress.raw.size()));
  EXPECT_EQ((*rows)[1].raw, other.raw);
  EXPECT_EQ((*rows)[2].raw, complete.raw);
  EXPECT_EQ((*rows)[3].raw, complete.raw);
}

// A document deleted by retention before it was forwarded is reported missing, in its place.
TEST(ForwardQueueTest, RowWhoseDocumentWasDeletedIsReportedMissing) {
  const std::string path = TempDbPath();
  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  (*store)->SetForwardSpool(true);
  const proto::Document old_doc = BuildDocument(DocSpec{.trace_id = testing::kTraceA});
  const proto::Document new_doc = BuildDocument(DocSpec{.trace_id = testing::kTraceB});
  ASSERT_TRUE((*store)->PutDocuments(std::span(&old_doc, 1), 1.0));
  ASSERT_TRUE((*store)->PutDocuments(std::span(&new_doc, 1), 5.0));
  auto deleted = (*store)->DeleteOldestTraces(/*updated_before=*/2.0, 10);
  ASSERT_TRUE(deleted) << deleted.error().message;
  ASSERT_EQ(deleted->documents, 1);

  auto reader = ForwardQueueReader::Open(path);
  ASSERT_TRUE(reader) << reader.error().message;
  auto rows = (*reader)->ReadAfter(0, 100, 1 << 20);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_TRUE((*rows)[0].missing);
  EXPECT_TRUE((*rows)[0].raw.empty());
  EXPECT_EQ((*rows)[0].bytes, static_cast<std::int64_t>(old_doc.raw.size()));
  EXPECT_FALSE((*rows)[1].missing);
  EXPECT_EQ((*rows)[1].raw, new_doc.raw);
}

// The v3 -> v4 migration keeps what a version-3 daemon spooled (rows with their own copy), and
// replay stays oldest first: the old rows, then the new references, seq still growing.
TEST(ForwardQueueTest, MigrationFromVersionThreeKeepsTheSpooledCopies) {
  const std::string path = TempDbPath();
  const std::string v3_raw_a = R"({"name":"old-a","id":"0000000000000a01"})";
  const std::string v3_raw_b = R"({"name":"old-b","id":"0000000000000a02"})";
  {
    // A version-3 store with rows as version 3 wrote them.
    auto db = Database::Open(path, DatabaseOptions{});
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(MigrateTo(**db, 3));
    ASSERT_TRUE((*db)->Exec("INSERT INTO forward_queue(received_at, bytes, raw) VALUES(1.0, " +
                            std::to_string(v3_raw_a.size()) + ", '" + v3_raw_a +
                            "');"
                            "INSERT INTO forward_queue(received_at, bytes, raw) VALUES(1.0, " +
                            std::to_string(v3_raw_b.size()) + ", '" + v3_raw_b + "');"));
  }
  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  {
    auto db = Database::Open(path, DatabaseOptions{.read_only = true});
    ASSERT_TRUE(db);
    auto version = (*db)->QueryInt("PRAGMA user_version");
    ASSERT_TRUE(version);
    EXPECT_EQ(*version, kSchemaVersion);
  }
  (*store)->SetForwardSpool(true);
  auto docs = Docs(2);
  ASSERT_TRUE((*store)->PutDocuments(docs, 2.0));

  auto reader = ForwardQueueReader::Open(path);
  ASSERT_TRUE(reader) << reader.error().message;
  auto totals = (*reader)->Totals();
  ASSERT_TRUE(totals);
  EXPECT_EQ(totals->documents, 4);
  auto rows = (*reader)->ReadAfter(0, 100, 1 << 20);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].raw, v3_raw_a);
  EXPECT_EQ((*rows)[1].raw, v3_raw_b);
  EXPECT_EQ((*rows)[2].raw, docs[0].raw);
  EXPECT_EQ((*rows)[3].raw, docs[1].raw);
  for (std::size_t i = 1; i < rows->size(); ++i) {
    EXPECT_LT((*rows)[i - 1].seq, (*rows)[i].seq);
  }
  // Acknowledging across both kinds of rows deletes them alike.
  (*store)->AckForwarded((*rows)[2].seq);
  ASSERT_TRUE((*store)->TrimForwardSpool());
  auto left = (*reader)->ReadAfter(0, 100, 1 << 20);
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().raw, docs[1].raw);
}

}  // namespace
}  // namespace xrayd::storage
