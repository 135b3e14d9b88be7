#include "daemon/cli/cli_traces.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <ostream>

#include <nlohmann/json.hpp>

#include "daemon/api/group_lookup.h"
#include "daemon/cli/cli_parse.h"
#include "daemon/cli/cli_traces_tail.h"
#include "proto/ids.h"
#include "query/filter_parser.h"
#include "query/terminal_text.h"
#include "query/trace_assembler.h"
#include "query/trace_search.h"
#include "query/trace_timeline.h"
#include "storage/state_store.h"
#include "storage/trace_store.h"

namespace xrayd::daemon {

namespace {

struct TracesArgs {
  std::string verb;
  std::vector<std::string> positional;
  std::string data_dir;
  double since_seconds = 3600;
  std::size_t limit = 100;
  std::optional<std::string> filter;
  bool since_given = false;
  std::size_t count = 0;  // 0: no limit.
  std::optional<double> quiet_seconds;
  std::optional<int> width;
  std::string color = "auto";
  bool show = false;
};

// Parses `args` into `parsed`; nullopt when the command should run, else the exit code.
std::optional<int> ParseTracesArgs(const std::vector<std::string>& args, const Environment& env,
                                   TracesArgs& parsed, std::ostream& out, std::ostream& err) {
  parsed.data_dir = DefaultDataDir(env);
  CLI::App app("Read the trace store, safely while the daemon runs.", "xrayd traces");
  app.require_subcommand(1);
  CLI::App* list = app.add_subcommand("list",
                                      "traces active in the last --since, newest first, "
                                      "as JSON");
  CLI::App* get = app.add_subcommand("get",
                                     "whole traces as JSON (BatchGetTraces); exit 1 if "
                                     "none is stored");
  CLI::App* show = app.add_subcommand("show",
                                      "one trace as a timeline (bars, durations, ! error, "
                                      "F fault, T throttle, annotations, exceptions)");
  CLI::App* tail = app.add_subcommand(
      "tail",
      "one line per trace once it completes (no segment in progress and nothing new for "
      "--quiet), traces first received after the start (or within --since), until Ctrl-C "
      "or --count traces");
  for (CLI::App* verb : {list, get, show, tail}) {
    verb->add_option("--data-dir", parsed.data_dir, "the daemon's data directory")
        ->type_name("DIR");
    verb->callback([&parsed, verb] { parsed.verb = verb->get_name(); });
  }
  for (CLI::App* verb : {list, tail}) {
    verb->add_option("--filter", parsed.filter, "only traces matching this filter expression")
        ->type_name("EXPR");
    AddDurationOption(*verb, "--since", parsed.since_seconds,
                      verb == list ? "how far back (default 1h)"
                                   : "also traces received this long "
                                     "before the start");
  }
  AddPositiveOption(*list, "--limit", parsed.limit, "at most N traces (default 100)");
  get->add_option("TRACE_ID", parsed.positional, "trace ids")->required();
  show->add_option("TRACE_ID", parsed.positional, "a trace id")->required()->expected(1);
  for (CLI::App* verb : {show, tail}) {
    verb->add_option("--width", parsed.width, "bar width in columns")
        ->type_name("N")
        ->check(CLI::Range(10, 1000));
    AddColorOption(*verb, parsed.color);
  }
  double quiet = 1;
  CLI::Option* quiet_option = AddDurationOption(*tail, "--quiet", quiet,
                                                "a trace completes after this long without a "
                                                "new segment (default 1s)");
  AddPositiveOption(*tail, "--count", parsed.count, "stop after N traces");
  tail->add_flag("--show", parsed.show, "draw each trace as a timeline too");
  CLI::Option* since_list = list->get_option("--since");
  CLI::Option* since_tail = tail->get_option("--since");
  if (auto code = ParseCommandLine(app, args, out, err)) {
    return code;
  }
  parsed.since_given = since_list->count() > 0 || since_tail->count() > 0;
  if (quiet_option->count() > 0) {
    parsed.quiet_seconds = quiet;
  }
  return std::nullopt;
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

// `traces show`: exit 1 if the trace is not stored.
int ShowTrace(storage::TraceStore& store, const std::string& id,
              const query::TimelineOptions& timeline, std::ostream& out, std::ostream& err) {
  const std::string stored_id = proto::CanonicalTraceId(id);
  auto docs = store.GetDocuments(stored_id);
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

int RunTracesCommand(const std::vector<std::string>& args, const Environment& env,
                     std::ostream& out, std::ostream& err, const proto::Clock& clock) {
  TracesArgs parsed_args;
  if (auto code = ParseTracesArgs(args, env, parsed_args, out, err)) {
    return *code;
  }
  const TracesArgs* parsed = &parsed_args;
  const std::string& verb = parsed->verb;
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
    tail.count = parsed->count;
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
    const std::string stored_id = proto::CanonicalTraceId(id);
    auto docs = (*store)->GetDocuments(stored_id);
    if (!docs) {
      err << "xrayd traces get: " << docs.error().message << "\n";
      return 2;
    }
    if (docs->empty()) {
      unprocessed.push_back(id);
      continue;
    }
    found.push_back(query::AssembleTrace(stored_id, *docs));
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
