// TraceStore::SetNewTraceSummarizer: a trace created by one batch gets its summary, from the
// versions the batch stored, in the documents' own transaction; a document arriving in a later
// batch leaves it to the summary worker (stale), and a kept (duplicate) version changes nothing.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/trace_store.h"
#include "tests/storage/document_builder.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xrayd::storage {
namespace {

using testing::BuildDocument;
using testing::kTraceA;
using testing::kTraceB;

constexpr char kSub[] = "53995c3f42cd8ad8";

// Stands in for query::NewTraceSummaryRow: storage only decides when to ask and what to write.
// The row names every document's name and the response time of the last one; a document named
// "no-summary" gives no row.
std::optional<TraceSummaryRow> TestSummary(std::span<const proto::Document* const> docs) {
  TraceSummaryRow row;
  for (const proto::Document* doc : docs) {
    if (doc->name == "no-summary") {
      return std::nullopt;
    }
    row.response_time =
        doc->end_time ? std::optional<double>(*doc->end_time - doc->start_time) : std::nullopt;
    row.values.emplace_back("$service", doc->name);
  }
  return row;
}

class NewTraceSummaryOnIngestTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(":memory:"); }

  void Open(const std::string& path) {
    auto store = TraceStore::Open(path, OpenMode::kReadWrite);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    store_->SetNewTraceSummarizer(TestSummary);
  }

  PutStats Put(const std::vector<proto::Document>& docs, double at) {
    auto stats = store_->PutDocuments(docs, at);
    EXPECT_TRUE(stats) << stats.error().message;
    return stats.value_or(PutStats{});
  }

  std::vector<std::string> Stale() {
    auto stale = store_->StaleTraces(1e12, 1000);
    EXPECT_TRUE(stale);
    std::vector<std::string> ids;
    for (const StaleTrace& trace : stale.value_or(std::vector<StaleTrace>{})) {
      ids.push_back(trace.trace_id);
    }
    return ids;
  }

  // Traces whose summary lists `service` (the summary's values share the annotation index).
  std::vector<std::string> WithService(const std::string& service) {
    proto::AnnotationValue value;
    value.string_value = service;
    auto ids = store_->TracesWithAnnotation("$service", value);
    EXPECT_TRUE(ids);
    return ids.value_or(std::vector<std::string>{});
  }

  std::unique_ptr<TraceStore> store_;
};

TEST_F(NewTraceSummaryOnIngestTest, AOneDocumentTraceIsSummarizedInItsOwnTransaction) {
  const PutStats stats =
      Put({BuildDocument({.name = "api"}), BuildDocument({.trace_id = kTraceB, .name = "db"})}, 10);
  EXPECT_EQ(stats.summarized, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(stats.summarized_documents, (std::vector<std::size_t>{0, 1}));
  EXPECT_TRUE(Stale().empty());
  EXPECT_EQ(WithService("api"), std::vector<std::string>{kTraceA});
  EXPECT_EQ(WithService("db"), std::vector<std::string>{kTraceB});
}

TEST_F(NewTraceSummaryOnIngestTest, AllDocumentsOfANewTraceInOneBatchAreSummarizedTogether) {
  const PutStats stats =
      Put({BuildDocument({.trace_id = kTraceB, .name = "other"}),
           BuildDocument(
               {.id = kSub, .parent_id = "70de5b6f19ff9a0a", .subsegment = true, .name = "work"}),
           BuildDocument({.name = "api"})},
          10);
  EXPECT_EQ(stats.summarized, (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(stats.summarized_documents, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_TRUE(Stale().empty());
  EXPECT_EQ(WithService("work"), std::vector<std::string>{kTraceA});
  EXPECT_EQ(WithService("api"), std::vector<std::string>{kTraceA});
}

TEST_F(NewTraceSummaryOnIngestTest, AnInProgressVersionReplacedInTheSameBatchIsSummarizedAsStored) {
  const PutStats stats =
      Put({BuildDocument({.end_time = std::nullopt}), BuildDocument({.end_time = 1003})}, 10);
  EXPECT_EQ(stats.replaced, 1u);
  EXPECT_EQ(stats.summarized_documents, std::vector<std::size_t>{1});
  // Two accepted versions, one summary of the stored one: the trace is not stale.
  EXPECT_TRUE(Stale().empty());
}

TEST_F(NewTraceSummaryOnIngestTest, ADuplicateInTheSameBatchIsSummarizedOnce) {
  const proto::Document doc = BuildDocument({});
  const PutStats stats = Put({doc, doc}, 10);
  EXPECT_EQ(stats.duplicates, 1u);
  EXPECT_EQ(stats.summarized_documents, std::vector<std::size_t>{0});
  EXPECT_TRUE(Stale().empty());
}

TEST_F(NewTraceSummaryOnIngestTest, ADocumentArrivingLaterMakesTheTraceStaleButNotNew) {
  Put({BuildDocument({})}, 10);
  const PutStats stats =
      Put({BuildDocument({.id = kSub, .parent_id = "70de5b6f19ff9a0a", .subsegment = true})}, 11);
  EXPECT_TRUE(stats.summarized.empty());
  auto stale = store_->StaleTraces(1e12, 10);
  ASSERT_TRUE(stale);
  ASSERT_EQ(stale->size(), 1u);
  EXPECT_EQ(stale->front().trace_id, kTraceA);
  // Counted as new when the writer summarized it; the worker's redo is not a first summary.
  EXPECT_FALSE(stale->front().never_summarized);
}

TEST_F(NewTraceSummaryOnIngestTest, ADuplicateKeepsTheSummaryFresh) {
  const proto::Document doc = BuildDocument({});
  Put({doc}, 10);
  const PutStats again = Put({doc}, 11);
  EXPECT_EQ(again.duplicates, 1u);
  EXPECT_TRUE(again.summarized.empty());
  EXPECT_TRUE(Stale().empty());
}

TEST_F(NewTraceSummaryOnIngestTest, TheCompleteVersionOfAnInProgressSegmentMakesItStale) {
  EXPECT_EQ(Put({BuildDocument({.end_time = std::nullopt})}, 10).summarized.size(), 1u);
  const PutStats stats = Put({BuildDocument({.end_time = 1003})}, 11);
  EXPECT_EQ(stats.replaced, 1u);
  EXPECT_TRUE(stats.summarized.empty());
  EXPECT_EQ(Stale(), std::vector<std::string>{kTraceA});
}

TEST_F(NewTraceSummaryOnIngestTest, ADocumentWithoutASummaryIsLeftStale) {
  const PutStats stats = Put({BuildDocument({.name = "no-summary"})}, 10);
  EXPECT_TRUE(stats.summarized.empty());
  EXPECT_EQ(Stale(), std::vector<std::string>{kTraceA});
  EXPECT_TRUE(WithService("no-summary").empty());
}

TEST_F(NewTraceSummaryOnIngestTest, WithoutASummarizerNothingIsSummarizedOnIngest) {
  store_->SetNewTraceSummarizer({});
  EXPECT_TRUE(Put({BuildDocument({})}, 10).summarized.empty());
  EXPECT_EQ(Stale(), std::vector<std::string>{kTraceA});
}

TEST_F(NewTraceSummaryOnIngestTest, TheSummaryIsCommittedWithTheDocument) {
  const std::string path = ::testing::TempDir() + "sole_summary_reopen.db";
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
  Open(path);
  Put({BuildDocument({.name = "api"})}, 10);
  store_.reset();
  auto reader = TraceStore::Open(path, OpenMode::kReadOnly);
  ASSERT_TRUE(reader) << reader.error().message;
  store_ = std::move(*reader);
  EXPECT_TRUE(Stale().empty());
  EXPECT_EQ(WithService("api"), std::vector<std::string>{kTraceA});
}

}  // namespace
}  // namespace xrayd::storage
