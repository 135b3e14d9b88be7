#include "daemon/cli/cli_groups.h"

#include <ostream>

#include <nlohmann/json.hpp>

#include "storage/state_store.h"

namespace xrayd::daemon {
namespace {

constexpr std::string_view kUsage = "usage: xrayd groups list [--data-dir DIR]\n";

}  // namespace

int RunGroupsCommand(const std::vector<std::string>& args, const Environment& env,
                     std::ostream& out, std::ostream& err, const GroupCountsFn& counts) {
  std::string data_dir = DefaultDataDir(env);
  std::string verb;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--data-dir" && i + 1 < args.size()) {
      data_dir = args[++i];
    } else if (args[i] == "-h" || args[i] == "--help") {
      out << kUsage;
      return 0;
    } else if (verb.empty() && args[i].rfind('-', 0) != 0) {
      verb = args[i];
    } else {
      err << "xrayd groups: unexpected argument '" << args[i] << "'\n" << kUsage;
      return 2;
    }
  }
  if (verb != "list") {
    err << kUsage;
    return 2;
  }
  auto store = storage::StateStore::Open(data_dir + "/state.db",
                                         storage::StateStoreOptions{.read_only = true});
  if (!store && store.error().code == ErrorCode::kNotFound) {
    // The daemon never ran here: only the implicit Default group exists.
    store = storage::StateStore::Open(":memory:");
  }
  if (!store) {
    err << "xrayd groups: " << store.error().message << "\n";
    return 2;
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const storage::Group& group : (*store)->ListGroups()) {
    nlohmann::json item = {{"GroupName", group.name}, {"GroupARN", group.arn}};
    if (group.filter_expression) {
      item["FilterExpression"] = *group.filter_expression;
    }
    if (counts) {
      auto minutes = counts(data_dir, group);
      if (minutes) {
        nlohmann::json series = nlohmann::json::array();
        for (const MinuteCount& m : *minutes) {
          series.push_back({{"Timestamp", m.minute_start}, {"Value", m.count}});
        }
        item["ApproximateTraceCounts"] = std::move(series);
      } else {
        err << "xrayd groups: no counts for " << group.name << ": " << minutes.error().message
            << "\n";
      }
    }
    groups.push_back(std::move(item));
  }
  out << nlohmann::json{{"Groups", std::move(groups)}}.dump(2) << "\n";
  return 0;
}

}  // namespace xrayd::daemon
