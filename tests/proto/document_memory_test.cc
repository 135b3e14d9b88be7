// proto::ApproximateMemory of a DocumentSummaryInput, what bounds the summary facts the storage
// writer keeps: the object and every heap buffer it holds, so long fields and many embedded
// subsegments or remote calls weigh more.

#include <gtest/gtest.h>

#include "proto/document.h"

namespace xrayd::proto {
namespace {

TEST(DocumentMemoryTest, CountsTheObjectAndEveryHeapBuffer) {
  DocumentSummaryInput input;
  const std::size_t empty = ApproximateMemory(input);
  EXPECT_GE(empty, sizeof(DocumentSummaryInput));
  input.name = std::string(200, 'n');
  EXPECT_GE(ApproximateMemory(input), empty + 200);
  const std::size_t with_name = ApproximateMemory(input);
  input.facts.http_url = std::string(300, 'u');
  input.facts.user = "short";  // Fits in the string object: no heap buffer.
  EXPECT_GE(ApproximateMemory(input), with_name + 300);
  EXPECT_LE(ApproximateMemory(input), with_name + 300 + 64);
  const std::size_t with_url = ApproximateMemory(input);
  input.facts.embedded_ids.assign(8, 1);
  input.facts.remote_calls.assign(4, RemoteCall{1, std::string(40, 's')});
  EXPECT_GE(ApproximateMemory(input),
            with_url + 8 * sizeof(std::uint64_t) + 4 * (sizeof(RemoteCall) + 40));
}

}  // namespace
}  // namespace xrayd::proto
