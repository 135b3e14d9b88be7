// Compression dictionaries (storage/document_dictionaries.h) through a real store: the writer
// trains one from its first documents and stores it before any frame names it; frames made with it
// are smaller than frames without; the writer, a second (read-only) connection, the forward spool
// and the writer after a restart all read them back; a frame whose dictionary is gone is an error.

#include "storage/document_dictionaries.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proto/document_pack.h"
#include "storage/database.h"
#include "storage/document_codec.h"
#include "storage/forward_queue.h"
#include "storage/frame_encoder.h"
#include "storage/trace_store.h"
#include "tests/storage/document_builder.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xrayd::storage {
namespace {

using testing::BuildDocument;

std::string TempDbPath() {
  return testing::FreshDbPath("dictionaries_");
}

// `count` one-document traces that look like a service's segments: the same keys and names, ids
// and times that differ.
std::vector<proto::Document> Segments(int first, int count) {
  std::vector<proto::Document> docs;
  for (int i = first; i < first + count; ++i) {
    char trace[40];
    std::snprintf(trace, sizeof trace, "1-5759e988-%024x", i);
    char id[17];
    std::snprintf(id, sizeof id, "%016x", i * 7919 + 1);
    docs.push_back(BuildDocument(
        {.trace_id = trace,
         .id = id,
         .name = i % 2 ? "checkout" : "inventory",
         .start_time = 1000.0 + i,
         .end_time = 1000.5 + i,
         .extra = R"({"http":{"request":{"method":"POST","url":"https://shop.example.com/api/)" +
                  std::to_string(i % 13) +
                  R"("},"response":{"status":200}},"aws":{"ec2":{"instance_id":"i-0abc)" +
                  std::to_string(i % 5) + R"("}}})"}));
  }
  return docs;
}

// `count` one-document traces of other services than Segments' (other names, other words), from
// trace number `first` on; `noise` adds that many random base64 digits to each.
std::vector<proto::Document> OtherSegments(int first, int count, std::size_t noise = 0) {
  static constexpr const char* kNames[] = {"ledger-reconciliation-worker", "kafka-consumer-orders",
                                           "pg-pool"};
  std::vector<proto::Document> docs;
  std::uint64_t random = 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(first + 1);
  for (int i = first; i < first + count; ++i) {
    char trace[40];
    std::snprintf(trace, sizeof trace, "1-5759f000-%024x", i);
    char id[17];
    std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(i) * 104729 + 3);
    std::string extra =
        "otel.scope=@opentelemetry/instrumentation-pg db.system=postgresql "
        "db.statement=SELECT balance, currency FROM accounts WHERE tenant_id = $" +
        std::to_string(i % 11) + " net.peer.name=replica-" + std::to_string(i % 7) +
        ".ledger.internal thread.name=pool-" + std::to_string(i % 3) +
        " messaging.kafka.partition=" + std::to_string(i % 17);
    // Random digits: no dictionary predicts them.
    static constexpr char kDigits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t n = 0; n < noise; ++n) {
      random = random * 6364136223846793005ULL + 1442695040888963407ULL;
      extra += kDigits[random >> 58];
    }
    docs.push_back(BuildDocument({.trace_id = trace,
                                  .id = id,
                                  .name = kNames[i % 3],
                                  .start_time = 5000.0 + i,
                                  .end_time = 5000.25 + i,
                                  .extra = extra}));
  }
  return docs;
}

// Stores `docs` in batches of 1,000, as a busy writer would.
void PutInBatches(TraceStore& store, const std::vector<proto::Document>& docs) {
  for (std::size_t i = 0; i < docs.size(); i += 1000) {
    const std::span<const proto::Document> batch =
        std::span(docs).subspan(i, std::min<std::size_t>(1000, docs.size() - i));
    ASSERT_TRUE(store.PutDocuments(batch, 20));
  }
}

std::int64_t QueryInt(const std::string& path, const std::string& sql) {
  auto db = Database::Open(path, DatabaseOptions{.read_only = true});
  EXPECT_TRUE(db) << db.error().message;
  auto value = (*db)->QueryInt(sql);
  EXPECT_TRUE(value) << sql;
  return value.value_or(-1);
}

std::unique_ptr<TraceStore> OpenOrDie(const std::string& path, OpenMode mode) {
  auto store = TraceStore::Open(path, mode);
  EXPECT_TRUE(store) << store.error().message;
  return store ? std::move(*store) : nullptr;
}

// Stores enough documents to train, then one more batch that uses the dictionary. Returns every
// document stored.
std::vector<proto::Document> FillPastTraining(TraceStore& store) {
  std::vector<proto::Document> all = Segments(0, kDictionarySamples);
  EXPECT_TRUE(store.PutDocuments(all, 10));
  const std::vector<proto::Document> after = Segments(kDictionarySamples, 200);
  EXPECT_TRUE(store.PutDocuments(after, 11));
  all.insert(all.end(), after.begin(), after.end());
  return all;
}

// FillPastTraining in a writer that is closed afterwards (the store as a restart finds it).
std::vector<proto::Document> FillPastTrainingAndClose(const std::string& path) {
  auto store = OpenOrDie(path, OpenMode::kReadWrite);
  EXPECT_NE(store, nullptr);
  return store ? FillPastTraining(*store) : std::vector<proto::Document>{};
}

void ExpectAllReadBack(TraceStore& store, const std::vector<proto::Document>& docs) {
  for (const proto::Document& doc : docs) {
    auto stored = store.GetDocuments(doc.trace_id);
    ASSERT_TRUE(stored) << stored.error().message;
    ASSERT_EQ(stored->size(), 1u) << doc.trace_id;
    EXPECT_EQ(stored->front().raw, doc.raw);
  }
}

TEST(DocumentDictionariesTest, TheWriterTrainsOnceAndLaterFramesAreSmaller) {
  const std::string path = TempDbPath();
  auto store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  const std::vector<proto::Document> docs = FillPastTraining(*store);
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM zstd_dictionaries"), 1);
  // The batch after training: smaller than the same documents compressed without a dictionary.
  std::int64_t without = 0;
  for (std::size_t i = kDictionarySamples; i < docs.size(); ++i) {
    without += static_cast<std::int64_t>(EncodeDocument(docs[i].raw).size());
  }
  const std::int64_t with = QueryInt(path, "SELECT sum(length(raw)) FROM documents WHERE seq > " +
                                               std::to_string(kDictionarySamples));
  EXPECT_LT(with * 2, without) << "with a dictionary " << with << " B, without " << without;
  ExpectAllReadBack(*store, docs);
}

TEST(DocumentDictionariesTest, LargeDocumentsGiveBoundedSamplesAndTrainSooner) {
  const std::string path = TempDbPath();
  auto store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  // Each sample is at most kDictionarySampleMaxBytes, so these 20 KB documents reach
  // kDictionarySampleBytes of samples well before kDictionarySamples documents.
  constexpr std::size_t kCount = kDictionarySampleBytes / kDictionarySampleMaxBytes + 10;
  static_assert(kCount < kDictionarySamples);
  std::vector<proto::Document> large = Segments(0, kCount);
  for (std::size_t i = 0; i < large.size(); ++i) {
    large[i] = BuildDocument({.trace_id = large[i].trace_id,
                              .id = large[i].id,
                              .extra = std::string(20000, static_cast<char>('a' + i % 26))});
  }
  ASSERT_TRUE(store->PutDocuments(large, 10));
  ASSERT_TRUE(store->PutDocuments(Segments(5000, 10), 11));
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM zstd_dictionaries"), 1);
  ExpectAllReadBack(*store, large);
}

TEST(DocumentDictionariesTest, OtherConnectionsAndTheSpoolReadFramesMadeWithIt) {
  const std::string path = TempDbPath();
  auto store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  store->SetForwardSpool(true);
  const std::vector<proto::Document> docs = FillPastTraining(*store);
  auto reader = OpenOrDie(path, OpenMode::kReadOnly);
  ASSERT_NE(reader, nullptr);
  ExpectAllReadBack(*reader, docs);
  auto spool = ForwardQueueReader::Open(path);
  ASSERT_TRUE(spool) << spool.error().message;
  auto rows = (*spool)->ReadAfter(0, docs.size(), 64u << 20);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), docs.size());
  for (std::size_t i = 0; i < docs.size(); ++i) {
    EXPECT_FALSE((*rows)[i].missing);
    EXPECT_EQ((*rows)[i].raw, docs[i].raw);
  }
}

TEST(DocumentDictionariesTest, ARestartedWriterKeepsTheDictionaryItHas) {
  const std::string path = TempDbPath();
  std::vector<proto::Document> docs = FillPastTrainingAndClose(path);
  ASSERT_FALSE(docs.empty());
  auto store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  const std::vector<proto::Document> more = Segments(5000, 1500);
  ASSERT_TRUE(store->PutDocuments(more, 12));
  ASSERT_TRUE(store->PutDocuments(Segments(9000, 10), 13));
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM zstd_dictionaries"), 1);
  docs.insert(docs.end(), more.begin(), more.end());
  ExpectAllReadBack(*store, docs);
}

TEST(DocumentDictionariesTest, AFrameWhoseDictionaryIsGoneIsAnErrorNotACrash) {
  const std::string path = TempDbPath();
  std::vector<proto::Document> docs = FillPastTrainingAndClose(path);
  ASSERT_FALSE(docs.empty());
  {
    auto db = Database::Open(path, DatabaseOptions{});
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->Exec("DELETE FROM zstd_dictionaries"));
  }
  auto reader = OpenOrDie(path, OpenMode::kReadOnly);
  ASSERT_NE(reader, nullptr);
  auto stored = reader->GetDocuments(docs.back().trace_id);
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::kMalformed);
  EXPECT_NE(stored.error().message.find("dictionary"), std::string::npos);
  // The documents stored before training were compressed again with the dictionary: they need it
  // too.
  auto early = reader->GetDocuments(docs.front().trace_id);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kMalformed);
}

// Receivers compress with the writer's shared encoder: before training its frames name no
// dictionary and the writer still keeps the training samples; once trained, the documents stored
// before are compressed again with the dictionary, and so is a document encoded before training
// but written after it; then the encoder's frames use it, the writer stores them as they were
// made, and every reader reads them. A restarted writer's encoder has the dictionary from the
// start.
TEST(DocumentDictionariesTest, TheSharedEncoderFollowsTheStoresDictionary) {
  const std::string path = TempDbPath();
  auto store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  const std::shared_ptr<const FrameEncoder> encoder = store->SharedFrameEncoder();
  ASSERT_NE(encoder, nullptr);
  EXPECT_FALSE(encoder->HasDictionary());
  // As the UDP receiver queues them: encoded, the text released once there is a dictionary.
  auto queued = [&](std::vector<proto::Document> docs) {
    for (proto::Document& doc : docs) {
      encoder->EncodeAndRelease(doc);
    }
    return docs;
  };
  const std::vector<proto::Document> first = queued(Segments(0, kDictionarySamples));
  ASSERT_TRUE(store->PutDocuments(first, 10));
  // The writer trains before its next transaction, which holds a document encoded before.
  const std::vector<proto::Document> next = queued(Segments(kDictionarySamples, 1));
  ASSERT_FALSE(next.front().raw.empty()) << "encoded before the dictionary: text kept";
  ASSERT_TRUE(store->PutDocuments(next, 11));
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM zstd_dictionaries"), 1);
  EXPECT_TRUE(encoder->HasDictionary());

  const std::vector<proto::Document> after = queued(Segments(kDictionarySamples + 1, 200));
  ASSERT_TRUE(store->PutDocuments(after, 12));
  std::size_t with = 0;
  std::size_t without = 0;
  for (const proto::Document& doc : Segments(kDictionarySamples + 1, 200)) {
    without += EncodeDocument(doc.raw).size();
  }
  for (const proto::Document& doc : after) {
    EXPECT_TRUE(doc.raw.empty()) << "encoded with the dictionary: text released";
    with += doc.stored_raw.size();
  }
  EXPECT_LT(with * 2, without) << "with the dictionary " << with << " B, without " << without;

  auto db = Database::Open(path, DatabaseOptions{.read_only = true});
  ASSERT_TRUE(db);
  auto stored = (*db)->Prepare("SELECT raw FROM documents ORDER BY seq");
  ASSERT_TRUE(stored);
  auto next_row = [&]() {
    auto row = stored->Step();
    EXPECT_TRUE(row && *row);
    return std::string(stored->ColumnText(0));
  };
  std::size_t early_made = 0;
  std::size_t early_stored = 0;
  for (const proto::Document& doc : first) {
    early_made += doc.stored_raw.size();
    early_stored += next_row().size();
  }
  EXPECT_LT(early_stored * 3, early_made * 2)
      << "made before training: " << early_made << " B, stored " << early_stored << " B";
  const std::string recompressed = next_row();
  EXPECT_NE(recompressed, next.front().stored_raw);
  EXPECT_LT(recompressed.size(), next.front().stored_raw.size());
  for (const proto::Document& doc : after) {
    EXPECT_EQ(next_row(), doc.stored_raw);
  }
  ExpectAllReadBack(*OpenOrDie(path, OpenMode::kReadOnly), Segments(0, kDictionarySamples + 201));

  store.reset();
  store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->SharedFrameEncoder()->HasDictionary());
}

// A receiver releases a document's JSON text once the store has a dictionary (before, the writer
// still takes training samples from it): the queued document holds only its compressed form, and
// storing it keeps every figure the text gave (its length, its text when read back).
TEST(DocumentDictionariesTest, AReleasedDocumentIsStoredAsItsText) {
  const std::string path = TempDbPath();
  auto store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  const std::shared_ptr<const FrameEncoder> encoder = store->SharedFrameEncoder();
  proto::Document early = Segments(kDictionarySamples + 500, 1).front();
  const std::string early_json = early.raw;
  encoder->EncodeAndRelease(early);
  EXPECT_EQ(early.raw, early_json) << "no dictionary yet: the text is a training sample";
  EXPECT_FALSE(early.stored_raw.empty());

  const std::vector<proto::Document> before = FillPastTraining(*store);
  ASSERT_TRUE(encoder->HasDictionary());
  const std::vector<proto::Document> texts = Segments(kDictionarySamples + 200, 50);
  std::vector<proto::Document> released = texts;
  std::int64_t json_bytes = 0;
  for (proto::Document& doc : released) {
    const std::string json = doc.raw;
    const std::size_t packed = proto::PackedSize(std::span(&doc, 1));
    encoder->EncodeAndRelease(doc);
    EXPECT_TRUE(doc.raw.empty());
    EXPECT_EQ(doc.raw.capacity(), std::string().capacity()) << "the JSON's buffer is freed";
    EXPECT_EQ(proto::JsonSize(doc), json.size());
    // What the ingest queue counts for it: its frame instead of its JSON.
    EXPECT_EQ(proto::PackedSize(std::span(&doc, 1)) + json.size(), packed + doc.stored_raw.size());
    auto text = store->DocumentJson(doc);
    ASSERT_TRUE(text) << text.error().message;
    EXPECT_EQ(*text, json);
    json_bytes += static_cast<std::int64_t>(json.size());
  }
  auto stats = store->PutDocuments(released, 12);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->inserted, released.size());
  EXPECT_EQ(QueryInt(path, "SELECT sum(bytes) FROM documents WHERE seq > " +
                               std::to_string(before.size())),
            json_bytes);
  auto info = store->GetTraceInfo(released.front().trace_id);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->bytes, static_cast<std::int64_t>(texts.front().raw.size()));
  ExpectAllReadBack(*OpenOrDie(path, OpenMode::kReadOnly), texts);
}

// A released document whose key is stored is compared by its text: the same text is a duplicate,
// also when the stored version was written before the dictionary existed (another encoding), and
// a different text replaces it.
TEST(DocumentDictionariesTest, AReleasedDocumentIsComparedByItsText) {
  const std::string path = TempDbPath();
  auto store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  const std::shared_ptr<const FrameEncoder> encoder = store->SharedFrameEncoder();
  const std::vector<proto::Document> all = FillPastTraining(*store);
  ASSERT_TRUE(encoder->HasDictionary());

  proto::Document first = all.front();  // Stored before training: no dictionary in its frame.
  encoder->EncodeAndRelease(first);
  ASSERT_TRUE(first.raw.empty());
  auto again = store->PutDocuments(std::vector{first}, 13);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->duplicates, 1u);
  EXPECT_EQ(again->replaced, 0u);

  proto::Document changed = all.front();
  changed.raw.insert(changed.raw.size() - 1, R"(,"metadata":{"retry":true})");
  const std::string changed_json = changed.raw;
  encoder->EncodeAndRelease(changed);
  auto replaced = store->PutDocuments(std::vector{changed, changed}, 14);
  ASSERT_TRUE(replaced) << replaced.error().message;
  EXPECT_EQ(replaced->replaced, 1u);
  EXPECT_EQ(replaced->duplicates, 1u);
  auto stored = store->GetDocuments(changed.trace_id);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(stored->front().raw, changed_json);
  auto info = store->GetTraceInfo(changed.trace_id);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->bytes, static_cast<std::int64_t>(changed_json.size()));
}

// Mean bytes stored per document for the documents rows with seq in [first, last].
double MeanStored(const std::string& path, std::size_t first, std::size_t last) {
  const std::string where =
      " FROM documents WHERE seq BETWEEN " + std::to_string(first) + " AND " + std::to_string(last);
  return static_cast<double>(QueryInt(path, "SELECT sum(length(raw))" + where)) /
         static_cast<double>(QueryInt(path, "SELECT count(*)" + where));
}

// Documents of other services than those the dictionary was trained on make a window compress
// worse: the writer samples them, trains a dictionary that does better on them and uses it from
// then on, also after a restart. The same documents before do not retrain; every document, made
// with either dictionary, reads back.
TEST(DocumentDictionariesTest, ADictionaryIsTrainedAgainWhenTheDocumentsChange) {
  const std::string path = TempDbPath();
  auto store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  const std::vector<proto::Document> first = FillPastTraining(*store);
  const std::vector<proto::Document> same = Segments(5000, 2 * kRetrainWindowDocuments);
  PutInBatches(*store, same);
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM zstd_dictionaries"), 1)
      << "the same documents: no retraining";

  const std::size_t before_other = first.size() + same.size();
  constexpr std::size_t kOther = kRetrainWindowDocuments + kDictionarySamples + 3000;
  // As the UDP receiver queues them: compressed with the store's dictionary, the text released,
  // so the writer takes its samples from the frames.
  const std::vector<proto::Document> other = OtherSegments(0, kOther);
  std::vector<proto::Document> queued = other;
  const std::shared_ptr<const FrameEncoder> encoder = store->SharedFrameEncoder();
  for (std::size_t i = 0; i < queued.size(); i += 1000) {
    const std::size_t end = std::min(queued.size(), i + 1000);
    for (std::size_t j = i; j < end; ++j) {
      encoder->EncodeAndRelease(queued[j]);
      ASSERT_TRUE(queued[j].raw.empty());
    }
    ASSERT_TRUE(store->PutDocuments(std::span(queued).subspan(i, end - i), 20));
  }
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM zstd_dictionaries"), 2);
  const double with_first = MeanStored(path, before_other + 1, before_other + 1000);
  const double with_second = MeanStored(path, before_other + kOther - 999, before_other + kOther);
  EXPECT_LT(with_second, with_first * 0.8)
      << "the same kind of documents with the first dictionary " << with_first
      << " B, with the second " << with_second << " B";

  auto reader = OpenOrDie(path, OpenMode::kReadOnly);
  ASSERT_NE(reader, nullptr);
  ExpectAllReadBack(*reader, first);
  ExpectAllReadBack(*reader, std::vector(same.end() - 100, same.end()));
  ExpectAllReadBack(*reader, other);

  store.reset();
  store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  const std::vector<proto::Document> later = OtherSegments(kOther, 1000);
  PutInBatches(*store, later);
  const std::size_t total = before_other + kOther + later.size();
  EXPECT_LT(MeanStored(path, total - 999, total), with_first * 0.8)
      << "a restarted writer compresses with the newest dictionary";
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM zstd_dictionaries"), 2);
  ExpectAllReadBack(*OpenOrDie(path, OpenMode::kReadOnly), later);
}

// Documents that compress worse for a reason no dictionary removes (more random digits than the
// dictionary's samples had) make the writer train a candidate, which it does not keep: it
// compresses them hardly better than the dictionary the store has.
TEST(DocumentDictionariesTest, ACandidateThatDoesNoBetterIsNotKept) {
  const std::string path = TempDbPath();
  auto store = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(store, nullptr);
  // Trained on these documents, which then give the baseline.
  PutInBatches(*store, OtherSegments(0, kDictionarySamples + kRetrainWindowDocuments + 1000, 40));
  ASSERT_EQ(QueryInt(path, "SELECT count(*) FROM zstd_dictionaries"), 1);
  const std::vector<proto::Document> noisy = OtherSegments(
      kDictionarySamples + kRetrainWindowDocuments + 1000, 4 * kRetrainWindowDocuments, 400);
  PutInBatches(*store, noisy);
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM zstd_dictionaries"), 1);
  ExpectAllReadBack(*OpenOrDie(path, OpenMode::kReadOnly),
                    std::vector(noisy.end() - 200, noisy.end()));
}

}  // namespace
}  // namespace xrayd::storage
