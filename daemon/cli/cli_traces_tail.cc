#include "daemon/cli/cli_traces_tail.h"

#include <signal.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <memory>
#include <ostream>
#include <thread>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "daemon/api/group_lookup.h"
#include "query/filter_eval.h"
#include "query/filter_parser.h"
#include "query/trace_line.h"
#include "query/trace_model.h"
#include "query/trace_search.h"
#include "storage/state_store.h"

namespace xrayd::daemon {
namespace {

// Set by the SIGINT/SIGTERM handler of RunTracesTailUntilSignal.
volatile std::sig_atomic_t g_stop_requested = 0;

void OnStopSignal(int /*signal_number*/) {
  g_stop_requested = 1;
}

// The filter with the groups it names, read from state.db beside the store (as `traces list`).
struct TailFilter {
  query::FilterExpr expr;
  std::unique_ptr<storage::StateStore> state;
  query::GroupLookup groups;

  bool Matches(const query::TraceModel& model, double first_received) const {
    query::EvalContext context;
    context.is_member = [&](const query::GroupRef& ref) {
      std::shared_ptr<const query::GroupDefinition> group = groups ? groups(ref) : nullptr;
      if (group == nullptr) {
        return query::IsDefaultGroupRef(ref);
      }
      return query::IsGroupMember(*group, model, first_received, groups);
    };
    return query::MatchesFilter(expr, model, context);
  }
};

Result<std::unique_ptr<TailFilter>> MakeTailFilter(const std::string& text,
                                                   const std::string& data_dir) {
  XRAYD_TRY_ASSIGN(auto parsed, query::ParseFilter(text));
  auto filter = std::make_unique<TailFilter>();
  filter->expr = std::move(parsed);
  const std::string state_path = data_dir + "/state.db";
  if (std::filesystem::exists(state_path)) {
    auto opened = storage::StateStore::Open(state_path, {.read_only = true});
    if (opened) {
      filter->state = std::move(*opened);
      filter->groups = MakeGroupLookup(*filter->state);
    }
  }
  XRAYD_TRY(query::CheckFilterGroups(filter->expr, filter->groups));
  return filter;
}

}  // namespace

Result<bool> ResolveColor(std::string_view when, bool is_tty, const Environment& env) {
  if (when == "always") {
    return true;
  }
  if (when == "never") {
    return false;
  }
  if (when != "auto") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--color: expected auto, always or never, got '" + std::string(when) + "'");
  }
  auto no_color = env.find("NO_COLOR");
  auto term = env.find("TERM");
  return is_tty && (no_color == env.end() || no_color->second.empty()) &&
         (term == env.end() || term->second != "dumb");
}

std::string RenderStoredTimeline(std::span<const storage::StoredDocument> docs,
                                 const query::TimelineOptions& options) {
  std::vector<nlohmann::ordered_json> parsed;
  parsed.reserve(docs.size());
  for (const storage::StoredDocument& doc : docs) {
    parsed.push_back(nlohmann::ordered_json::parse(doc.raw, nullptr, /*allow_exceptions=*/false));
  }
  return query::RenderTimeline(parsed, options);
}

TraceTail::TraceTail(storage::TraceStore& store, double first_received_from, double quiet_seconds)
    : store_(store),
      from_(first_received_from),
      quiet_(quiet_seconds),
      list_since_(first_received_from - kOverlapSeconds) {}

Result<std::vector<CompletedTrace>> TraceTail::Poll(double now) {
  XRAYD_TRY_ASSIGN(auto rows, store_.ListTraces(list_since_, kListLimit));
  truncated_ = rows.size() >= kListLimit;
  // Every write is committed within kOverlapSeconds of its updated_at, so listing from a little
  // before this poll next time sees every trace written in between.
  list_since_ = now - kOverlapSeconds;
  for (storage::TraceInfo& info : rows) {
    if (auto done = done_.find(info.trace_id); done != done_.end()) {
      done->second = std::max(done->second, info.updated_at);
      continue;
    }
    pending_[info.trace_id] = std::move(info);
  }

  std::vector<const storage::TraceInfo*> due;
  for (const auto& [id, info] : pending_) {
    if (!info.partial && now - info.updated_at >= quiet_) {
      due.push_back(&info);
    }
  }
  std::sort(due.begin(), due.end(), [](const storage::TraceInfo* a, const storage::TraceInfo* b) {
    return std::tie(a->updated_at, a->trace_id) < std::tie(b->updated_at, b->trace_id);
  });
  std::vector<std::string> due_ids;
  due_ids.reserve(due.size());
  for (const storage::TraceInfo* info : due) {
    due_ids.push_back(info->trace_id);
  }

  std::vector<CompletedTrace> completed;
  for (const std::string& id : due_ids) {
    storage::TraceInfo& seen = pending_[id];
    // The row and the documents from one snapshot, so the documents are the ones judged complete.
    XRAYD_TRY(store_.BeginSnapshot());
    auto info = store_.GetTraceInfo(id);
    auto docs = info ? store_.GetDocuments(id) : Result<std::vector<storage::StoredDocument>>{};
    store_.EndSnapshot();
    if (!info && info.error().code == ErrorCode::kNotFound) {
      pending_.erase(id);  // Deleted by retention meanwhile.
      continue;
    }
    XRAYD_TRY(info);
    XRAYD_TRY(docs);
    if (info->revision != seen.revision || info->partial || info->updated_at != seen.updated_at) {
      seen = std::move(*info);  // Written since it was listed: judged again at a later poll.
      continue;
    }
    pending_.erase(id);
    done_[id] = info->updated_at;
    double first_received = info->updated_at;
    for (const storage::StoredDocument& doc : *docs) {
      first_received = std::min(first_received, doc.received_at);
    }
    if (first_received < from_) {
      continue;
    }
    completed.push_back(CompletedTrace{
        .info = std::move(*info), .docs = std::move(*docs), .first_received = first_received});
  }

  std::erase_if(pending_,
                [&](const auto& entry) { return now - entry.second.updated_at > kForgetSeconds; });
  std::erase_if(done_, [&](const auto& entry) { return now - entry.second > kForgetSeconds; });
  return completed;
}

int RunTracesTail(const TailOptions& options, const Environment& /*env*/,
                  const std::function<bool()>& stop, std::ostream& out, std::ostream& err) {
  std::unique_ptr<TailFilter> filter;
  if (options.filter) {
    auto made = MakeTailFilter(*options.filter, options.data_dir);
    if (!made) {
      err << "xrayd traces tail: invalid filter: " << made.error().message << "\n";
      return 2;
    }
    filter = std::move(*made);
  }
  const std::string path = options.data_dir + "/traces.db";
  if (!std::filesystem::exists(path)) {
    err << "xrayd traces tail: no trace store at " << path
        << " (start the daemon, or pass --data-dir)\n";
    return 2;
  }
  auto store = storage::TraceStore::Open(path, storage::OpenMode::kReadOnly);
  if (!store) {
    err << "xrayd traces tail: " << store.error().message << "\n";
    return 2;
  }
  const double start = options.clock->NowSeconds();
  TraceTail tail(**store, start - options.since_seconds.value_or(0), options.quiet_seconds);
  err << "xrayd traces tail: following " << path << " (Ctrl-C to stop)\n" << std::flush;

  std::size_t printed = 0;
  bool warned_truncated = false;
  while (!stop()) {
    auto completed = tail.Poll(options.clock->NowSeconds());
    if (!completed) {
      err << "xrayd traces tail: " << completed.error().message << "\n";
      return 2;
    }
    if (tail.Truncated() && !warned_truncated) {
      warned_truncated = true;
      err << "xrayd traces tail: more than " << TraceTail::kListLimit
          << " traces written in a poll; some may be missed\n";
    }
    for (const CompletedTrace& trace : *completed) {
      const query::TraceModel model = query::BuildTraceModel(trace.info.trace_id, trace.docs);
      if (filter && !filter->Matches(model, trace.first_received)) {
        continue;
      }
      if (options.show) {
        out << (printed > 0 ? "\n" : "") << RenderStoredTimeline(trace.docs, options.timeline);
      } else {
        out << query::RenderTraceLine(model, options.timeline.color) << "\n";
      }
      out << std::flush;
      ++printed;
      if (options.count > 0 && printed >= options.count) {
        return 0;
      }
    }
    std::this_thread::sleep_for(options.poll_interval);
  }
  return 0;
}

int RunTracesTailUntilSignal(const TailOptions& options, const Environment& env, std::ostream& out,
                             std::ostream& err) {
  g_stop_requested = 0;
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  struct sigaction old_int {};
  struct sigaction old_term {};
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
  const int code = RunTracesTail(
      options, env, [] { return g_stop_requested != 0; }, out, err);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return code;
}

}  // namespace xrayd::daemon
