#include "daemon/cli/cli_groups.h"

#include <ostream>

#include <nlohmann/json.hpp>

#include "daemon/cli/cli_parse.h"
#include "storage/state_store.h"

namespace xrayd::daemon {

int RunGroupsCommand(const std::vector<std::string>& args, const Environment& env,
                     std::ostream& out, std::ostream& err, const GroupCountsFn& counts) {
  std::string data_dir = DefaultDataDir(env);
  CLI::App app("The groups of a data dir's state.db, read-only and safe while the daemon runs.",
               "xrayd groups");
  app.require_subcommand(1);
  CLI::App* list = app.add_subcommand("list",
                                      "every group as JSON, with its approximate trace "
                                      "counts per minute");
  list->add_option("--data-dir", data_dir, "the daemon's data directory")->type_name("DIR");
  if (auto code = ParseCommandLine(app, args, out, err)) {
    return *code;
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
