// Forwarder end to end in process: a real store's spool, a FakeHttpServer on 127.0.0.1 playing
// X-Ray. Documents that retention deleted before they were read are dropped under their own reason.
#include "daemon/forward/forwarder.h"

#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "storage/forward_queue.h"
#include "tests/daemon/fake_http_server_support.h"
#include "tests/daemon/forward/spool_store_support.h"

namespace xrayd::daemon {
namespace {

using std::chrono::milliseconds;
using testing::SpoolDocId;
using testing::SpoolStore;

// Polls `condition` every 10 ms for up to `timeout`; whether it held.
template <typename Condition>
bool Eventually(Condition condition, milliseconds timeout = milliseconds(10000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

std::set<std::string> AcceptedIds(const FakeHttpServer& xray) {
  std::set<std::string> ids;
  for (const FakeHttpRequest& request : xray.Requests()) {
    const auto body = nlohmann::json::parse(request.body, nullptr, false);
    for (const auto& doc : body["TraceSegmentDocuments"]) {
      ids.insert(nlohmann::json::parse(doc.get<std::string>())["id"].get<std::string>());
    }
  }
  return ids;
}

TEST(ForwarderTest, DocumentsRetentionDeletedFirstAreDroppedForRetentionTheRestSent) {
  SpoolStore spool("forwarder-retention");
  spool.Put(0, 30, /*received_at=*/1000);
  spool.Put(30, 20, /*received_at=*/5000);
  auto deleted = spool.Store().DeleteOldestTraces(/*updated_before=*/2000, 1000);
  ASSERT_TRUE(deleted) << deleted.error().message;
  ASSERT_EQ(deleted->documents, 30);

  FakeHttpServer xray([](const FakeHttpRequest&) -> FakeHttpResponse { return {200, {}, "{}"}; });
  auto credentials = MakeStaticCredentials(
      AwsCredentials{.access_key_id = "AKIDEXAMPLE", .secret_access_key = "secret"});
  Metrics metrics;
  ForwarderOptions options;
  options.store_path = spool.Path();
  options.endpoint = xray.Url();
  options.region = "us-east-1";
  options.concurrency = 2;
  options.max_batch_documents = 8;
  options.idle_flush = milliseconds(20);
  options.thread_nice = 0;
  Forwarder forwarder(options, *credentials, metrics);
  ASSERT_TRUE(forwarder.Start());
  const ForwardMetrics& fm = metrics.forward;
  EXPECT_TRUE(Eventually([&] { return fm.forwarded.load() == 20 && fm.spooled_documents == 0; }))
      << fm.forwarded.load() << " forwarded, " << fm.spooled_documents.load() << " waiting";
  forwarder.Stop();

  EXPECT_EQ(fm.dropped_retention.load(), 30u);
  EXPECT_EQ(fm.dropped_spool_full.load(), 0u);
  std::set<std::string> expected;
  for (int n = 30; n < 50; ++n) {
    expected.insert(SpoolDocId(n));
  }
  EXPECT_EQ(AcceptedIds(xray), expected);
  // Everything is done: the watermark reached the last row.
  auto totals = storage::ForwardQueueReader::Open(spool.Path());
  ASSERT_TRUE(totals);
  EXPECT_EQ(forwarder.Acknowledged().load(), (*totals)->Totals()->last_seq);

  std::string text;
  RenderForwardMetrics(text, fm);
  EXPECT_NE(text.find("\nxrayd_forward_dropped_by_reason_total{reason=\"retention\"} 30\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nxrayd_forward_dropped_by_reason_total{reason=\"spool_full\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nxrayd_forward_dropped_total 30\n"), std::string::npos);
}

// A second destination (the OTLP export): its own BatchSender and counters over the same spool.
TEST(ForwarderTest, SenderFactoryDeliversEveryRowAndCountsApart) {
  SpoolStore spool("forwarder-factory");
  spool.Put(0, 20, /*received_at=*/5000);
  class Recording : public BatchSender {
   public:
    Recording(std::mutex& mu, std::set<std::string>& ids) : mu_(mu), ids_(ids) {}
    bool SendBatch(const std::vector<std::string_view>& raws) override {
      std::lock_guard lock(mu_);
      for (std::string_view raw : raws) {
        ids_.insert(nlohmann::json::parse(raw)["id"].get<std::string>());
      }
      return true;
    }

   private:
    std::mutex& mu_;
    std::set<std::string>& ids_;
  };
  std::mutex mu;
  std::set<std::string> ids;
  auto credentials = MakeStaticCredentials(
      AwsCredentials{.access_key_id = "AKIDEXAMPLE", .secret_access_key = "secret"});
  Metrics metrics;
  ForwardMetrics own;
  ForwarderOptions options;
  options.store_path = spool.Path();
  options.concurrency = 2;
  options.max_batch_documents = 8;
  options.idle_flush = milliseconds(20);
  options.thread_nice = 0;
  options.counters = &own;
  options.log_name = "second";
  options.sender_factory = [&](BatchSender::SendFunction, BatchSender::SleepFunction,
                               std::uint64_t) { return std::make_unique<Recording>(mu, ids); };
  Forwarder forwarder(options, *credentials, metrics);
  ASSERT_TRUE(forwarder.Start());  // No endpoint needed.
  auto totals = storage::ForwardQueueReader::Open(spool.Path());
  ASSERT_TRUE(totals);
  const std::int64_t last = (*totals)->Totals()->last_seq;
  EXPECT_TRUE(Eventually([&] {
    return forwarder.Acknowledged().load() == last && own.spooled_documents.load() == 0;
  }));
  forwarder.Stop();
  std::set<std::string> expected;
  for (int n = 0; n < 20; ++n) {
    expected.insert(SpoolDocId(n));
  }
  std::lock_guard lock(mu);
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(own.enabled.load(), 1);
  EXPECT_EQ(metrics.forward.enabled.load(), 0);
}

TEST(ForwardMetricsTest, DroppedTotalSumsEveryReason) {
  ForwardMetrics fm;
  fm.dropped_spool_full.fetch_add(7);
  fm.dropped_retention.fetch_add(5);
  std::string text;
  RenderForwardMetrics(text, fm);
  EXPECT_NE(text.find("\nxrayd_forward_dropped_total 12\n"), std::string::npos) << text;
  EXPECT_NE(text.find("{reason=\"spool_full\"} 7\n"), std::string::npos);
  EXPECT_NE(text.find("{reason=\"retention\"} 5\n"), std::string::npos);
}

}  // namespace
}  // namespace xrayd::daemon
