#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/trace_store.h"
#include "tests/storage/document_builder.h"

// DocSpec is filled with designated initializers; omitted fields have default member initializers.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xrayd::storage {
namespace {

using testing::BuildDocument;
using testing::DocSpec;

constexpr char kEarly[] = "1-000003e8-000000000000000000000001";   // 1000 .. 1010
constexpr char kMiddle[] = "1-000007d0-000000000000000000000002";  // 2000 .. 2001
constexpr char kLong[] = "1-00000bb8-000000000000000000000003";    // 3000 .. 5000
constexpr char kOpen[] = "1-00000fa0-000000000000000000000004";    // 4000 .. in progress

class TraceStoreWindowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = TraceStore::Open(":memory:", OpenMode::kReadWrite);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    const std::vector<proto::Document> docs = {
        BuildDocument({.trace_id = kEarly, .start_time = 1000, .end_time = 1010}),
        BuildDocument({.trace_id = kMiddle, .start_time = 2000, .end_time = 2001}),
        BuildDocument({.trace_id = kLong, .start_time = 3000, .end_time = 5000}),
        BuildDocument({.trace_id = kOpen, .start_time = 4000, .end_time = std::nullopt}),
    };
    ASSERT_TRUE(store_->PutDocuments(docs, 6000).has_value());
  }

  std::vector<std::string> Ids(double start, double end, std::size_t limit = 100) {
    auto ids = store_->TraceIdsInWindow(start, end, limit);
    EXPECT_TRUE(ids.has_value()) << ids.error().message;
    return ids.value_or(std::vector<std::string>{});
  }

  std::unique_ptr<TraceStore> store_;
};

TEST_F(TraceStoreWindowTest, ReturnsOverlappingTracesNewestFirst) {
  EXPECT_EQ(Ids(0, 10000), (std::vector<std::string>{kOpen, kLong, kMiddle, kEarly}));
  EXPECT_EQ(Ids(1005, 1006), (std::vector<std::string>{kEarly}));           // Inside one trace.
  EXPECT_EQ(Ids(1010, 2000), (std::vector<std::string>{kMiddle, kEarly}));  // Both ends touch.
  EXPECT_EQ(Ids(4500, 4600), (std::vector<std::string>{kOpen, kLong}));     // Long and open traces.
  EXPECT_EQ(Ids(9000, 9500), (std::vector<std::string>{kOpen}));            // Still in progress.
  EXPECT_TRUE(Ids(1011, 1999).empty());
  EXPECT_TRUE(Ids(0, 999).empty());
}

TEST_F(TraceStoreWindowTest, LimitKeepsTheNewestAndAnEmptyWindowIsEmpty) {
  EXPECT_EQ(Ids(0, 10000, 2), (std::vector<std::string>{kOpen, kLong}));
  EXPECT_TRUE(Ids(0, 10000, 0).empty());
  EXPECT_TRUE(Ids(2000, 1000).empty());  // end before start
}

TEST_F(TraceStoreWindowTest, TracesStartedLongBeforeTheWindowAreNotScanned) {
  // The open trace started at 4000: beyond kTraceWindowLookback before this window.
  const double start = 4000 + kTraceWindowLookback + 1;
  EXPECT_TRUE(Ids(start, start + 10).empty());
}

}  // namespace
}  // namespace xrayd::storage
