#include "daemon/cli/store_group_counts.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>

#include "daemon/api/group_lookup.h"
#include "query/trace_search.h"
#include "storage/state_store.h"
#include "storage/trace_store.h"

namespace xrayd::daemon {

GroupCountsFn MakeStoreGroupCounts(int minutes, const proto::Clock& clock) {
  return [minutes, &clock](const std::string& data_dir,
                           const storage::Group& group) -> Result<std::vector<MinuteCount>> {
    const std::string store_path = data_dir + "/traces.db";
    if (!std::filesystem::exists(store_path)) {
      return std::vector<MinuteCount>();
    }
    XRAYD_TRY_ASSIGN(auto store,
                     storage::TraceStore::Open(store_path, storage::OpenMode::kReadOnly));
    std::unique_ptr<storage::StateStore> state;
    query::GroupLookup groups;
    if (std::filesystem::exists(data_dir + "/state.db")) {
      XRAYD_TRY_ASSIGN(auto opened,
                       storage::StateStore::Open(data_dir + "/state.db", {.read_only = true}));
      state = std::move(opened);
      groups = MakeGroupLookup(*state);
    }
    const double now = clock.NowSeconds();
    const double since = (std::floor(now / 60) - (minutes - 1)) * 60;
    query::FilterExpr filter;
    auto node = std::make_unique<query::Node>();
    node->kind = GroupRefByName(group.name);
    filter.root = std::move(node);
    query::SearchRequest request;
    request.filter = &filter;
    request.time_range_type = query::TimeRangeType::kEvent;
    request.start = since;
    request.end = now + 1;
    request.page_size = static_cast<std::size_t>(-1);
    request.max_examined = static_cast<std::size_t>(-1);
    request.with_models = false;
    request.groups = groups;
    XRAYD_TRY_ASSIGN(auto page, query::SearchTraces(*store, request));
    std::map<std::int64_t, std::int64_t> per_minute;
    for (const query::SearchMatch& match : page.matches) {
      if (match.first_received >= since) {
        ++per_minute[static_cast<std::int64_t>(std::floor(match.first_received / 60)) * 60];
      }
    }
    std::vector<MinuteCount> out;
    for (const auto& [minute, count] : per_minute) {
      out.push_back(MinuteCount{.minute_start = minute, .count = count});
    }
    return out;
  };
}

}  // namespace xrayd::daemon
