#include "proto/rejection.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace xrayd::proto {
namespace {

TEST(RejectionTest, EveryReasonHasADistinctSnakeCaseName) {
  std::set<std::string_view> names;
  for (const RejectReason reason : AllRejectReasons()) {
    const std::string_view name = RejectReasonName(reason);
    EXPECT_NE(name, "unknown");
    EXPECT_FALSE(name.empty());
    for (const char c : name) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
    }
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
  }
  EXPECT_EQ(names.size(), kRejectReasonCount);
}

TEST(RejectionTest, AllReasonsAreInDeclarationOrder) {
  const auto& all = AllRejectReasons();
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(all[i]), i);
  }
}

TEST(RejectionTest, NamesAreStable) {
  // These strings are metric label values: changing one breaks dashboards.
  EXPECT_EQ(RejectReasonName(RejectReason::kMissingNewline), "missing_newline");
  EXPECT_EQ(RejectReasonName(RejectReason::kInvalidTraceId), "invalid_trace_id");
  EXPECT_EQ(RejectReasonName(RejectReason::kTooDeep), "too_deep");
  EXPECT_EQ(RejectReasonName(RejectReason::kEmptyArray), "empty_array");
}

}  // namespace
}  // namespace xrayd::proto
