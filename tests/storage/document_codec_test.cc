// The `raw` column's encoding (storage/document_codec.h): round trips, plain JSON passes through,
// damaged frames are errors and never crashes; and through a real store, documents are kept
// compressed, rows written plain (before compression) read back the same, duplicates are still
// recognised, and the forward spool hands out JSON.

#include "storage/document_codec.h"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/database.h"
#include "storage/field_elision.h"
#include "storage/forward_queue.h"
#include "storage/trace_store.h"
#include "tests/storage/document_builder.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xrayd::storage {
namespace {

using testing::BuildDocument;
using testing::kTraceA;

// A segment document shaped like what SDKs send: repeated keys, http, aws, metadata.
std::string SegmentJson(int n) {
  std::string json = R"({"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a",)"
                     R"("name":"checkout","start_time":1000,"end_time":1001,"http":{"request":)"
                     R"({"method":"POST","url":"https://shop.example.com/api/checkout"},)"
                     R"("response":{"status":200}},"metadata":{"default":{"items":[)";
  for (int i = 0; i < n; ++i) {
    json += (i ? "," : "") + std::string(R"({"sku":"A-)") + std::to_string(i) +
            R"(","qty":1,"currency":"EUR"})";
  }
  return json + "]}}}";
}

std::string TempDbPath() {
  return testing::FreshDbPath("document_codec_");
}

// The `raw` column of every document row, in arrival order.
std::vector<std::string> RawColumn(const std::string& path) {
  auto db = Database::Open(path, DatabaseOptions{.read_only = true});
  EXPECT_TRUE(db) << db.error().message;
  auto stmt = (*db)->Prepare("SELECT raw FROM documents ORDER BY seq");
  EXPECT_TRUE(stmt);
  std::vector<std::string> out;
  while (true) {
    auto row = stmt->Step();
    EXPECT_TRUE(row);
    if (!row || !*row) {
      break;
    }
    out.emplace_back(stmt->ColumnText(0));
  }
  return out;
}

TEST(DocumentCodecTest, SegmentJsonRoundTripsSmaller) {
  const std::string json = SegmentJson(20);
  const std::string stored = EncodeDocument(json);
  EXPECT_TRUE(IsCompressedDocument(stored));
  EXPECT_LT(stored.size() * 2, json.size()) << "at least 2x on repetitive segment JSON";
  auto decoded = DecodeDocument(stored);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, json);
}

TEST(DocumentCodecTest, TextThatDoesNotShrinkIsKeptPlain) {
  for (const char* json : {"{}", R"({"a":1})", ""}) {
    const std::string stored = EncodeDocument(json);
    EXPECT_EQ(stored, json);
    auto decoded = DecodeDocument(stored);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, json);
  }
}

TEST(DocumentCodecTest, DamagedFramesAreErrors) {
  const std::string stored = EncodeDocument(SegmentJson(20));
  ASSERT_TRUE(IsCompressedDocument(stored));
  for (std::size_t cut : {std::size_t{4}, std::size_t{6}, stored.size() / 2, stored.size() - 1}) {
    auto decoded = DecodeDocument(stored.substr(0, cut));
    EXPECT_FALSE(decoded) << "cut at " << cut;
    if (!decoded) {
      EXPECT_EQ(decoded.error().code, ErrorCode::kMalformed);
    }
  }
  std::string flipped = stored;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x5a);
  auto decoded = DecodeDocument(flipped);
  if (decoded) {
    EXPECT_NE(*decoded, SegmentJson(20)) << "a flipped byte cannot decode to the original";
  }
}

TEST(DocumentCodecTest, StoreKeepsFramesAndReadsPlainRowsOfEarlierVersions) {
  const std::string path = TempDbPath();
  proto::Document compressed = BuildDocument({.id = "70de5b6f19ff9a0a", .extra = SegmentJson(5)});
  proto::Document plain = BuildDocument({.id = "53995c3f42cd8ad8",
                                         .parent_id = "70de5b6f19ff9a0a",
                                         .subsegment = true,
                                         .extra = SegmentJson(6)});
  {
    auto store = TraceStore::Open(path, OpenMode::kReadWrite);
    ASSERT_TRUE(store) << store.error().message;
    (*store)->SetForwardSpool(true);
    ASSERT_TRUE((*store)->PutDocuments(std::vector<proto::Document>{compressed, plain}, 5000));
  }
  std::vector<std::string> raw = RawColumn(path);
  ASSERT_EQ(raw.size(), 2u);
  // The document holds its ids and times as the row does: the frame leaves them out.
  EXPECT_TRUE(IsElidedFrame(raw[0]));
  EXPECT_LT(raw[0].size(), compressed.raw.size());
  {
    // The second row as a build before compression wrote it: the JSON itself.
    auto db = Database::Open(path, DatabaseOptions{});
    ASSERT_TRUE(db);
    auto stmt = (*db)->Prepare("UPDATE documents SET raw = ?1 WHERE id = ?2");
    ASSERT_TRUE(stmt);
    ASSERT_TRUE(stmt->BindBlob(1, plain.raw));
    ASSERT_TRUE(stmt->BindInt64(2, 0x53995c3f42cd8ad8));
    ASSERT_TRUE(stmt->Run());
  }
  ASSERT_EQ(RawColumn(path)[1], plain.raw);

  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(store);
  auto docs = (*store)->GetDocuments(kTraceA);
  ASSERT_TRUE(docs) << docs.error().message;
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0].raw, compressed.raw);
  EXPECT_EQ((*docs)[1].raw, plain.raw);

  // Sent again, both are duplicates: the frame compares with the frame, the plain row by its JSON.
  auto again = (*store)->PutDocuments(std::vector<proto::Document>{compressed, plain}, 5001);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->duplicates, 2u);
  EXPECT_EQ(again->replaced, 0u);

  auto reader = ForwardQueueReader::Open(path);
  ASSERT_TRUE(reader);
  auto spooled = (*reader)->ReadAfter(0, 10, 1 << 20);
  ASSERT_TRUE(spooled) << spooled.error().message;
  ASSERT_EQ(spooled->size(), 2u);
  EXPECT_EQ((*spooled)[0].raw, compressed.raw);
  EXPECT_EQ((*spooled)[1].raw, plain.raw);
}

TEST(DocumentCodecTest, ADamagedStoredFrameIsAnErrorOnReadAndIsReplacedByANewVersion) {
  const std::string path = TempDbPath();
  proto::Document doc = BuildDocument({.extra = SegmentJson(5)});
  {
    auto store = TraceStore::Open(path, OpenMode::kReadWrite);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->PutDocuments(std::vector<proto::Document>{doc}, 5000));
  }
  {
    auto db = Database::Open(path, DatabaseOptions{});
    ASSERT_TRUE(db);
    // Keep the frame's magic and header, lose its end.
    ASSERT_TRUE((*db)->Exec("UPDATE documents SET raw = substr(raw, 1, 12)"));
  }
  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(store);
  auto docs = (*store)->GetDocuments(kTraceA);
  ASSERT_FALSE(docs);
  EXPECT_NE(docs.error().message.find("does not decode"), std::string::npos)
      << docs.error().message;

  auto put = (*store)->PutDocuments(std::vector<proto::Document>{doc}, 5001);
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(put->replaced, 1u);
  docs = (*store)->GetDocuments(kTraceA);
  ASSERT_TRUE(docs) << docs.error().message;
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0].raw, doc.raw);
}

}  // namespace
}  // namespace xrayd::storage
