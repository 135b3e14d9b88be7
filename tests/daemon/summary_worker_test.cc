// The summary worker on a real store file: a trace is summarized once its clock says it has been
// quiet for quiet_seconds, never before, and a write makes it stale again.

#include "daemon/summary_worker.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "proto/clock.h"
#include "proto/document_decoder.h"
#include "storage/trace_store.h"
#include "tests/support/wait_until.h"

namespace xrayd::daemon {
namespace {

using std::chrono::milliseconds;
using testing_support::WaitUntil;

constexpr char kTrace[] = "1-6553f100-000000000000000000000001";

class SummaryWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/summary-worker-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = storage::TraceStore::Open(Path(), storage::OpenMode::kReadWrite);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  std::string Path() const { return dir_ + "/traces.db"; }

  void Put(const std::string& id, double received_at) {
    const std::string doc = std::string(R"({"trace_id":")") + kTrace + R"(","id":")" + id +
                            R"(","name":"svc","start_time":1700000000,"end_time":1700000001})";
    auto docs = decoder_.Decode(doc);
    ASSERT_TRUE(docs);
    ASSERT_TRUE(store_->PutDocuments(*docs, received_at));
  }

  std::string dir_;
  proto::DocumentDecoder decoder_;
  std::unique_ptr<storage::TraceStore> store_;
  Metrics metrics_;
};

TEST_F(SummaryWorkerTest, SummarizesATraceOnlyOnceItsClockSaysItIsQuiet) {
  proto::FakeClock clock;
  Put("a000000000000001", clock.NowSeconds());
  std::atomic<int> hooked{0};
  SummaryWorker worker(
      Path(),
      SummaryWorkerOptions{.interval = milliseconds(5), .quiet_seconds = 30, .clock = &clock},
      metrics_, query::SummaryListener{.on_trace = [&](const query::ModelSource&, double, bool) {
        hooked.fetch_add(1);
      }});
  ASSERT_TRUE(worker.Start());

  // Many rounds run meanwhile (real time), but on the clock the trace is only 29 s quiet.
  clock.AdvanceSeconds(29);
  EXPECT_FALSE(WaitUntil([&] { return metrics_.traces_summarized.load() > 0; }, milliseconds(300)));

  clock.AdvanceSeconds(2);
  ASSERT_TRUE(
      WaitUntil([&] { return metrics_.traces_summarized.load() == 1; }, std::chrono::seconds(10)));
  EXPECT_EQ(hooked.load(), 1);

  // A new document makes the trace stale again; it waits for its own quiet period.
  Put("a000000000000002", clock.NowSeconds());
  EXPECT_FALSE(WaitUntil([&] { return metrics_.traces_summarized.load() > 1; }, milliseconds(300)));
  clock.AdvanceSeconds(31);
  EXPECT_TRUE(
      WaitUntil([&] { return metrics_.traces_summarized.load() == 2; }, std::chrono::seconds(10)));
  worker.Stop();
  EXPECT_EQ(metrics_.summary_errors.load(), 0u);
}

}  // namespace
}  // namespace xrayd::daemon
