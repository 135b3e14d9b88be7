#include "daemon/ingest/datagram_processor.h"

#include <arpa/inet.h>
#include <netinet/in.h>

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
  processor.Process(Segment("70de5b6f19ff9a0a"), false, nullptr, batch);
  processor.Process(Segment("70de5b6f19ff9a0b"), false, nullptr, batch);
  ASSERT_EQ(batch.documents.size(), 2u);
  EXPECT_EQ(batch.documents[1].id, "70de5b6f19ff9a0b");
  EXPECT_EQ(metrics.datagrams_received.load(), 2u);
  EXPECT_EQ(metrics.segments_accepted.load(), 2u);
}

TEST(DatagramProcessorTest, EachRejectionIsCountedByReasonAndGoodNeighboursSurvive) {
  Metrics metrics;
  DatagramProcessor processor(metrics);
  IngestBatch batch;
  processor.Process("garbage without newline", false, nullptr, batch);
  processor.Process(Segment("70de5b6f19ff9a0a"), false, nullptr, batch);
  processor.Process("{\"format\":\"json\",\"version\":2}\n{}", false, nullptr, batch);
  processor.Process(std::string(kHeader) + "{\"trace_id\":", false, nullptr, batch);
  processor.Process(Segment("nothex"), false, nullptr, batch);
  processor.Process(Segment("70de5b6f19ff9a0c"), true, nullptr, batch);
  processor.Process(Segment("70de5b6f19ff9a0d"), false, nullptr, batch);

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
                    nullptr, batch);
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

TEST(DatagramProcessorTest, PeerNamesForLogLines) {
  sockaddr_storage v4{};
  auto* in = reinterpret_cast<sockaddr_in*>(&v4);
  in->sin_family = AF_INET;
  in->sin_port = htons(5000);
  inet_pton(AF_INET, "127.0.0.1", &in->sin_addr);
  EXPECT_EQ(PeerName(&v4), "127.0.0.1:5000");
  sockaddr_storage v6{};
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&v6);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(2000);
  in6->sin6_addr = in6addr_loopback;
  EXPECT_EQ(PeerName(&v6), "[::1]:2000");
  EXPECT_EQ(PeerName(nullptr), "unknown");
}

}  // namespace
}  // namespace xrayd::daemon
