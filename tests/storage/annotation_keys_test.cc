#include "storage/annotation_keys.h"

#include <filesystem>
#include <memory>
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
using testing::kTraceA;
using testing::kTraceB;

constexpr char kSecond[] = "53995c3f42cd8ad8";
constexpr char kThird[] = "0a1b2c3d4e5f6071";

std::string TempDbPath() {
  return testing::FreshDbPath("annotation_keys_");
}

std::unique_ptr<TraceStore> OpenWriter(const std::string& path) {
  auto store = TraceStore::Open(path, OpenMode::kReadWrite);
  EXPECT_TRUE(store) << (store ? "" : store.error().message);
  return store ? std::move(*store) : nullptr;
}

PutStats PutOrDie(TraceStore& store, const std::vector<proto::Document>& docs, double at) {
  auto stats = store.PutDocuments(docs, at);
  EXPECT_TRUE(stats) << (stats ? "" : stats.error().message);
  return stats.value_or(PutStats{});
}

std::vector<std::string> Lookup(TraceStore& store, const std::string& key,
                                const std::string& value) {
  auto ids = store.TracesWithAnnotation(key, testing::StringAnnotation(key, value).value);
  EXPECT_TRUE(ids) << (ids ? "" : ids.error().message);
  return ids.value_or(std::vector<std::string>{});
}

DocSpec WithKeys(DocSpec spec, int from, int to) {
  for (int k = from; k < to; ++k) {
    spec.annotations.push_back(
        testing::StringAnnotation("key" + std::to_string(k), "v" + std::to_string(k)));
  }
  return spec;
}

TEST(KeySetTest, HoldsIdsOfEverySize) {
  const std::vector<std::int64_t> ids = {1, 5, 127, 128, 300, 16383, 16384, 1 << 30};
  std::string set;
  for (std::int64_t id : ids) {
    AppendKeyId(set, id);
  }
  EXPECT_EQ(KeySetSize(set), ids.size());
  for (std::int64_t id : ids) {
    EXPECT_TRUE(KeySetHas(set, id)) << id;
  }
  for (std::int64_t absent : {0, 2, 129, 16385}) {
    EXPECT_FALSE(KeySetHas(set, absent)) << absent;
  }
  EXPECT_EQ(set.size(), 1u + 1 + 1 + 2 + 2 + 2 + 3 + 5);
  // A truncated last varint is not an id.
  set.push_back(static_cast<char>(0x80));
  EXPECT_EQ(KeySetSize(set), ids.size());
}

TEST(KeySetTest, ReservedKeysHaveTheMigrationsIds) {
  EXPECT_EQ(ReservedKeyId("$service"), 1);
  EXPECT_EQ(ReservedKeyId("$user"), 2);
  EXPECT_EQ(ReservedKeyId("$az"), 3);
  EXPECT_EQ(ReservedKeyId("$instance"), 4);
  EXPECT_EQ(ReservedKeyId("$arn"), 5);
  EXPECT_EQ(ReservedKeyId("service"), std::nullopt);
}

// Each key's text is stored once however many values and traces are indexed under it.
TEST(AnnotationKeysTest, KeyTextIsStoredOnce) {
  const std::string path = TempDbPath();
  auto store = OpenWriter(path);
  ASSERT_TRUE(store);
  std::vector<proto::Document> docs;
  for (int i = 0; i < 200; ++i) {
    char trace[36];
    std::snprintf(trace, sizeof trace, "1-5759e988-%024x", i);
    DocSpec spec{.trace_id = trace};
    spec.annotations = {testing::StringAnnotation("customer_tier", "t" + std::to_string(i % 7))};
    docs.push_back(BuildDocument(spec));
  }
  PutOrDie(*store, docs, 10);
  EXPECT_EQ(Lookup(*store, "customer_tier", "t3").size(), 29u);
  EXPECT_TRUE(Lookup(*store, "never_indexed", "t3").empty());

  auto db = Database::Open(path, DatabaseOptions{.read_only = true});
  ASSERT_TRUE(db);
  EXPECT_EQ((*db)
                ->QueryInt("SELECT count(*) FROM annotation_key_names WHERE key = "
                           "'customer_tier'")
                .value_or(-1),
            1);
  EXPECT_EQ((*db)
                ->QueryInt("SELECT count(*) FROM annotations WHERE typeof(key_id) = 'integer'")
                .value_or(-1),
            200);
}

// The 50-key limit holds for a trace the writer no longer remembers: its keys come back from the
// traces row.
TEST(AnnotationKeysTest, KeyLimitSurvivesReopening) {
  const std::string path = TempDbPath();
  {
    auto store = OpenWriter(path);
    ASSERT_TRUE(store);
    EXPECT_EQ(PutOrDie(*store, {BuildDocument(WithKeys({}, 0, 50))}, 10).annotations_indexed, 50u);
  }
  auto store = OpenWriter(path);
  ASSERT_TRUE(store);
  DocSpec more{.id = kSecond};
  more.annotations = {testing::StringAnnotation("key49", "again"),
                      testing::StringAnnotation("fresh", "x")};
  const PutStats stats = PutOrDie(*store, {BuildDocument(more)}, 11);
  EXPECT_EQ(stats.annotations_indexed, 1u);
  EXPECT_EQ(stats.annotations_over_limit, 1u);
  EXPECT_EQ(Lookup(*store, "key49", "again"), std::vector<std::string>{kTraceA});
  EXPECT_TRUE(Lookup(*store, "fresh", "x").empty());
  // A key no trace indexes gets no name.
  auto db = Database::Open(path, DatabaseOptions{.read_only = true});
  ASSERT_TRUE(db);
  EXPECT_EQ(
      (*db)->QueryInt("SELECT count(*) FROM annotation_key_names WHERE key = 'fresh'").value_or(-1),
      0);
}

// A key first seen in a batch that rolled back gets a name again in the next one.
TEST(AnnotationKeysTest, IdsOfARolledBackBatchAreNotReused) {
  auto store = OpenWriter(TempDbPath());
  ASSERT_TRUE(store);
  DocSpec first;
  first.annotations = {testing::StringAnnotation("born_in_rollback", "1")};
  DocSpec broken{.trace_id = "not-a-trace-id", .id = kSecond};
  const std::vector<proto::Document> batch = {BuildDocument(first), BuildDocument(broken)};
  EXPECT_FALSE(store->PutDocuments(batch, 10));
  EXPECT_TRUE(Lookup(*store, "born_in_rollback", "1").empty());

  PutOrDie(*store, {BuildDocument(first)}, 11);
  EXPECT_EQ(Lookup(*store, "born_in_rollback", "1"), std::vector<std::string>{kTraceA});
}

// A version-6 store (key text in every annotation row, traces.annotation_keys as "k1,k2,...")
// migrates: its traces are found under their keys, and its traces keep their 50-key limit.
// The writer remembers at most kMaxCachedKeys names; names it forgot keep their ids, from the
// store.
TEST(AnnotationKeysTest, TheWritersKeyCacheIsBounded) {
  const std::string path = TempDbPath();
  auto db = Database::Open(path, DatabaseOptions{});
  ASSERT_TRUE(db) << db.error().message;
  ASSERT_TRUE(Migrate(**db));
  AnnotationKeyIds ids;
  ASSERT_TRUE(ids.Prepare(**db));
  ASSERT_TRUE((*db)->Exec("BEGIN IMMEDIATE"));
  constexpr std::size_t kKeys = AnnotationKeyIds::kMaxCachedKeys + 100;
  std::vector<std::int64_t> first(kKeys);
  for (std::size_t k = 0; k < kKeys; ++k) {
    auto id = ids.IdOf("key" + std::to_string(k));
    ASSERT_TRUE(id) << id.error().message;
    first[k] = *id;
    ASSERT_LE(ids.cached_keys(), AnnotationKeyIds::kMaxCachedKeys);
  }
  ASSERT_TRUE((*db)->Exec("COMMIT"));
  for (std::size_t k = 0; k < kKeys; ++k) {
    auto id = ids.IdOf("key" + std::to_string(k));
    ASSERT_TRUE(id) << id.error().message;
    EXPECT_EQ(*id, first[k]) << "key" << k;
  }
  EXPECT_LE(ids.cached_keys(), AnnotationKeyIds::kMaxCachedKeys);
  auto names = (*db)->QueryInt("SELECT count(*) FROM annotation_key_names");
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, static_cast<std::int64_t>(kKeys) + 5);  // With the five reserved keys.
}

TEST(AnnotationKeysTest, VersionSixStoreMigrates) {
  const std::string path = TempDbPath();
  {
    auto db = Database::Open(path, DatabaseOptions{});
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(MigrateTo(**db, 6));
    std::string keys;
    for (int k = 0; k < 50; ++k) {
      keys += (k == 0 ? "" : ",") + std::string("key") + std::to_string(k);
    }
    // kTraceA: seq 1, bucket 0; its trace_id BLOB is the id's epoch and random bytes.
    ASSERT_TRUE((*db)->Exec(
        "INSERT INTO traces(seq, trace_id, start_time, end_time, updated_at, documents, "
        "in_progress_count, revision, bytes, root_id, root_name, annotation_keys, "
        "summary_revision, first_received) VALUES(1, x'5759e988bd862e3fe1be46a994272793', 1000, "
        "1001, 10, 1, 0, 1, 10, 1, 'frontend', '" +
        keys +
        "', 1, 10);"
        "INSERT INTO annotations(bucket, key, vtype, value, trace_seq) VALUES"
        "(0, 'key0', 0, 'v0', 1), (0, 'key7', 1, 7.5, 1), (0, '$service', 0, 'frontend', 1);"));
  }
  auto store = OpenWriter(path);
  ASSERT_TRUE(store);
  EXPECT_EQ(Lookup(*store, "key0", "v0"), std::vector<std::string>{kTraceA});
  EXPECT_EQ(Lookup(*store, "$service", "frontend"), std::vector<std::string>{kTraceA});
  auto number = store->TracesWithAnnotation("key7", testing::NumberAnnotation("key7", 7.5).value);
  ASSERT_TRUE(number);
  EXPECT_EQ(*number, std::vector<std::string>{kTraceA});

  DocSpec more{.id = kSecond};
  more.annotations = {testing::StringAnnotation("key3", "new"),
                      testing::StringAnnotation("fresh", "x")};
  PutStats stats = PutOrDie(*store, {BuildDocument(more)}, 11);
  EXPECT_EQ(stats.annotations_indexed, 1u);
  EXPECT_EQ(stats.annotations_over_limit, 1u);
  EXPECT_EQ(Lookup(*store, "key3", "new"), std::vector<std::string>{kTraceA});

  // Rewritten as ids when the writer next changes the trace's keys: a fresh writer reads them.
  DocSpec another{.trace_id = kTraceB};
  another.annotations = {testing::StringAnnotation("key0", "v0")};
  PutOrDie(*store, {BuildDocument(another)}, 12);
  store.reset();
  store = OpenWriter(path);
  ASSERT_TRUE(store);
  DocSpec late{.id = kThird};
  late.annotations = {testing::StringAnnotation("fresh", "y")};
  stats = PutOrDie(*store, {BuildDocument(late)}, 13);
  EXPECT_EQ(stats.annotations_over_limit, 1u);
  EXPECT_EQ(Lookup(*store, "key0", "v0"), (std::vector<std::string>{kTraceA, kTraceB}));
}

}  // namespace
}  // namespace xrayd::storage
