// Retention on a real store file: by age, by size, oldest first, annotation index rows included,
// and the store gauges.

#include "daemon/retention.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "proto/clock.h"
#include "storage/trace_store.h"
#include "tests/support/incompressible_text.h"
#include "tests/support/wait_until.h"

namespace xrayd::daemon {
namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string TraceId(int n) {
  char id[36];
  std::snprintf(id, sizeof(id), "1-5759e988-%024x", n);
  return id;
}

// `count` traces numbered from `first`, two documents each (a segment and an independent
// subsegment), an annotation "n" and a shared one, about `pad` bytes of raw each.
std::vector<proto::Document> Traces(int first, int count, std::size_t pad = 200) {
  std::vector<proto::Document> docs;
  for (int n = first; n < first + count; ++n) {
    for (int part = 0; part < 2; ++part) {
      proto::Document doc;
      doc.trace_id = TraceId(n);
      char id[17];
      std::snprintf(id, sizeof(id), "%08x%08x", n, part + 1);
      doc.id = id;
      doc.kind = part == 0 ? proto::DocumentKind::kSegment : proto::DocumentKind::kSubsegment;
      if (part == 1) {
        char parent[17];
        std::snprintf(parent, sizeof(parent), "%08x%08x", n, 1);
        doc.parent_id = parent;
      }
      doc.name = "svc";
      doc.start_time = 1000;
      doc.end_time = 1001;
      proto::Annotation a;
      a.key = "n";
      a.value.type = proto::AnnotationValue::Type::kNumber;
      a.value.number_value = n;
      proto::Annotation shared;
      shared.key = "env";
      shared.value.string_value = "test";
      doc.annotations = {a, shared};
      doc.raw = "{\"id\":\"" + doc.id + "\",\"pad\":\"" +
                testing_support::IncompressibleText(pad, std::hash<std::string>{}(doc.id)) + "\"}";
      docs.push_back(std::move(doc));
    }
  }
  return docs;
}

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/retention-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = storage::TraceStore::Open(Path(), storage::OpenMode::kReadWrite);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  std::string Path() const { return dir_ + "/traces.db"; }
  void Put(int first, int count, double received_at, std::size_t pad = 200) {
    auto docs = Traces(first, count, pad);
    ASSERT_TRUE(store_->PutDocuments(docs, received_at));
  }
  bool Has(int n) { return store_->GetTraceInfo(TraceId(n)).has_value(); }

  std::string dir_;
  std::unique_ptr<storage::TraceStore> store_;
  Metrics metrics_;
};

TEST_F(RetentionTest, DeletesTracesOlderThanTheMaximumAgeWithTheirIndexRows) {
  const double now = Now();
  Put(0, 300, now - 10 * 86400);  // Older than 7 days: more than one transaction of 256.
  Put(300, 20, now - 6 * 86400);  // Younger: kept.
  Put(320, 5, now - 60);
  Retention retention(Path(), RetentionOptions{.pause = std::chrono::milliseconds(0)}, metrics_);
  ASSERT_TRUE(retention.OpenForTesting());
  auto round = retention.RunOnce();
  ASSERT_TRUE(round) << round.error().message;
  EXPECT_EQ(round->traces_by_age, 300);
  EXPECT_EQ(round->traces_by_size, 0);
  EXPECT_EQ(round->documents, 600);
  EXPECT_EQ(round->annotations, 300 * 2);  // "n" per trace, "env" per trace (deduplicated).
  EXPECT_EQ(round->transactions, 2);
  EXPECT_EQ(*store_->CountDocuments(), 25 * 2);
  EXPECT_FALSE(Has(0));
  EXPECT_FALSE(Has(299));
  EXPECT_TRUE(Has(300));
  EXPECT_TRUE(Has(324));
  // The annotation index no longer names deleted traces, and still names the kept ones.
  proto::AnnotationValue env;
  env.string_value = "test";
  EXPECT_EQ(store_->TracesWithAnnotation("env", env)->size(), 25u);
  proto::AnnotationValue old_n;
  old_n.type = proto::AnnotationValue::Type::kNumber;
  old_n.number_value = 5;
  EXPECT_TRUE(store_->TracesWithAnnotation("n", old_n)->empty());
  EXPECT_EQ(metrics_.retention_traces_deleted_age.load(), 300u);
  EXPECT_EQ(metrics_.retention_documents_deleted.load(), 600u);

  // A second round finds nothing; the writer can keep writing to the same store afterwards.
  EXPECT_EQ(retention.RunOnce()->traces_by_age, 0);
  Put(1000, 3, now);
  EXPECT_TRUE(Has(1001));
  EXPECT_EQ(*store_->CountDocuments(), 28 * 2);
}

TEST_F(RetentionTest, KeepsTheStoreUnderTheSizeLimitOldestFirst) {
  const double now = Now();
  // 20 arrivals of 100 traces, one second apart: arrival order = age order.
  for (int i = 0; i < 20; ++i) {
    Put(i * 100, 100, now - 1000 + i, 2000);
  }
  const std::int64_t before = *store_->UsedBytes();
  ASSERT_GT(before, 6 << 20);
  const std::uint64_t limit = static_cast<std::uint64_t>(before / 2);
  Retention retention(Path(),
                      RetentionOptions{.max_age = std::chrono::seconds(0),
                                       .max_bytes = limit,
                                       .pause = std::chrono::milliseconds(0)},
                      metrics_);
  ASSERT_TRUE(retention.OpenForTesting());
  auto round = retention.RunOnce();
  ASSERT_TRUE(round) << round.error().message;
  const std::int64_t after = *store_->UsedBytes();
  EXPECT_LE(after, static_cast<std::int64_t>(limit * 0.9) + (256 << 10));
  EXPECT_GT(round->traces_by_size, 900);
  EXPECT_LT(round->traces_by_size, 1400);
  EXPECT_EQ(round->traces_by_age, 0);
  // Oldest first: every deleted trace is older than every kept one.
  const int deleted = static_cast<int>(round->traces_by_size);
  EXPECT_FALSE(Has(0));
  EXPECT_FALSE(Has(deleted - 1));
  EXPECT_TRUE(Has(deleted));
  EXPECT_TRUE(Has(1999));
  EXPECT_EQ(*store_->CountDocuments(), (2000 - deleted) * 2);
  EXPECT_EQ(metrics_.retention_traces_deleted_size.load(), static_cast<std::uint64_t>(deleted));

  // Freed pages are reused: writing as much again keeps the file near its size.
  const auto file_before = std::filesystem::file_size(Path());
  Put(5000, 500, now, 2000);
  EXPECT_LE(std::filesystem::file_size(Path()), file_before + (1 << 20));

  retention.RefreshGauges();
  EXPECT_GT(metrics_.store_used_bytes.load(), 0);
  EXPECT_GT(metrics_.store_file_bytes.load(), 0);
  EXPECT_GE(metrics_.oldest_trace_age_seconds.load(), 900);  // now - 1000 + the first kept second.
}

TEST_F(RetentionTest, ThreadRunsARoundAtStartAndStopsPromptly) {
  Put(0, 10, Now() - 30 * 86400);
  Put(10, 10, Now());
  Retention retention(Path(), RetentionOptions{.interval = std::chrono::hours(1)}, metrics_);
  ASSERT_TRUE(retention.Start());
  ASSERT_TRUE(testing_support::WaitUntil([&] { return metrics_.retention_rounds.load() > 0; },
                                         std::chrono::seconds(2)));
  const auto started = std::chrono::steady_clock::now();
  retention.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(metrics_.retention_rounds.load(), 1u);
  EXPECT_EQ(metrics_.retention_traces_deleted_age.load(), 10u);
  EXPECT_FALSE(Has(0));
  EXPECT_TRUE(Has(10));
}

// Age is decided by the clock: a trace becomes deletable exactly when the clock passes its last
// write plus max_age, and the age gauge follows the same clock.
TEST_F(RetentionTest, AgeIsMeasuredOnItsClock) {
  proto::FakeClock clock;
  Put(0, 3, clock.NowSeconds());
  Retention retention(Path(),
                      RetentionOptions{.max_age = std::chrono::seconds(3600),
                                       .pause = std::chrono::milliseconds(0),
                                       .clock = &clock},
                      metrics_);
  ASSERT_TRUE(retention.OpenForTesting());
  clock.AdvanceSeconds(3599);
  EXPECT_EQ(retention.RunOnce()->traces_by_age, 0);
  retention.RefreshGauges();
  EXPECT_EQ(metrics_.oldest_trace_age_seconds.load(), 3599);
  EXPECT_TRUE(Has(2));

  clock.AdvanceSeconds(2);
  EXPECT_EQ(retention.RunOnce()->traces_by_age, 3);
  EXPECT_FALSE(Has(0));
  EXPECT_FALSE(Has(2));
}

// Rounds follow the clock's steady time: one at start, the next once the interval has passed on
// the clock, however often the thread wakes for the gauges.
TEST_F(RetentionTest, ThreadRunsTheNextRoundWhenItsClockPassesTheInterval) {
  proto::FakeClock clock;
  Put(0, 2, clock.NowSeconds());
  Retention retention(Path(),
                      RetentionOptions{.max_age = std::chrono::seconds(86400),
                                       .interval = std::chrono::hours(1),
                                       .gauge_interval = std::chrono::milliseconds(5),
                                       .clock = &clock},
                      metrics_);
  ASSERT_TRUE(retention.Start());
  ASSERT_TRUE(testing_support::WaitUntil([&] { return metrics_.retention_rounds.load() == 1; },
                                         std::chrono::seconds(5)));
  // The gauges keep refreshing (the thread is awake), yet no second round before the interval.
  const std::uint64_t rounds_before = metrics_.retention_rounds.load();
  clock.AdvanceSeconds(1800);
  ASSERT_TRUE(testing_support::WaitUntil(
      [&] { return metrics_.oldest_trace_age_seconds.load() == 1800; }, std::chrono::seconds(5)));
  EXPECT_EQ(metrics_.retention_rounds.load(), rounds_before);
  EXPECT_TRUE(Has(1));

  // A day later on the clock: the next wake runs a round, which deletes both traces by age.
  clock.AdvanceSeconds(86400);
  EXPECT_TRUE(testing_support::WaitUntil([&] { return metrics_.retention_rounds.load() == 2; },
                                         std::chrono::seconds(5)));
  retention.Stop();
  EXPECT_EQ(metrics_.retention_traces_deleted_age.load(), 2u);
  EXPECT_FALSE(Has(0));
}

}  // namespace
}  // namespace xrayd::daemon
