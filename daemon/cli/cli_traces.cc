#include "daemon/cli/cli_traces.h"

#include <unistd.h>

#include <cctype>
#include <charconv>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <ostream>

#include <nlohmann/json.hpp>

#include "daemon/cli/cli_traces_tail.h"
#include "daemon/api/group_lookup.h"
#include "query/filter_parser.h"
#include "query/terminal_text.h"
#include "query/trace_assembler.h"
#include "query/trace_search.h"
#include "query/trace_timeline.h"
#include "storage/state_store.h"
#include "storage/trace_store.h"

namespace xrayd::daemon {

namespace {

constexpr std::string_view kUsage =
    "usage: xrayd traces list [--filter EXPR] [--since DURATION] [--limit N] [--data-dir DIR]\n"
    "       xrayd traces get TRACE_ID... [--data-dir DIR]\n"
    "       xrayd traces show TRACE_ID [--width N] [--color auto|always|never] [--data-dir DIR]\n"
    "       xrayd traces tail [--filter EXPR] [--since DURATION] [--quiet SECONDS] [--count N]\n"
    "                         [--show] [--width N] [--color auto|always|never] [--data-dir DIR]\n"
    "  show: the trace as a timeline (bars, durations, ! error, F fault, T throttle, annotations,\n"
    "        exceptions); tail: one line per trace once it completes (no segment in progress and\n"
    "        nothing new for --quiet, default 1s), traces first received after the start (or\n"
    "        within --since), until Ctrl-C or --count traces\n";

struct TracesArgs {
  std::string verb;
  std::vector<std::string> positional;
  std::string data_dir;
  double since_seconds = 3600;
  std::size_t limit = 100;
  std::optional<std::string> filter;
  bool since_given = false;
  std::optional<std::size_t> count;
  std::optional<double> quiet_seconds;
  std::optional<int> width;
  std::string color = "auto";
  bool color_given = false;
  bool show = false;
  bool limit_given = false;
};

Result<std::size_t> ParsePositive(const std::string& flag, const std::string& text) {
  std::size_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr != text.data() + text.size() || n == 0) {
    return MakeError(ErrorCode::kInvalidArgument, flag + ": expected a positive number");
  }
  return n;
}

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
      if (!v) {
        return tl::unexpected(v.error());
      }
      parsed.data_dir = *v;
    } else if (arg == "--filter") {
      auto v = value();
      if (!v) {
        return tl::unexpected(v.error());
      }
      parsed.filter = *v;
    } else if (arg == "--since") {
      auto v = value();
      if (!v) {
        return tl::unexpected(v.error());
      }
      auto seconds = ParseDuration(*v);
      if (!seconds) {
        return tl::unexpected(seconds.error());
      }
      parsed.since_seconds = *seconds;
      parsed.since_given = true;
    } else if (arg == "--limit" || arg == "--count" || arg == "--width") {
      auto v = value();
      if (!v) {
        return tl::unexpected(v.error());
      }
      auto n = ParsePositive(arg, *v);
      if (!n) {
        return tl::unexpected(n.error());
      }
      if (arg == "--limit") {
        parsed.limit = *n;
        parsed.limit_given = true;
      } else if (arg == "--count") {
        parsed.count = *n;
      } else if (*n < 10 || *n > 1000) {
        return MakeError(ErrorCode::kInvalidArgument, "--width: expected 10 to 1000 columns");
      } else {
        parsed.width = static_cast<int>(*n);
      }
    } else if (arg == "--quiet") {
      auto v = value();
      if (!v) {
        return tl::unexpected(v.error());
      }
      auto seconds = ParseDuration(*v);
      if (!seconds) {
        return tl::unexpected(seconds.error());
      }
      parsed.quiet_seconds = *seconds;
    } else if (arg == "--color") {
      auto v = value();
      if (!v) {
        return tl::unexpected(v.error());
      }
      parsed.color = *v;
      parsed.color_given = true;
    } else if (arg == "--show") {
      parsed.show = true;
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
int ListFiltered(storage::TraceStore& store, const TracesArgs& args, const proto::Clock& clock,
                 std::ostream& out, std::ostream& err) {
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
  request.end = clock.NowSeconds() + 1;
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

// Flags that mean nothing to a verb are errors rather than silently ignored.
Status CheckFlagsForVerb(const TracesArgs& args) {
  const std::string& verb = args.verb;
  const auto reject = [&](bool given, std::string_view flag) -> Status {
    if (given) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string(flag) + " does not apply to 'traces " + verb + "'");
    }
    return {};
  };
  const bool timeline_verb = verb == "show" || verb == "tail";
  for (const Status& s : {reject(!timeline_verb && args.width.has_value(), "--width"),
                          reject(!timeline_verb && args.color_given, "--color"),
                          reject(verb != "tail" && args.show, "--show"),
                          reject(verb != "tail" && args.count.has_value(), "--count"),
                          reject(verb != "tail" && args.quiet_seconds.has_value(), "--quiet"),
                          reject(timeline_verb && args.limit_given, "--limit"),
                          reject(verb == "show" && args.filter.has_value(), "--filter"),
                          reject(verb == "show" && args.since_given, "--since")}) {
    if (!s) {
      return s;
    }
  }
  return {};
}

// `traces show`: exit 1 if the trace is not stored.
int ShowTrace(storage::TraceStore& store, const std::string& id,
              const query::TimelineOptions& timeline, std::ostream& out, std::ostream& err) {
  std::string lower = id;
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  auto docs = store.GetDocuments(lower);
  if (!docs) {
    err << "xrayd traces show: " << docs.error().message << "\n";
    return 2;
  }
  if (docs->empty()) {
    err << "xrayd traces show: no trace " << query::SanitizeForTerminal(id) << "\n";
    return 1;
  }
  out << RenderStoredTimeline(*docs, timeline);
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
                     std::ostream& out, std::ostream& err, const proto::Clock& clock) {
  auto parsed = ParseTracesArgs(args, env);
  if (!parsed) {
    err << "xrayd traces: " << parsed.error().message << "\n" << kUsage;
    return 2;
  }
  const std::string& verb = parsed->verb;
  if (verb != "list" && verb != "get" && verb != "show" && verb != "tail") {
    err << kUsage;
    return 2;
  }
  if (Status s = CheckFlagsForVerb(*parsed); !s) {
    err << "xrayd traces " << verb << ": " << s.error().message << "\n" << kUsage;
    return 2;
  }
  if (verb == "get" && parsed->positional.empty()) {
    err << "xrayd traces get: give at least one trace id\n" << kUsage;
    return 2;
  }
  if ((verb == "show" && parsed->positional.size() != 1) ||
      (verb == "tail" && !parsed->positional.empty())) {
    err << "xrayd traces " << verb << ": "
        << (verb == "show" ? "give one trace id" : "takes no arguments") << "\n"
        << kUsage;
    return 2;
  }
  query::TimelineOptions timeline;
  if (verb == "show" || verb == "tail") {
    const bool is_tty = &out == &std::cout && isatty(STDOUT_FILENO) == 1;
    auto color = ResolveColor(parsed->color, is_tty, env);
    if (!color) {
      err << "xrayd traces " << verb << ": " << color.error().message << "\n";
      return 2;
    }
    timeline.color = *color;
    timeline.bar_width = parsed->width.value_or(timeline.bar_width);
  }
  if (verb == "tail") {
    TailOptions tail;
    tail.data_dir = parsed->data_dir;
    tail.filter = parsed->filter;
    tail.quiet_seconds = parsed->quiet_seconds.value_or(tail.quiet_seconds);
    if (parsed->since_given) {
      tail.since_seconds = parsed->since_seconds;
    }
    tail.count = parsed->count.value_or(0);
    tail.show = parsed->show;
    tail.timeline = timeline;
    tail.clock = &clock;
    return RunTracesTailUntilSignal(tail, env, out, err);
  }
  auto store = OpenStore(parsed->data_dir);
  if (!store) {
    err << "xrayd traces: " << store.error().message << "\n";
    return 2;
  }

  if (parsed->verb == "list" && parsed->filter) {
    return ListFiltered(**store, *parsed, clock, out, err);
  }
  if (parsed->verb == "list") {
    auto traces = (*store)->ListTraces(clock.NowSeconds() - parsed->since_seconds, parsed->limit);
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

  if (verb == "show") {
    return ShowTrace(**store, parsed->positional.front(), timeline, out, err);
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
