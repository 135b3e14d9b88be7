#include "daemon/datagram_processor.h"

#include <string>

#include <gtest/gtest.h>

namespace xrayd::daemon {
namespace {

constexpr std::string_view kHeader = "{\"format\":\"json\",\"version\":1}\n";

std::string Segment(std::string_view id, std::string_view extra = "") {
  return std::string(kHeader) + R"({"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":")" +
         std::string(id) + R"(","name":"svc","start_time":1.0,"end_time":2.0)" +
         std::string(extra) + "}";
}

std::uint64_t Rejected(const Metrics& m, proto::RejectReason reason) {
  return m.rejected[static_cast<std::size_t>(reason)].load();
}

TEST(DatagramProcessorTest, AcceptedDocumentsGoToTheBatchAndAreCounted) {
  Metrics metrics;
  DatagramProcessor processor(metrics);
  IngestBatch batch;
  processor.Process(Segment("70de5b6f19ff9a0a"), false, "peer", batch);
  processor.Process(Segment("70de5b6f19ff9a0b"), false, "peer", batch);
  ASSERT_EQ(batch.documents.size(), 2u);
  EXPECT_EQ(batch.documents[1].id, "70de5b6f19ff9a0b");
  EXPECT_EQ(metrics.datagrams_received.load(), 2u);
  EXPECT_EQ(metrics.segments_accepted.load(), 2u);
}

TEST(DatagramProcessorTest, EachRejectionIsCountedByReasonAndGoodNeighboursSurvive) {
  Metrics metrics;
  DatagramProcessor processor(metrics);
  IngestBatch batch;
  processor.Process("garbage without newline", false, "peer", batch);
  processor.Process(Segment("70de5b6f19ff9a0a"), false, "peer", batch);
  processor.Process("{\"format\":\"json\",\"version\":2}\n{}", false, "peer", batch);
  processor.Process(std::string(kHeader) + "{\"trace_id\":", false, "peer", batch);
  processor.Process(Segment("nothex"), false, "peer", batch);
  processor.Process(Segment("70de5b6f19ff9a0c"), true, "peer", batch);
  processor.Process(Segment("70de5b6f19ff9a0d"), false, "peer", batch);

  ASSERT_EQ(batch.documents.size(), 2u);
  EXPECT_EQ(metrics.datagrams_received.load(), 7u);
  EXPECT_EQ(metrics.segments_accepted.load(), 2u);
  EXPECT_EQ(Rejected(metrics, proto::RejectReason::kMissingNewline), 1u);
  EXPECT_EQ(Rejected(metrics, proto::RejectReason::kWrongVersion), 1u);
  EXPECT_EQ(Rejected(metrics, proto::RejectReason::kMalformedJson), 1u);
  EXPECT_EQ(Rejected(metrics, proto::RejectReason::kInvalidId), 1u);
  EXPECT_EQ(Rejected(metrics, proto::RejectReason::kOversize), 1u);
}

TEST(DatagramProcessorTest, InvalidAnnotationKeysAreCountedNotRejected) {
  Metrics metrics;
  DatagramProcessor processor(metrics);
  IngestBatch batch;
  processor.Process(Segment("70de5b6f19ff9a0a", R"(,"annotations":{"ok":1,"bad-key":2})"), false,
                    "peer", batch);
  ASSERT_EQ(batch.documents.size(), 1u);
  EXPECT_EQ(batch.documents[0].annotations.size(), 1u);
  EXPECT_EQ(metrics.annotations_unindexed.load(), 1u);
  EXPECT_NE(batch.documents[0].raw.find("bad-key"), std::string::npos);
}

TEST(DatagramProcessorTest, QueueFullDropsAreCounted) {
  Metrics metrics;
  DatagramProcessor processor(metrics);
  processor.CountQueueFull(5);
  processor.CountQueueFull(2);
  EXPECT_EQ(metrics.dropped[static_cast<std::size_t>(DropReason::kQueueFull)].load(), 7u);
}

}  // namespace
}  // namespace xrayd::daemon
