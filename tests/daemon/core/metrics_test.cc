#include "daemon/core/metrics.h"

#include <gtest/gtest.h>

namespace xrayd::daemon {
namespace {

TEST(MetricsTest, RendersEveryReasonEvenAtZero) {
  Metrics metrics;
  metrics.datagrams_received = 7;
  metrics.CountRejected(proto::RejectReason::kInvalidTraceId);
  metrics.CountDropped(DropReason::kQueueFull, 3);
  metrics.queue_documents = 12;
  const std::string text = RenderPrometheus(metrics);
  EXPECT_NE(text.find("xrayd_datagrams_received_total 7\n"), std::string::npos);
  EXPECT_NE(text.find("xrayd_segments_rejected_total{reason=\"invalid_trace_id\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("xrayd_segments_dropped_total{reason=\"queue_full\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("xrayd_segments_dropped_total{reason=\"storage_error\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("xrayd_ingest_queue_depth 12\n"), std::string::npos);
  for (proto::RejectReason reason : proto::AllRejectReasons()) {
    const std::string line = "xrayd_segments_rejected_total{reason=\"" +
                             std::string(proto::RejectReasonName(reason)) + "\"}";
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
  EXPECT_NE(text.find("# TYPE xrayd_segments_stored_total counter"), std::string::npos);
}

}  // namespace
}  // namespace xrayd::daemon
