#include "storage/trace_store.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/database.h"
#include "tests/storage/document_builder.h"

// DocSpec is filled with designated initializers; every omitted field has a default member
// initializer, which g++ 12 still reports under -Wextra.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xrayd::storage {
namespace {

using testing::BuildDocument;
using testing::DocSpec;
using testing::kTraceA;
using testing::kTraceB;

constexpr char kRoot[] = "70de5b6f19ff9a0a";
constexpr char kSub[] = "53995c3f42cd8ad8";
constexpr char kDownstream[] = "0a1b2c3d4e5f6071";

std::unique_ptr<TraceStore> OpenOrDie(const std::string& path, OpenMode mode) {
  auto store = TraceStore::Open(path, mode);
  EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
  return store ? std::move(*store) : nullptr;
}

std::string TempDbPath() {
  return testing::FreshDbPath("trace_store_");
}

PutStats PutOrDie(TraceStore& store, const std::vector<proto::Document>& docs, double at) {
  auto stats = store.PutDocuments(docs, at);
  EXPECT_TRUE(stats.has_value()) << (stats ? "" : stats.error().message);
  return stats.value_or(PutStats{});
}

TraceInfo InfoOrDie(TraceStore& store, const std::string& trace_id) {
  auto info = store.GetTraceInfo(trace_id);
  EXPECT_TRUE(info.has_value()) << (info ? "" : info.error().message);
  return info.value_or(TraceInfo{});
}

class TraceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenOrDie(":memory:", OpenMode::kReadWrite); }
  std::unique_ptr<TraceStore> store_;
};

TEST_F(TraceStoreTest, InsertsAndReadsInArrivalOrder) {
  const auto sub = BuildDocument({.id = kSub,
                                  .parent_id = kRoot,
                                  .subsegment = true,
                                  .name = "db",
                                  .start_time = 1000.5,
                                  .end_time = 1000.7});
  const auto root = BuildDocument({.id = kRoot, .start_time = 1000, .end_time = 1002});
  const auto downstream = BuildDocument({.id = kDownstream,
                                         .parent_id = kSub,
                                         .name = "orders",
                                         .start_time = 999.5,
                                         .end_time = 1000.6});
  const PutStats stats = PutOrDie(*store_, {sub, root, downstream}, 5000);
  EXPECT_EQ(stats.inserted, 3u);
  EXPECT_EQ(stats.replaced + stats.duplicates + stats.stale_in_progress, 0u);

  auto docs = store_->GetDocuments(kTraceA);
  ASSERT_TRUE(docs.has_value());
  ASSERT_EQ(docs->size(), 3u);
  EXPECT_EQ((*docs)[0].id, kSub);
  EXPECT_EQ((*docs)[0].kind, proto::DocumentKind::kSubsegment);
  EXPECT_EQ((*docs)[0].parent_id, kRoot);
  EXPECT_EQ((*docs)[0].raw, sub.raw);
  EXPECT_DOUBLE_EQ((*docs)[0].end_time, 1000.7);
  EXPECT_DOUBLE_EQ((*docs)[0].received_at, 5000);
  EXPECT_EQ((*docs)[1].id, kRoot);
  EXPECT_EQ((*docs)[1].parent_id, "");
  EXPECT_EQ((*docs)[2].id, kDownstream);

  EXPECT_EQ(store_->CountDocuments().value_or(-1), 3);
  const TraceInfo info = InfoOrDie(*store_, kTraceA);
  EXPECT_DOUBLE_EQ(info.start_time, 999.5);
  EXPECT_DOUBLE_EQ(info.end_time, 1002);
  EXPECT_DOUBLE_EQ(info.updated_at, 5000);
  EXPECT_EQ(info.documents, 3);
  EXPECT_EQ(info.revision, 3);
  EXPECT_FALSE(info.partial);
  // The downstream segment has a parent_id: it is not the root.
  EXPECT_EQ(info.root_id, kRoot);
  EXPECT_EQ(info.root_name, "frontend");
  EXPECT_EQ(info.bytes,
            static_cast<std::int64_t>(sub.raw.size() + root.raw.size() + downstream.raw.size()));

  EXPECT_TRUE(store_->GetDocuments(kTraceB).value().empty());
  EXPECT_EQ(store_->GetTraceInfo(kTraceB).error().code, ErrorCode::kNotFound);
}

TEST_F(TraceStoreTest, CompleteReplacesInProgress) {
  const auto in_progress = BuildDocument({.end_time = std::nullopt});
  const auto complete = BuildDocument({.end_time = 1003});
  PutOrDie(*store_, {in_progress}, 10);
  EXPECT_TRUE(InfoOrDie(*store_, kTraceA).partial);

  const PutStats stats = PutOrDie(*store_, {complete}, 11);
  EXPECT_EQ(stats.replaced, 1u);
  auto docs = store_->GetDocuments(kTraceA).value();
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].raw, complete.raw);
  EXPECT_FALSE(docs[0].in_progress);
  EXPECT_DOUBLE_EQ(docs[0].received_at, 10);  // First write.
  const TraceInfo info = InfoOrDie(*store_, kTraceA);
  EXPECT_FALSE(info.partial);
  EXPECT_EQ(info.documents, 1);
  EXPECT_EQ(info.revision, 2);
  EXPECT_EQ(info.bytes, static_cast<std::int64_t>(complete.raw.size()));
  EXPECT_DOUBLE_EQ(info.updated_at, 11);
}

TEST_F(TraceStoreTest, InProgressNeverReplacesComplete) {
  const auto in_progress = BuildDocument({.end_time = std::nullopt});
  const auto complete = BuildDocument({.end_time = 1003});
  PutOrDie(*store_, {complete}, 10);
  const PutStats stats = PutOrDie(*store_, {in_progress}, 11);
  EXPECT_EQ(stats.stale_in_progress, 1u);
  EXPECT_EQ(stats.inserted + stats.replaced + stats.duplicates, 0u);
  EXPECT_EQ(store_->GetDocuments(kTraceA).value().at(0).raw, complete.raw);
  const TraceInfo info = InfoOrDie(*store_, kTraceA);
  EXPECT_FALSE(info.partial);
  EXPECT_EQ(info.revision, 1);
  EXPECT_DOUBLE_EQ(info.updated_at, 10);  // A refused write is not an update.
}

TEST_F(TraceStoreTest, BothArrivalOrdersInOneBatch) {
  const auto in_progress = BuildDocument({.end_time = std::nullopt});
  const auto complete = BuildDocument({.end_time = 1003});
  auto other = OpenOrDie(":memory:", OpenMode::kReadWrite);
  const PutStats forward = PutOrDie(*store_, {in_progress, complete}, 10);
  const PutStats backward = PutOrDie(*other, {complete, in_progress}, 10);
  EXPECT_EQ(forward.replaced, 1u);
  EXPECT_EQ(backward.stale_in_progress, 1u);
  for (TraceStore* store : {store_.get(), other.get()}) {
    EXPECT_EQ(store->GetDocuments(kTraceA).value().at(0).raw, complete.raw);
    const TraceInfo info = InfoOrDie(*store, kTraceA);
    EXPECT_FALSE(info.partial);
    EXPECT_EQ(info.documents, 1);
  }
}

TEST_F(TraceStoreTest, DuplicatesAreStoredOnce) {
  const auto doc = BuildDocument({});
  const PutStats first = PutOrDie(*store_, {doc, doc}, 10);
  EXPECT_EQ(first.inserted, 1u);
  EXPECT_EQ(first.duplicates, 1u);
  const PutStats second = PutOrDie(*store_, {doc}, 11);
  EXPECT_EQ(second.duplicates, 1u);
  const auto in_progress = BuildDocument({.id = kSub, .end_time = std::nullopt});
  EXPECT_EQ(PutOrDie(*store_, {in_progress, in_progress}, 12).duplicates, 1u);

  EXPECT_EQ(store_->CountDocuments().value_or(-1), 2);
  const TraceInfo info = InfoOrDie(*store_, kTraceA);
  EXPECT_EQ(info.revision, 2);
  EXPECT_EQ(info.documents, 2);
  EXPECT_DOUBLE_EQ(info.updated_at, 12);
}

TEST_F(TraceStoreTest, LaterCompleteVersionWins) {
  const auto first = BuildDocument({.end_time = 1003, .extra = "first"});
  const auto second = BuildDocument({.end_time = 1004, .extra = "second"});
  PutOrDie(*store_, {first}, 10);
  EXPECT_EQ(PutOrDie(*store_, {second}, 11).replaced, 1u);
  EXPECT_EQ(store_->GetDocuments(kTraceA).value().at(0).raw, second.raw);
  EXPECT_EQ(PutOrDie(*store_, {first}, 12).replaced, 1u);  // Arrival order decides.
  EXPECT_EQ(store_->GetDocuments(kTraceA).value().at(0).raw, first.raw);
  const TraceInfo info = InfoOrDie(*store_, kTraceA);
  EXPECT_EQ(info.documents, 1);
  EXPECT_EQ(info.revision, 3);
  EXPECT_EQ(info.bytes, static_cast<std::int64_t>(first.raw.size()));
}

TEST_F(TraceStoreTest, PartialWhileAnyDocumentIsInProgress) {
  const auto root_open = BuildDocument({.end_time = std::nullopt});
  const auto root_open_again = BuildDocument({.end_time = std::nullopt, .extra = "flush 2"});
  const auto sub_open =
      BuildDocument({.id = kSub, .parent_id = kRoot, .subsegment = true, .end_time = std::nullopt});
  PutOrDie(*store_, {root_open, sub_open}, 10);
  EXPECT_TRUE(InfoOrDie(*store_, kTraceA).partial);
  EXPECT_EQ(PutOrDie(*store_, {root_open_again}, 11).replaced, 1u);  // Still one in progress.
  PutOrDie(*store_, {BuildDocument({.end_time = 1003})}, 12);
  EXPECT_TRUE(InfoOrDie(*store_, kTraceA).partial);  // The subsegment is still open.
  PutOrDie(*store_,
           {BuildDocument({.id = kSub, .parent_id = kRoot, .subsegment = true, .end_time = 1001})},
           13);
  const TraceInfo info = InfoOrDie(*store_, kTraceA);
  EXPECT_FALSE(info.partial);
  EXPECT_DOUBLE_EQ(info.end_time, 1003);
}

TEST_F(TraceStoreTest, IndexesFirstFiftyAnnotationKeysOfATrace) {
  auto with_keys = [](int from, int to, const char* id) {
    DocSpec spec{.id = id};
    for (int k = from; k < to; ++k) {
      spec.annotations.push_back(
          testing::StringAnnotation("key" + std::to_string(k), "v" + std::to_string(k)));
    }
    return BuildDocument(spec);
  };
  PutStats stats = PutOrDie(*store_, {with_keys(0, 30, kRoot)}, 10);
  EXPECT_EQ(stats.annotations_indexed, 30u);
  stats = PutOrDie(*store_, {with_keys(25, 60, kSub)}, 11);
  EXPECT_EQ(stats.annotations_indexed, 20u);     // key30..key49 are new; key25..29 deduplicated.
  EXPECT_EQ(stats.annotations_over_limit, 10u);  // key50..key59.

  // A new value of an indexed key is still indexed; a new key is not.
  DocSpec more{.id = kDownstream};
  more.annotations = {testing::StringAnnotation("key3", "other"),
                      testing::StringAnnotation("fresh", "x")};
  stats = PutOrDie(*store_, {BuildDocument(more)}, 12);
  EXPECT_EQ(stats.annotations_indexed, 1u);
  EXPECT_EQ(stats.annotations_over_limit, 1u);

  auto lookup = [&](const std::string& key, const std::string& value) {
    return store_->TracesWithAnnotation(key, testing::StringAnnotation(key, value).value).value();
  };
  EXPECT_EQ(lookup("key0", "v0"), std::vector<std::string>{kTraceA});
  EXPECT_EQ(lookup("key49", "v49"), std::vector<std::string>{kTraceA});
  EXPECT_EQ(lookup("key3", "other"), std::vector<std::string>{kTraceA});
  EXPECT_TRUE(lookup("key50", "v50").empty());
  EXPECT_TRUE(lookup("fresh", "x").empty());

  // Another trace has its own 50 keys.
  DocSpec b{.trace_id = kTraceB};
  b.annotations = {testing::StringAnnotation("key55", "v55")};
  EXPECT_EQ(PutOrDie(*store_, {BuildDocument(b)}, 13).annotations_indexed, 1u);
  EXPECT_EQ(lookup("key55", "v55"), std::vector<std::string>{kTraceB});
}

TEST_F(TraceStoreTest, AnnotationValuesAreTyped) {
  DocSpec spec;
  spec.annotations = {testing::NumberAnnotation("n", 5), testing::StringAnnotation("s", "5")};
  PutOrDie(*store_, {BuildDocument(spec)}, 10);
  EXPECT_EQ(store_->TracesWithAnnotation("n", testing::NumberAnnotation("n", 5).value).value(),
            std::vector<std::string>{kTraceA});
  EXPECT_TRUE(
      store_->TracesWithAnnotation("n", testing::StringAnnotation("n", "5").value).value().empty());
  EXPECT_TRUE(
      store_->TracesWithAnnotation("s", testing::NumberAnnotation("s", 5).value).value().empty());
}

TEST_F(TraceStoreTest, ListsNewestUpdatedFirst) {
  PutOrDie(*store_, {BuildDocument({.trace_id = kTraceA})}, 100);
  PutOrDie(*store_, {BuildDocument({.trace_id = kTraceB})}, 200);
  auto all = store_->ListTraces(0, 10).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].trace_id, kTraceB);
  EXPECT_EQ(all[1].trace_id, kTraceA);

  auto limited = store_->ListTraces(0, 1).value();
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_EQ(limited[0].trace_id, kTraceB);

  auto since = store_->ListTraces(150, 10).value();
  ASSERT_EQ(since.size(), 1u);
  EXPECT_EQ(since[0].trace_id, kTraceB);
  EXPECT_EQ(store_->ListTraces(200, 10).value().size(), 1u);  // `since` is inclusive.

  // An accepted write moves a trace to the front.
  PutOrDie(*store_, {BuildDocument({.trace_id = kTraceA, .id = kSub})}, 300);
  EXPECT_EQ(store_->ListTraces(0, 10).value().at(0).trace_id, kTraceA);
}

TEST_F(TraceStoreTest, KeptVersionsChangeNeitherTheRootNorTheAnnotationIndex) {
  DocSpec complete_spec{.name = "frontend", .end_time = 1003};
  complete_spec.annotations = {testing::StringAnnotation("k", "complete")};
  const auto complete = BuildDocument(complete_spec);
  PutOrDie(*store_, {complete}, 10);

  DocSpec late_spec{.name = "late", .end_time = std::nullopt};
  late_spec.annotations = {testing::StringAnnotation("late", "x")};
  const PutStats stale = PutOrDie(*store_, {BuildDocument(late_spec)}, 11);
  EXPECT_EQ(stale.stale_in_progress, 1u);
  EXPECT_EQ(stale.annotations_indexed + stale.annotations_over_limit, 0u);
  const PutStats duplicate = PutOrDie(*store_, {complete}, 12);
  EXPECT_EQ(duplicate.duplicates, 1u);
  EXPECT_EQ(duplicate.annotations_indexed, 0u);

  const TraceInfo info = InfoOrDie(*store_, kTraceA);
  EXPECT_EQ(info.root_name, "frontend");
  EXPECT_EQ(info.revision, 1);
  EXPECT_EQ(info.bytes, static_cast<std::int64_t>(complete.raw.size()));
  EXPECT_DOUBLE_EQ(info.updated_at, 10);
  EXPECT_TRUE(store_->TracesWithAnnotation("late", testing::StringAnnotation("late", "x").value)
                  .value()
                  .empty());
}

TEST_F(TraceStoreTest, ReplacingVersionTakesTheRootAndAddsItsAnnotations) {
  DocSpec open_spec{.name = "starting", .start_time = 1000, .end_time = std::nullopt};
  open_spec.annotations = {testing::StringAnnotation("phase", "open")};
  DocSpec done_spec{.name = "finished", .start_time = 999, .end_time = 1005};
  done_spec.annotations = {testing::StringAnnotation("phase", "done")};
  const auto done = BuildDocument(done_spec);
  PutOrDie(*store_, {BuildDocument(open_spec)}, 10);
  const PutStats stats = PutOrDie(*store_, {done}, 11);
  EXPECT_EQ(stats.replaced, 1u);
  EXPECT_EQ(stats.annotations_indexed, 1u);

  const TraceInfo info = InfoOrDie(*store_, kTraceA);
  EXPECT_EQ(info.root_id, kRoot);
  EXPECT_EQ(info.root_name, "finished");
  EXPECT_DOUBLE_EQ(info.start_time, 999);
  EXPECT_DOUBLE_EQ(info.end_time, 1005);
  EXPECT_FALSE(info.partial);
  EXPECT_EQ(info.documents, 1);
  EXPECT_EQ(info.bytes, static_cast<std::int64_t>(done.raw.size()));
  // The index only grows: the replaced version's value still finds the trace.
  for (const char* value : {"open", "done"}) {
    EXPECT_EQ(store_->TracesWithAnnotation("phase", testing::StringAnnotation("phase", value).value)
                  .value(),
              std::vector<std::string>{kTraceA})
        << value;
  }
}

TEST_F(TraceStoreTest, RetentionDeletesTheLeastRecentlyUpdatedTracesWithTheirRows) {
  DocSpec a{.trace_id = kTraceA};
  a.annotations = {testing::StringAnnotation("k", "a")};
  DocSpec b{.trace_id = kTraceB};
  b.annotations = {testing::StringAnnotation("k", "b")};
  PutOrDie(*store_, {BuildDocument(a)}, 10);
  PutOrDie(*store_, {BuildDocument(b), BuildDocument({.trace_id = kTraceB, .id = kSub})}, 20);

  auto none = store_->DeleteOldestTraces(/*updated_before=*/10, 10);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(none->traces, 0);

  auto oldest = store_->DeleteOldestTraces(/*updated_before=*/100, /*max_traces=*/1);
  ASSERT_TRUE(oldest) << oldest.error().message;
  EXPECT_EQ(oldest->traces, 1);
  EXPECT_EQ(oldest->documents, 1);
  EXPECT_GE(oldest->annotations, 1);
  EXPECT_EQ(store_->GetTraceInfo(kTraceA).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(
      store_->TracesWithAnnotation("k", testing::StringAnnotation("k", "a").value).value().empty());
  EXPECT_EQ(store_->TracesWithAnnotation("k", testing::StringAnnotation("k", "b").value).value(),
            std::vector<std::string>{kTraceB});

  auto rest = store_->DeleteOldestTraces(/*updated_before=*/100, 10);
  ASSERT_TRUE(rest) << rest.error().message;
  EXPECT_EQ(rest->traces, 1);
  EXPECT_EQ(rest->documents, 2);
  EXPECT_EQ(store_->CountDocuments().value_or(-1), 0);
}

// The writer remembers the traces it wrote lately and skips the SELECT by id for a trace id above
// every id it may have forgotten: a trace dropped from its memory must still be found.
TEST_F(TraceStoreTest, ATraceTheWriterNoLongerRemembersStillGainsDocuments) {
  PutOrDie(*store_, {BuildDocument({})}, 10);  // kTraceA, the smallest id below.
  std::vector<proto::Document> batch;
  char trace_id[40];
  for (int i = 0; i < 100000; ++i) {
    // Ids above kTraceA, in increasing order, as traces arrive in time.
    std::snprintf(trace_id, sizeof trace_id, "1-5759e989-%024x", i);
    batch.push_back(BuildDocument({.trace_id = trace_id}));
    if (batch.size() == 2000) {
      PutOrDie(*store_, batch, 11);
      batch.clear();
    }
  }
  const PutStats stats =
      PutOrDie(*store_, {BuildDocument({.id = kSub, .parent_id = kRoot, .subsegment = true})}, 12);
  EXPECT_EQ(stats.inserted, 1u);
  EXPECT_EQ(InfoOrDie(*store_, kTraceA).documents, 2);
}

// A trace written once keeps first_received as 0 (updated_at stands for it, in no bytes); the
// first update keeps the first write's time. Readers see the time either way.
TEST(TraceStoreFileTest, FirstReceivedIsTheFirstWritesTimeWhetherStoredOrNot) {
  const std::string path = TempDbPath();
  auto store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  auto stored = [&]() {
    auto db = Database::Open(path, DatabaseOptions{.read_only = true});
    EXPECT_TRUE(db);
    auto value = (*db)->QueryInt("SELECT CAST(first_received AS INTEGER) FROM traces");
    EXPECT_TRUE(value);
    return value.value_or(-1);
  };
  auto reported = [&]() {
    auto stale = store->StaleTraces(1e9, 10);  // No summarizer: every trace is stale.
    EXPECT_TRUE(stale && stale->size() == 1u);
    return stale && !stale->empty() ? stale->front().first_received : -1.0;
  };
  PutOrDie(*store, {BuildDocument({})}, 1500);
  EXPECT_EQ(stored(), 0);
  EXPECT_DOUBLE_EQ(reported(), 1500);
  PutOrDie(*store, {BuildDocument({.id = kSub, .parent_id = kRoot, .subsegment = true})}, 1600);
  EXPECT_EQ(stored(), 1500);
  EXPECT_DOUBLE_EQ(reported(), 1500);
  EXPECT_DOUBLE_EQ(InfoOrDie(*store, kTraceA).updated_at, 1600);
  PutOrDie(*store,
           {BuildDocument({.id = "0a1b2c3d4e5f6071", .parent_id = kRoot, .subsegment = true})},
           1700);
  EXPECT_DOUBLE_EQ(reported(), 1500);
}

TEST(TraceStoreFileTest, TracesOtherConnectionsWroteAreFoundByTheirId) {
  const std::string path = TempDbPath();
  auto first = OpenOrDie(path, OpenMode::kReadWrite);
  auto second = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  PutOrDie(*first, {BuildDocument({})}, 10);
  PutOrDie(*second, {BuildDocument({.trace_id = kTraceB})}, 11);  // The largest id stored.
  PutOrDie(
      *first,
      {BuildDocument({.trace_id = kTraceB, .id = kSub, .parent_id = kRoot, .subsegment = true})},
      12);
  EXPECT_EQ(InfoOrDie(*first, kTraceB).documents, 2);
  first.reset();
  auto reopened = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(reopened, nullptr);
  PutOrDie(*reopened, {BuildDocument({.trace_id = kTraceB, .id = kDownstream, .parent_id = kSub})},
           13);
  EXPECT_EQ(InfoOrDie(*reopened, kTraceB).documents, 3);
}

TEST(TraceStoreFileTest, SurvivesCloseAndReopen) {
  const std::string path = TempDbPath();
  const auto doc = BuildDocument({});
  {
    auto store = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(store, nullptr);
    PutOrDie(*store, {doc}, 10);
  }
  auto store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetDocuments(kTraceA).value().at(0).raw, doc.raw);
  EXPECT_EQ(PutOrDie(*store, {doc}, 11).duplicates, 1u);
  store.reset();
  auto reader = OpenOrDie(path, OpenMode::kReadOnly);  // After the writer has gone.
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->CountDocuments().value_or(-1), 1);
}

TEST(TraceStoreFileTest, ReaderSeesCommittedWritesAndCannotWrite) {
  const std::string path = TempDbPath();
  auto writer = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(writer, nullptr);
  auto reader = OpenOrDie(path, OpenMode::kReadOnly);
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->GetDocuments(kTraceA).value().empty());

  PutOrDie(*writer, {BuildDocument({})}, 10);
  EXPECT_EQ(reader->GetDocuments(kTraceA).value().size(), 1u);
  EXPECT_EQ(reader->ListTraces(0, 10).value().size(), 1u);

  auto refused = reader->PutDocuments(std::vector{BuildDocument({.trace_id = kTraceB})}, 11);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kIOError);
  EXPECT_TRUE(writer->GetDocuments(kTraceB).value().empty());
  // The reader's failed write left no transaction open: the writer can still write.
  PutOrDie(*writer, {BuildDocument({.trace_id = kTraceB})}, 12);
  EXPECT_EQ(reader->CountDocuments().value_or(-1), 2);
}

TEST(TraceStoreFileTest, ReadOnlyOpenOfMissingStoreIsInvalidArgument) {
  const std::string path = TempDbPath();
  auto store = TraceStore::Open(path, OpenMode::kReadOnly);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
}

TEST(TraceStoreFileTest, FullDiskWritesNothingOfTheBatch) {
  const std::string path = TempDbPath();
  auto store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  PutOrDie(*store, {BuildDocument({})}, 10);
  ASSERT_TRUE(store->CapFileSizeForTesting().has_value());

  // Enough new data to need new pages: an existing trace updated, a new trace created.
  std::vector<proto::Document> batch;
  batch.push_back(BuildDocument({.id = kSub, .end_time = 1005}));
  for (int i = 0; i < 200; ++i) {
    char id[17];
    std::snprintf(id, sizeof id, "%016x", 0x1000 + i);
    DocSpec spec{.trace_id = kTraceB,
                 .id = id,
                 .parent_id = kRoot,
                 .subsegment = true,
                 .extra = std::string(2000, 'x')};
    spec.annotations = {testing::StringAnnotation("k", id)};
    batch.push_back(BuildDocument(spec));
  }
  auto result = store->PutDocuments(batch, 20);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kResourceExhausted) << result.error().message;

  EXPECT_EQ(store->CountDocuments().value_or(-1), 1);
  EXPECT_TRUE(store->GetDocuments(kTraceB).value().empty());
  const TraceInfo info = InfoOrDie(*store, kTraceA);
  EXPECT_EQ(info.documents, 1);
  EXPECT_EQ(info.revision, 1);
  EXPECT_DOUBLE_EQ(info.updated_at, 10);
  EXPECT_EQ(store->ListTraces(0, 10).value().size(), 1u);
  // The connection is usable afterwards (a write that needs no new page succeeds).
  EXPECT_EQ(PutOrDie(*store, {BuildDocument({})}, 30).duplicates, 1u);
}

}  // namespace
}  // namespace xrayd::storage
