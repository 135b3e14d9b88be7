// TraceStore::SetNewTraceSummarizer: a trace created by one batch gets its summary, from the
// versions the batch stored, in the documents' own transaction; a trace that may gain documents
// (no complete root segment, or one in progress) keeps its documents' facts, and a later batch
// that adds to it writes its summary again from them; a document arriving otherwise leaves it to
// the summary worker (stale), and a kept (duplicate) version changes nothing.

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

// Stands in for query::TraceSummaryRowOf: storage only decides when to ask and what to write.
// The row names every document's name and the response time of the last one; a document named
// "no-summary" gives no row, nor does one named "needs-root" without a root segment beside it.
std::optional<TraceSummaryRow> TestSummary(std::span<const proto::SummaryInputRef> docs) {
  TraceSummaryRow row;
  bool needs_root = false;
  bool has_root = false;
  for (const proto::SummaryInputRef& doc : docs) {
    if (doc.name == "no-summary") {
      return std::nullopt;
    }
    needs_root = needs_root || doc.name == "needs-root";
    has_root = has_root || (doc.kind == proto::DocumentKind::kSegment && !doc.has_parent);
    row.response_time =
        doc.end_time ? std::optional<double>(*doc.end_time - doc.start_time) : std::nullopt;
    row.values.emplace_back("$service", std::string(doc.name));
  }
  if (needs_root && !has_root) {
    return std::nullopt;
  }
  return row;
}

// `doc` with the facts of its ingest parse, which a trace's kept facts need (the builder's
// documents have none). TestSummary reads none of their members.
proto::Document WithFacts(proto::Document doc) {
  doc.summary_facts = proto::SummaryFacts{};
  return doc;
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
    auto stale = store_->StaleTraces(1e12, 100000);
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

TEST_F(NewTraceSummaryOnIngestTest, ADocumentArrivingLaterWithoutKeptFactsMakesTheTraceStale) {
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

TEST_F(NewTraceSummaryOnIngestTest, TheCompleteVersionOfAnInProgressSegmentWithoutFactsIsStale) {
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

TEST_F(NewTraceSummaryOnIngestTest, TheCompleteVersionIsSummarizedFromTheKeptFacts) {
  EXPECT_EQ(Put({WithFacts(BuildDocument({.end_time = std::nullopt}))}, 10).summarized.size(), 1u);
  const PutStats stats = Put({WithFacts(BuildDocument({.end_time = 1003}))}, 11);
  EXPECT_EQ(stats.replaced, 1u);
  EXPECT_TRUE(stats.summarized.empty());
  ASSERT_EQ(stats.updated_summaries.size(), 1u);
  EXPECT_EQ(stats.updated_summaries[0].trace_id, kTraceA);
  EXPECT_EQ(stats.updated_summaries[0].first_received, 10);
  EXPECT_FALSE(stats.updated_summaries[0].first_summary);
  EXPECT_TRUE(Stale().empty());
}

TEST_F(NewTraceSummaryOnIngestTest, ATraceSpreadOverManyBatchesStaysSummarized) {
  const char* const ids[] = {"1000000000000001", "1000000000000002", "1000000000000003"};
  for (int i = 0; i < 3; ++i) {
    const PutStats stats = Put({WithFacts(BuildDocument({.id = ids[i],
                                                         .parent_id = "70de5b6f19ff9a0a",
                                                         .subsegment = true,
                                                         .name = "part" + std::to_string(i)}))},
                               10 + i);
    EXPECT_EQ(stats.summarized.size() + stats.updated_summaries.size(), 1u) << i;
    EXPECT_TRUE(Stale().empty()) << i;
  }
  const PutStats root = Put({WithFacts(BuildDocument({.name = "api"}))}, 20);
  ASSERT_EQ(root.updated_summaries.size(), 1u);
  EXPECT_EQ(root.updated_summaries[0].first_received, 10);
  EXPECT_TRUE(Stale().empty());
  for (const char* service : {"part0", "part1", "part2", "api"}) {
    EXPECT_EQ(WithService(service), std::vector<std::string>{kTraceA}) << service;
  }
  // Complete with its root: the facts are freed, so what arrives now is the worker's.
  Put({WithFacts(BuildDocument(
          {.id = kSub, .parent_id = "70de5b6f19ff9a0a", .subsegment = true, .name = "late"}))},
      21);
  EXPECT_EQ(Stale(), std::vector<std::string>{kTraceA});
}

TEST_F(NewTraceSummaryOnIngestTest, ATraceFirstSummarizedInALaterBatchIsReportedAsItsFirst) {
  const PutStats orphan = Put({WithFacts(BuildDocument({.id = kSub,
                                                        .parent_id = "70de5b6f19ff9a0a",
                                                        .subsegment = true,
                                                        .name = "needs-root"}))},
                              10);
  EXPECT_TRUE(orphan.summarized.empty());
  EXPECT_EQ(Stale(), std::vector<std::string>{kTraceA});
  const PutStats root = Put({WithFacts(BuildDocument({.name = "api"}))}, 12);
  ASSERT_EQ(root.updated_summaries.size(), 1u);
  EXPECT_TRUE(root.updated_summaries[0].first_summary);
  EXPECT_EQ(root.updated_summaries[0].first_received, 10);
  EXPECT_TRUE(Stale().empty());
  EXPECT_EQ(WithService("needs-root"), std::vector<std::string>{kTraceA});
}

TEST_F(NewTraceSummaryOnIngestTest, ATraceTheWorkerSummarizedFirstIsNotReportedAsFirstAgain) {
  const std::string path = testing::FreshDbPath("kept_facts_worker_first");
  Open(path);
  Put({WithFacts(BuildDocument({.id = kSub,
                                .parent_id = "70de5b6f19ff9a0a",
                                .subsegment = true,
                                .name = "needs-root"}))},
      10);
  auto worker = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(worker) << worker.error().message;
  const TraceStore::SummaryUpdate update{.trace_id = kTraceA, .revision = 1, .row = {}};
  ASSERT_TRUE((*worker)->PutSummaries(std::span(&update, 1)));
  const PutStats root = Put({WithFacts(BuildDocument({.name = "api"}))}, 12);
  ASSERT_EQ(root.updated_summaries.size(), 1u);
  EXPECT_FALSE(root.updated_summaries[0].first_summary);
  EXPECT_TRUE(Stale().empty());
}

TEST_F(NewTraceSummaryOnIngestTest, AResentDocumentLeavesTheKeptSummaryAsItIs) {
  const proto::Document doc = WithFacts(BuildDocument({.end_time = std::nullopt}));
  Put({doc}, 10);
  const PutStats again = Put({doc}, 11);
  EXPECT_EQ(again.duplicates, 1u);
  EXPECT_TRUE(again.updated_summaries.empty());
  EXPECT_TRUE(Stale().empty());
  // The facts are still kept: the complete version is summarized from them.
  EXPECT_EQ(Put({WithFacts(BuildDocument({}))}, 12).updated_summaries.size(), 1u);
}

TEST_F(NewTraceSummaryOnIngestTest, AfterARestartALaterDocumentIsLeftToTheWorker) {
  const std::string path = testing::FreshDbPath("kept_facts_restart");
  Open(path);
  Put({WithFacts(BuildDocument({.end_time = std::nullopt}))}, 10);
  Open(path);  // A new writer: it has seen none of the trace's documents.
  const PutStats stats = Put({WithFacts(BuildDocument({}))}, 11);
  EXPECT_EQ(stats.replaced, 1u);
  EXPECT_TRUE(stats.updated_summaries.empty());
  EXPECT_EQ(Stale(), std::vector<std::string>{kTraceA});
}

TEST_F(NewTraceSummaryOnIngestTest, ADocumentWithoutFactsLeavesTheTraceToTheWorker) {
  Put({WithFacts(BuildDocument({.end_time = std::nullopt}))}, 10);
  // Summarized from what it has (the real summarizer gives no row without facts), then forgotten.
  Put({BuildDocument({.id = kSub, .parent_id = "70de5b6f19ff9a0a", .subsegment = true})}, 11);
  const PutStats stats = Put({WithFacts(BuildDocument({}))}, 12);
  EXPECT_EQ(stats.replaced, 1u);
  EXPECT_TRUE(stats.updated_summaries.empty());
  EXPECT_EQ(Stale(), std::vector<std::string>{kTraceA});
}

TEST_F(NewTraceSummaryOnIngestTest, TheKeptFactsAreBoundedInMemory) {
  // In-progress root segments, each its own trace; then their complete versions. Only the traces
  // whose facts fit in kMaxKeptFactsMemory are summarized again; the others go stale. The complete
  // versions settle the traces, which frees all the memory: a second round of other traces keeps
  // as many.
  constexpr int kTraces = 30000;
  std::size_t first_round_kept = 0;
  for (int round = 0; round < 2; ++round) {
    std::vector<proto::Document> open;
    std::vector<proto::Document> complete;
    for (int i = 0; i < kTraces; ++i) {
      char trace_id[40];
      std::snprintf(trace_id, sizeof trace_id, "1-5759e988-%024x", round * kTraces + i + 1);
      open.push_back(WithFacts(BuildDocument({.trace_id = trace_id, .end_time = std::nullopt})));
      complete.push_back(WithFacts(BuildDocument({.trace_id = trace_id})));
    }
    EXPECT_EQ(Put(open, 10).summarized.size(), static_cast<std::size_t>(kTraces));
    const PutStats stats = Put(complete, 11);
    const std::size_t kept = stats.updated_summaries.size();
    EXPECT_GT(kept, 1000u);
    EXPECT_LT(kept, static_cast<std::size_t>(kTraces));
    EXPECT_LE(kept * sizeof(proto::DocumentSummaryInput), TraceStore::kMaxKeptFactsMemory);
    EXPECT_EQ(Stale().size(), (round + 1) * (kTraces - kept));
    if (round == 0) {
      first_round_kept = kept;
    } else {
      EXPECT_EQ(kept, first_round_kept) << "the first round's facts were not all given back";
    }
  }
}

TEST_F(NewTraceSummaryOnIngestTest, TheFactsOutliveAnotherConnectionsSummaries) {
  const std::string path = testing::FreshDbPath("kept_facts_worker");
  Open(path);
  Put({WithFacts(BuildDocument({.end_time = std::nullopt})),
       BuildDocument({.trace_id = kTraceB, .name = "no-summary"})},
      10);
  // The summary worker's connection summarizes the stale trace B and commits.
  auto worker = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(worker) << worker.error().message;
  const TraceStore::SummaryUpdate update{.trace_id = kTraceB, .revision = 1, .row = {}};
  ASSERT_TRUE((*worker)->PutSummaries(std::span(&update, 1)));
  const PutStats stats = Put({WithFacts(BuildDocument({}))}, 11);
  EXPECT_EQ(stats.updated_summaries.size(), 1u);
  EXPECT_TRUE(Stale().empty());
}

TEST_F(NewTraceSummaryOnIngestTest, ATraceAnotherConnectionDeletedIsStoredAsNew) {
  const std::string path = testing::FreshDbPath("kept_facts_retention");
  Open(path);
  Put({WithFacts(BuildDocument({.end_time = std::nullopt})), BuildDocument({.trace_id = kTraceB})},
      10);
  auto retention = TraceStore::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(retention) << retention.error().message;
  auto deleted = (*retention)->DeleteOldestTraces(/*updated_before=*/11, /*max_traces=*/1);
  ASSERT_TRUE(deleted) << deleted.error().message;
  ASSERT_EQ(deleted->traces, 1);
  // Whichever was deleted: a document for each trace is stored in a traces row that exists.
  const PutStats stats =
      Put({WithFacts(BuildDocument({})), BuildDocument({.trace_id = kTraceB, .id = kSub})}, 12);
  EXPECT_EQ(stats.inserted + stats.replaced, 2u);
  for (const char* trace_id : {kTraceA, kTraceB}) {
    auto info = store_->GetTraceInfo(trace_id);
    ASSERT_TRUE(info) << trace_id << ": " << info.error().message;
    auto docs = store_->GetDocuments(trace_id);
    ASSERT_TRUE(docs);
    EXPECT_EQ(info->documents, static_cast<std::int64_t>(docs->size())) << trace_id;
  }
}

}  // namespace
}  // namespace xrayd::storage
