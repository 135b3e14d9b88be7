// Elided frames (storage/field_elision.h): a document's ids and times are left out of its frame
// and put back byte for byte from its row values; text that does not equal a value's one rendering
// stays in the frame; damaged headers and frames read without their row are errors, never crashes.
// Through a real store: replacement of an in-progress version, duplicates and the forward spool
// read elided frames with the row values each version was stored with.

#include "storage/field_elision.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/database.h"
#include "storage/document_codec.h"
#include "storage/forward_queue.h"
#include "storage/trace_store.h"
#include "tests/storage/document_builder.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xrayd::storage {
namespace {

constexpr char kTraceId[] = "1-5759e988-bd862e3fe1be46a994272793";

RowFields Fields(std::optional<double> end_time = 1496246419.4715) {
  RowFields fields;
  EXPECT_TRUE(ParseTraceId(kTraceId, fields.key.trace));
  EXPECT_TRUE(ParseId("70de5b6f19ff9a0a", fields.key.id));
  std::int64_t parent = 0;
  EXPECT_TRUE(ParseId("53995c3f42cd8ad8", parent));
  fields.key.parent_id = parent;
  fields.start_time = 1496246419.1234;
  fields.end_time = end_time;
  return fields;
}

std::string Json(std::string_view end_time = "1496246419.4715") {
  return R"({"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a",)"
         R"("parent_id":"53995c3f42cd8ad8","type":"subsegment","name":"db",)"
         R"("start_time":1496246419.1234,"end_time":)" +
         std::string(end_time) +
         R"(,"sql":{"url":"jdbc:postgresql://db.example.com:5432/orders","database_type":)"
         R"("PostgreSQL","user":"app"}})";
}

std::vector<RowField> Elided(std::string_view blob) {
  auto frame = ParseElidedFrame(blob);
  EXPECT_TRUE(frame) << frame.error().message;
  std::vector<RowField> fields;
  if (frame) {
    for (const ElidedFrame::Entry& entry : frame->entries) {
      fields.push_back(entry.field);
    }
  }
  return fields;
}

TEST(FieldElisionTest, EveryRowValueIsLeftOutAndPutBackByteForByte) {
  const std::string json = Json();
  const RowFields fields = Fields();
  const ElidedText elided = ElideRowFields(json, fields);
  // 35 + 16 + 16 + 15 + 15 characters fewer.
  EXPECT_EQ(elided.text.size(), json.size() - 97);
  EXPECT_EQ(elided.text.find("5759e988"), std::string::npos);
  EXPECT_EQ(elided.text.find("1496246419"), std::string::npos);

  const std::string stored = EncodeDocument(json, &fields);
  ASSERT_TRUE(IsElidedFrame(stored));
  EXPECT_EQ(Elided(stored),
            (std::vector<RowField>{RowField::kTraceId, RowField::kId, RowField::kParentId,
                                   RowField::kStartTime, RowField::kEndTime}));
  EXPECT_LT(stored.size(), EncodeDocument(json).size());
  auto decoded = DecodeDocument(stored, &fields);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, json);
}

TEST(FieldElisionTest, TextOtherThanTheOneRenderingStaysInTheFrame) {
  // Upper-case hex, and a time with a trailing zero: the row's values render otherwise.
  std::string json = Json("1496246419.47150");
  json.replace(json.find("70de5b6f19ff9a0a"), 16, "70DE5B6F19FF9A0A");
  const RowFields fields = Fields();
  const std::string stored = EncodeDocument(json, &fields);
  // "1496246419.4715" is a prefix of the end time's text: leaving it out and putting it back at
  // the same place is still exact.
  const std::vector<RowField> elided = Elided(stored);
  EXPECT_EQ(std::count(elided.begin(), elided.end(), RowField::kId), 0);
  auto decoded = DecodeDocument(stored, &fields);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, json);

  // A row without end time or parent leaves those in the text.
  RowFields in_progress = Fields(std::nullopt);
  in_progress.key.parent_id.reset();
  const std::string partial = EncodeDocument(json, &in_progress);
  for (RowField field : Elided(partial)) {
    EXPECT_NE(field, RowField::kEndTime);
    EXPECT_NE(field, RowField::kParentId);
  }
  decoded = DecodeDocument(partial, &in_progress);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, json);
}

TEST(FieldElisionTest, AFrameReadWithoutItsRowValuesIsAnError) {
  const RowFields fields = Fields();
  const std::string stored = EncodeDocument(Json(), &fields);
  auto without = DecodeDocument(stored);
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error().code, ErrorCode::kMalformed);
  // A row that lost its parent cannot put it back.
  RowFields no_parent = fields;
  no_parent.key.parent_id.reset();
  auto lacking = DecodeDocument(stored, &no_parent);
  ASSERT_FALSE(lacking);
  EXPECT_EQ(lacking.error().code, ErrorCode::kMalformed);
}

TEST(FieldElisionTest, DamagedHeadersAreErrors) {
  const RowFields fields = Fields();
  const std::string stored = EncodeDocument(Json(), &fields);
  ASSERT_TRUE(IsElidedFrame(stored));
  auto rejected = [&](std::string blob) {
    auto decoded = DecodeDocument(blob, &fields);
    return !decoded && decoded.error().code == ErrorCode::kMalformed;
  };
  // Header: 18 + 5 entries, then LEB128(gap << 3 | code) each; the zstd frame from byte 7.
  ASSERT_EQ(stored.substr(0, 7), std::string("\x1d\x69\x42\x7b\xfc\x02\x65", 7));
  std::string unknown_field = stored;
  unknown_field[2] = 0x47;  // Code 7.
  EXPECT_TRUE(rejected(unknown_field));
  std::string no_field = stored;
  no_field[3] = 0x78;  // Code 0.
  EXPECT_TRUE(rejected(no_field));
  std::string beyond_text = stored;
  beyond_text[4] = static_cast<char>(0xfc);  // The start time's gap becomes 16,367 bytes.
  beyond_text[5] = 0x7f;
  EXPECT_TRUE(rejected(beyond_text));
  std::string too_long = stored.substr(0, 2) + std::string(5, static_cast<char>(0xff)) + "\x01";
  EXPECT_TRUE(rejected(too_long + stored.substr(7)));
  EXPECT_TRUE(rejected(stored.substr(0, 5)));  // An entry cut short.
  EXPECT_TRUE(rejected(stored.substr(0, 7)));  // No frame after the header.
  EXPECT_TRUE(rejected(stored.substr(0, stored.size() - 3)));
  EXPECT_TRUE(rejected(std::string("\x19", 1)));
}

// A version stored in progress (no end time in its row) is replaced by the complete one; both are
// elided with their own row values; a resent complete version is a duplicate; the forward spool
// reads the stored version with its row values.
TEST(FieldElisionTest, StoredVersionsReadBackWithTheirOwnRowValues) {
  const std::string path = testing::FreshDbPath("field_elision_");
  proto::Document open = testing::BuildDocument(
      {.start_time = 1496246419.1234, .end_time = std::nullopt, .extra = "open"});
  proto::Document closed = testing::BuildDocument(
      {.start_time = 1496246419.1234, .end_time = 1496246419.4715, .extra = "closed"});
  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  (*store)->SetForwardSpool(true);
  ASSERT_TRUE((*store)->PutDocuments(std::vector<proto::Document>{open}, 5000));
  auto put = (*store)->PutDocuments(std::vector<proto::Document>{closed}, 5001);
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(put->replaced, 1u);
  auto again = (*store)->PutDocuments(std::vector<proto::Document>{closed}, 5002);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->duplicates, 1u);

  auto db = Database::Open(path, DatabaseOptions{.read_only = true});
  ASSERT_TRUE(db);
  auto raw = (*db)->Prepare("SELECT raw FROM documents");
  ASSERT_TRUE(raw);
  ASSERT_TRUE(raw->Step());
  EXPECT_TRUE(IsElidedFrame(raw->ColumnText(0)));

  auto docs = (*store)->GetDocuments(testing::kTraceA);
  ASSERT_TRUE(docs) << docs.error().message;
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0].raw, closed.raw);

  auto reader = ForwardQueueReader::Open(path);
  ASSERT_TRUE(reader);
  auto spooled = (*reader)->ReadAfter(0, 10, 1 << 20);
  ASSERT_TRUE(spooled) << spooled.error().message;
  // One row per document received; each refers to the one stored version, the complete one.
  ASSERT_EQ(spooled->size(), 3u);
  for (const SpooledDocument& row : *spooled) {
    EXPECT_FALSE(row.missing);
    EXPECT_EQ(row.raw, closed.raw);
  }
}

}  // namespace
}  // namespace xrayd::storage
