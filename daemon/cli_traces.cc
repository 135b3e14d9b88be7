#include "daemon/cli_traces.h"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>

#include <nlohmann/json.hpp>

#include "daemon/group_lookup.h"
#include "query/filter_parser.h"
#include "query/trace_assembler.h"
#include "query/trace_search.h"
#include "storage/state_store.h"
#include "storage/trace_store.h"

namespace xrayd::daemon {

namespace {

constexpr std::string_view kUsage =
    "usage: xrayd traces list [--filter EXPR] [--since DURATION] [--limit N] [--data-dir DIR]\n"
    "       xrayd traces get TRACE_ID... [--data-dir DIR]\n";

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct TracesArgs {
  std::string verb;
  std::vector<std::string> positional;
  std::string data_dir;
  double since_seconds = 3600;
  std::size_t limit = 100;
  std::optional<std::string> filter;
};

Result<TracesArgs> ParseTracesArgs(const std::vector<std::string>& args, const Environment& env) {
  TracesArgs parsed;
  parsed.data_dir = DefaultDataDir(env);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= args.size()) {
        return MakeError(ErrorCode::kInvalidArgument, arg + " needs a value");
      }
      return args[++i];
    };
    if (arg == "--data-dir") {
      auto v = value();
      if (!v)
        return tl::unexpected(v.error());
      parsed.data_dir = *v;
    } else if (arg == "--filter") {
      auto v = value();
      if (!v)
        return tl::unexpected(v.error());
      parsed.filter = *v;
    } else if (arg == "--since") {
      auto v = value();
      if (!v)
        return tl::unexpected(v.error());
      auto seconds = ParseDuration(*v);
      if (!seconds)
        return tl::unexpected(seconds.error());
      parsed.since_seconds = *seconds;
    } else if (arg == "--limit") {
      auto v = value();
      if (!v)
        return tl::unexpected(v.error());
      std::size_t n = 0;
      auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
      if (ec != std::errc() || ptr != v->data() + v->size() || n == 0) {
        return MakeError(ErrorCode::kInvalidArgument, "--limit: expected a positive number");
      }
      parsed.limit = n;
    } else if (arg.rfind("--", 0) == 0) {
      return MakeError(ErrorCode::kInvalidArgument, "unknown flag '" + arg + "'");
    } else if (parsed.verb.empty()) {
      parsed.verb = arg;
    } else {
      parsed.positional.push_back(arg);
    }
  }
  return parsed;
}

Result<std::unique_ptr<storage::TraceStore>> OpenStore(const std::string& data_dir) {
  const std::string path = data_dir + "/traces.db";
  if (!std::filesystem::exists(path)) {
    return MakeError(ErrorCode::kNotFound,
                     "no trace store at " + path + " (start the daemon, or pass --data-dir)");
  }
  return storage::TraceStore::Open(path, storage::OpenMode::kReadOnly);
}

// `traces list --filter`: traces active in the last --since, newest first, that match the filter
// (groups named by the filter are read from state.db beside the store).
int ListFiltered(storage::TraceStore& store, const TracesArgs& args, std::ostream& out,
                 std::ostream& err) {
  auto filter = query::ParseFilter(*args.filter);
  if (!filter) {
    err << "xrayd traces list: invalid filter: " << filter.error().message << "\n";
    return 2;
  }
  std::unique_ptr<storage::StateStore> state;
  query::GroupLookup groups;
  const std::string state_path = args.data_dir + "/state.db";
  if (std::filesystem::exists(state_path)) {
    auto opened = storage::StateStore::Open(state_path, {.read_only = true});
    if (opened) {
      state = std::move(*opened);
      groups = MakeGroupLookup(*state);
    }
  }
  if (Status s = query::CheckFilterGroups(*filter, groups); !s) {
    err << "xrayd traces list: invalid filter: " << s.error().message << "\n";
    return 2;
  }
  query::SearchRequest request;
  request.filter = &*filter;
  request.time_range_type = query::TimeRangeType::kEvent;
  request.end = NowSeconds() + 1;
  request.start = request.end - 1 - args.since_seconds;
  request.page_size = args.limit;
  request.with_models = false;
  request.max_examined = static_cast<std::size_t>(-1);
  request.groups = groups;
  auto page = query::SearchTraces(store, request);
  if (!page) {
    err << "xrayd traces list: " << page.error().message << "\n";
    return 2;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const query::SearchMatch& match : page->matches) {
    list.push_back(query::SummarizeTraceInfo(match.info));
  }
  out << nlohmann::json{{"Traces", std::move(list)}}.dump(2) << "\n";
  return 0;
}

}  // namespace

Result<double> ParseDuration(std::string_view text) {
  if (text.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "empty duration");
  }
  double scale = 1;
  std::string_view number = text;
  switch (text.back()) {
    case 's':
      scale = 1;
      number.remove_suffix(1);
      break;
    case 'm':
      scale = 60;
      number.remove_suffix(1);
      break;
    case 'h':
      scale = 3600;
      number.remove_suffix(1);
      break;
    case 'd':
      scale = 86400;
      number.remove_suffix(1);
      break;
    default:
      break;
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() || value < 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid duration '" + std::string(text) + "' (examples: 90s, 10m, 1h, 7d)");
  }
  return value * scale;
}

int RunTracesCommand(const std::vector<std::string>& args, const Environment& env,
                     std::ostream& out, std::ostream& err) {
  auto parsed = ParseTracesArgs(args, env);
  if (!parsed) {
    err << "xrayd traces: " << parsed.error().message << "\n" << kUsage;
    return 2;
  }
  if (parsed->verb != "list" && parsed->verb != "get") {
    err << kUsage;
    return 2;
  }
  if (parsed->verb == "get" && parsed->positional.empty()) {
    err << "xrayd traces get: give at least one trace id\n" << kUsage;
    return 2;
  }
  auto store = OpenStore(parsed->data_dir);
  if (!store) {
    err << "xrayd traces: " << store.error().message << "\n";
    return 2;
  }

  if (parsed->verb == "list" && parsed->filter) {
    return ListFiltered(**store, *parsed, out, err);
  }
  if (parsed->verb == "list") {
    auto traces = (*store)->ListTraces(NowSeconds() - parsed->since_seconds, parsed->limit);
    if (!traces) {
      err << "xrayd traces list: " << traces.error().message << "\n";
      return 2;
    }
    nlohmann::json list = nlohmann::json::array();
    for (const storage::TraceInfo& info : *traces) {
      list.push_back(query::SummarizeTraceInfo(info));
    }
    out << nlohmann::json{{"Traces", std::move(list)}}.dump(2) << "\n";
    return 0;
  }

  nlohmann::json found = nlohmann::json::array();
  nlohmann::json unprocessed = nlohmann::json::array();
  for (const std::string& id : parsed->positional) {
    std::string lower = id;
    for (char& c : lower) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto docs = (*store)->GetDocuments(lower);
    if (!docs) {
      err << "xrayd traces get: " << docs.error().message << "\n";
      return 2;
    }
    if (docs->empty()) {
      unprocessed.push_back(id);
      continue;
    }
    found.push_back(query::AssembleTrace(lower, *docs));
  }
  const bool any_found = !found.empty();
  out << nlohmann::json{{"Traces", std::move(found)}, {"UnprocessedTraceIds", unprocessed}}.dump(2)
      << "\n";
  if (!any_found) {
    err << "xrayd traces get: no such trace\n";
    return 1;
  }
  return 0;
}

}  // namespace xrayd::daemon
