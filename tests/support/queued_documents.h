#pragma once
// The documents an IngestQueue holds, taken out and unpacked, for tests of its producers.

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/ingest/ingest_queue.h"

namespace xrayd::testing_support {

// Pops every batch queued now and returns their documents in order. A batch that does not unpack
// fails the test.
inline std::vector<proto::Document> PopQueuedDocuments(daemon::IngestQueue& queue) {
  std::vector<proto::Document> out;
  for (const daemon::QueuedBatch& batch :
       queue.PopUpTo(static_cast<std::size_t>(-1), std::chrono::milliseconds(0))) {
    const std::size_t at = out.size();
    out.resize(at + batch.documents);
    EXPECT_TRUE(batch.UnpackInto(std::span(out).subspan(at)));
  }
  return out;
}

}  // namespace xrayd::testing_support
