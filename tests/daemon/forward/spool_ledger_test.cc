// SpoolLedger over a real store's forward spool: reading, the acknowledged watermark over done
// ranges, dropping unread rows, the gauges, and rows whose document retention deleted.
#include "daemon/forward/spool_ledger.h"

#include <gtest/gtest.h>

#include "tests/daemon/forward/spool_store_support.h"

namespace xrayd::daemon {
namespace {

using testing::SpoolStore;

TEST(SpoolLedgerTest, MeasuresWhatIsSpooledAndReadsItOnce) {
  SpoolStore spool("ledger-read");
  spool.Put(0, 5);
  ForwardMetrics metrics;
  auto ledger = SpoolLedger::Open(spool.Path(), metrics);
  ASSERT_TRUE(ledger) << ledger.error().message;
  const storage::SpoolTotals& initial = (*ledger)->Initial();
  EXPECT_EQ(initial.documents, 5);
  EXPECT_EQ((*ledger)->Acknowledged().load(), initial.first_seq - 1);
  EXPECT_EQ((*ledger)->WaitingDocuments(), 5);
  EXPECT_EQ((*ledger)->WaitingBytes(), initial.bytes);

  auto first = (*ledger)->ReadNext(3, 1 << 20);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->size(), 3u);
  auto rest = (*ledger)->ReadNext(10, 1 << 20);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_GT(rest->front().seq, first->back().seq);
  auto none = (*ledger)->ReadNext(10, 1 << 20);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  // Documents spooled later count as waiting through the writer's counters.
  metrics.spooled.fetch_add(2);
  metrics.spooled_in_bytes.fetch_add(300);
  EXPECT_EQ((*ledger)->WaitingDocuments(), 7);
  EXPECT_EQ((*ledger)->WaitingBytes(), initial.bytes + 300);
}

TEST(SpoolLedgerTest, TheWatermarkMovesOnlyOverDoneRangesInSpoolOrder) {
  SpoolStore spool("ledger-ack");
  spool.Put(0, 6);
  ForwardMetrics metrics;
  auto opened = SpoolLedger::Open(spool.Path(), metrics);
  ASSERT_TRUE(opened) << opened.error().message;
  SpoolLedger& ledger = **opened;
  auto rows = ledger.ReadNext(6, 1 << 20);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 6u);
  const std::int64_t start = ledger.Acknowledged().load();
  // Three batches of two rows each.
  for (int b = 0; b < 3; ++b) {
    const auto& last = (*rows)[b * 2 + 1];
    ledger.Track(last.seq, 2, (*rows)[b * 2].bytes + last.bytes, last.received_at);
  }
  ledger.MarkDone((*rows)[3].seq);  // The middle batch first: nothing acknowledged yet.
  EXPECT_EQ(ledger.Acknowledged().load(), start);
  EXPECT_EQ(ledger.WaitingDocuments(), 4);
  ledger.MarkDone((*rows)[1].seq);  // Now the first two batches.
  EXPECT_EQ(ledger.Acknowledged().load(), (*rows)[3].seq);
  ledger.MarkDone((*rows)[1].seq);  // Twice: no effect.
  ledger.MarkDone(999999);          // Unknown: no effect.
  EXPECT_EQ(ledger.WaitingDocuments(), 2);

  ledger.UpdateGauges(0, (*rows)[4].received_at + 2.5);
  EXPECT_EQ(metrics.spooled_documents.load(), 2);
  EXPECT_EQ(metrics.spooled_bytes.load(), ledger.WaitingBytes());
  EXPECT_EQ(metrics.oldest_age_ms.load(), 2500);

  ledger.MarkDone((*rows)[5].seq);
  EXPECT_EQ(ledger.Acknowledged().load(), (*rows)[5].seq);
  ledger.UpdateGauges(0, 5000);
  EXPECT_EQ(metrics.spooled_documents.load(), 0);
  EXPECT_EQ(metrics.oldest_age_ms.load(), 0);
}

TEST(SpoolLedgerTest, DropsUnreadRowsOldestFirstUntilEnoughBytes) {
  SpoolStore spool("ledger-drop");
  spool.Put(0, 10, 1000, /*pad=*/200);
  ForwardMetrics metrics;
  auto opened = SpoolLedger::Open(spool.Path(), metrics);
  ASSERT_TRUE(opened) << opened.error().message;
  SpoolLedger& ledger = **opened;
  const std::int64_t per_row = ledger.Initial().bytes / 10;
  const SpoolLedger::Dropped dropped = ledger.DropUnread(per_row * 3 - 1);
  EXPECT_EQ(dropped.documents, 3);
  EXPECT_EQ(dropped.bytes, per_row * 3);
  EXPECT_EQ(ledger.Acknowledged().load(), ledger.Initial().first_seq + 2);
  EXPECT_EQ(ledger.WaitingDocuments(), 7);
  // Reading goes on after what was dropped.
  auto rows = ledger.ReadNext(100, 1 << 20);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 7u);
  EXPECT_EQ(rows->front().seq, ledger.Initial().first_seq + 3);
  EXPECT_EQ(ledger.DropUnread(1 << 20).documents, 0);  // Nothing unread is left.
}

TEST(SpoolLedgerTest, RowsWhoseDocumentRetentionDeletedAreReadAsMissing) {
  SpoolStore spool("ledger-retention");
  spool.Put(0, 4, /*received_at=*/1000);
  spool.Put(4, 2, /*received_at=*/5000);
  auto deleted = spool.Store().DeleteOldestTraces(/*updated_before=*/2000, 100);
  ASSERT_TRUE(deleted) << deleted.error().message;
  ASSERT_EQ(deleted->documents, 4);
  ForwardMetrics metrics;
  auto ledger = SpoolLedger::Open(spool.Path(), metrics);
  ASSERT_TRUE(ledger) << ledger.error().message;
  auto rows = (*ledger)->ReadNext(10, 1 << 20);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ((*rows)[i].missing, i < 4) << i;
    EXPECT_EQ((*rows)[i].raw.empty(), i < 4) << i;
  }
}

}  // namespace
}  // namespace xrayd::daemon
