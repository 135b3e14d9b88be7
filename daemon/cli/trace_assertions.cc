#include "daemon/cli/trace_assertions.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "proto/duration.h"
#include "query/filter_eval.h"
#include "query/filter_parser.h"
#include "query/trace_timeline.h"

namespace xrayd::daemon {

namespace {

struct FetchedTrace {
  nlohmann::json trace;
  std::vector<nlohmann::ordered_json> documents;
  std::optional<query::TraceModel> model;  // Built on first use.
};

class TraceSet {
 public:
  std::vector<std::string> ids;  // Newest first, as the server listed them.
  std::map<std::string, FetchedTrace> by_id;

  const query::TraceModel& Model(const std::string& id) {
    FetchedTrace& fetched = by_id.at(id);
    if (!fetched.model) {
      fetched.model = query::ModelFromDocuments(id, fetched.documents);
    }
    return *fetched.model;
  }
};

std::string Quote(const std::string& text) {
  return nlohmann::json(text).dump();
}

std::string ScopeText(const std::string& filter) {
  return filter.empty() ? "each trace" : "each trace where " + filter;
}

// "250.0 ms" below a second, "2.500 s" from there.
std::string FormatSeconds(double seconds) {
  if (seconds < 1) {
    return query::FormatMilliseconds(seconds);
  }
  std::ostringstream out;
  out.precision(3);
  out << std::fixed << seconds << " s";
  return out.str();
}

std::string Indent(const std::string& text, const std::string& prefix) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    out += prefix + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

// A trace for a failure report: a line naming it and why, then its drawing.
std::string Example(TraceSet& traces, const std::string& id, const std::string& why,
                    const AssertionOptions& options) {
  const FetchedTrace& fetched = traces.by_id.at(id);
  std::string text = "  trace " + id;
  if (!options.render) {
    text += " (" + FormatSeconds(fetched.trace.value("Duration", 0.0)) + ")";
  }
  if (!why.empty()) {
    text += ": " + why;
  }
  text += "\n";
  if (options.render) {
    text += Indent(options.render(fetched.trace), "    ");
  }
  return text;
}

Result<std::vector<std::string>> Scope(XrayQueryClient& client, const std::string& filter,
                                       TraceSet& traces, const AssertionOptions& options) {
  if (filter.empty()) {
    return traces.ids;
  }
  XRAYD_TRY_ASSIGN(auto matched, client.FindTraceIds(filter, options.window, options.max_traces));
  std::vector<std::string> known;
  for (const std::string& id : matched) {
    if (traces.by_id.contains(id)) {
      known.push_back(id);
    }
  }
  return known;
}

// Traces that do not match `filter`, closest first: most of its top-level AND terms satisfied.
std::string ClosestTraces(TraceSet& traces, const std::string& filter,
                          const std::set<std::string>& matched, const AssertionOptions& options) {
  auto parsed = query::ParseFilter(filter);
  if (!parsed) {
    return "";
  }
  std::vector<query::FilterTerm> terms = query::SplitTopLevelTerms(std::move(*parsed));
  struct Candidate {
    std::string id{};
    std::size_t satisfied = 0;
    std::vector<std::string> failed_terms{};
  };
  std::vector<Candidate> candidates;
  for (const std::string& id : traces.ids) {
    if (matched.contains(id)) {
      continue;
    }
    Candidate candidate{.id = id};
    for (const query::FilterTerm& term : terms) {
      if (query::MatchesFilter(term.expr, traces.Model(id))) {
        ++candidate.satisfied;
      } else {
        candidate.failed_terms.push_back(term.text);
      }
    }
    candidates.push_back(std::move(candidate));
  }
  std::stable_sort(
      candidates.begin(), candidates.end(),
      [](const Candidate& a, const Candidate& b) { return a.satisfied > b.satisfied; });
  if (candidates.empty()) {
    return "";
  }
  std::string text = "closest traces:\n";
  for (std::size_t i = 0; i < candidates.size() && i < options.examples; ++i) {
    const Candidate& c = candidates[i];
    std::string why = "matches " + std::to_string(c.satisfied) + " of " +
                      std::to_string(terms.size()) + " terms; not: ";
    for (std::size_t t = 0; t < c.failed_terms.size(); ++t) {
      why += (t == 0 ? "" : ", ") + c.failed_terms[t];
    }
    text += Example(traces, c.id, why, options);
  }
  return text;
}

Result<AssertionOutcome> CheckCount(XrayQueryClient& client, const Assertion& assertion,
                                    TraceSet& traces, const AssertionOptions& options) {
  AssertionOutcome outcome;
  outcome.expected = "traces matching " +
                     (assertion.filter.empty() ? std::string("anything") : assertion.filter) +
                     ": " + assertion.bound.ToString();
  std::vector<std::string> matched;
  if (assertion.filter.empty()) {
    matched = traces.ids;
  } else {
    auto found = client.FindTraceIds(assertion.filter, options.window, options.max_traces);
    if (!found && found.error().code == ErrorCode::kInvalidArgument) {
      outcome.found = "an invalid filter";
      outcome.details = found.error().message + "\n";
      return outcome;
    }
    XRAYD_TRY(found);
    matched = std::move(*found);
  }
  outcome.found = std::to_string(matched.size()) + (matched.size() == 1 ? " trace" : " traces");
  outcome.passed = assertion.bound.Accepts(matched.size());
  if (outcome.passed) {
    return outcome;
  }
  const query::CountBound::Op op = assertion.bound.op;
  const bool too_few = op == query::CountBound::Op::kGe || op == query::CountBound::Op::kGt ||
                       (op == query::CountBound::Op::kEq && matched.size() < assertion.bound.count);
  if (too_few) {
    outcome.details =
        traces.ids.empty()
            ? "no traces at all in the window\n"
            : ClosestTraces(traces, assertion.filter,
                            std::set<std::string>(matched.begin(), matched.end()), options);
    return outcome;
  }
  outcome.details = "matching traces:\n";
  for (std::size_t i = 0; i < matched.size() && i < options.examples; ++i) {
    if (traces.by_id.contains(matched[i])) {
      outcome.details += Example(traces, matched[i], "", options);
    }
  }
  return outcome;
}

// Why `id` fails a per-trace check, or "" when it passes.
std::string PerTraceFailure(const Assertion& assertion, const FetchedTrace& fetched) {
  switch (assertion.kind) {
    case Assertion::Kind::kSubsegment:
      return query::HasNodeNamed(fetched.documents, assertion.name)
                 ? ""
                 : "no segment or subsegment named " + Quote(assertion.name);
    case Assertion::Kind::kAnnotation: {
      if (query::HasAnnotation(fetched.documents, assertion.name, assertion.value)) {
        return "";
      }
      std::vector<std::string> values = query::AnnotationValues(fetched.documents, assertion.name);
      if (values.empty()) {
        return "no annotation " + assertion.name;
      }
      std::string text = "annotation " + assertion.name + " is ";
      for (std::size_t i = 0; i < values.size(); ++i) {
        text += (i == 0 ? "" : ", ") + values[i];
      }
      return text;
    }
    case Assertion::Kind::kMaxDuration: {
      const double duration = fetched.trace.value("Duration", 0.0);
      return duration <= assertion.max_duration_seconds ? "" : "lasted " + FormatSeconds(duration);
    }
    case Assertion::Kind::kCount:
      break;
  }
  return "";
}

Result<AssertionOutcome> CheckEachTrace(XrayQueryClient& client, const Assertion& assertion,
                                        TraceSet& traces, const AssertionOptions& options) {
  AssertionOutcome outcome;
  outcome.expected = assertion.Title();
  auto scope = Scope(client, assertion.filter, traces, options);
  if (!scope && scope.error().code == ErrorCode::kInvalidArgument) {
    outcome.found = "an invalid filter";
    outcome.details = scope.error().message + "\n";
    return outcome;
  }
  XRAYD_TRY(scope);
  if (scope->empty()) {
    outcome.found = "no trace to check";
    outcome.details = assertion.filter.empty() ? "no traces at all in the window\n"
                                               : "no trace matches " + assertion.filter + "\n";
    return outcome;
  }
  std::vector<std::pair<std::string, std::string>> failures;
  for (const std::string& id : *scope) {
    std::string why = PerTraceFailure(assertion, traces.by_id.at(id));
    if (!why.empty()) {
      failures.emplace_back(id, std::move(why));
    }
  }
  outcome.passed = failures.empty();
  outcome.found = outcome.passed ? "all " + std::to_string(scope->size()) + " pass"
                                 : std::to_string(failures.size()) + " of " +
                                       std::to_string(scope->size()) + " traces fail";
  for (std::size_t i = 0; i < failures.size() && i < options.examples; ++i) {
    outcome.details += Example(traces, failures[i].first, failures[i].second, options);
  }
  return outcome;
}

Result<std::string> NextValue(const std::vector<std::string>& args, std::size_t i) {
  if (i + 1 >= args.size()) {
    return MakeError(ErrorCode::kInvalidArgument, args[i] + " needs a value");
  }
  return args[i + 1];
}

}  // namespace

std::string Assertion::Title() const {
  switch (kind) {
    case Kind::kCount:
      return "count(" + (filter.empty() ? std::string("all traces") : filter) + ") " +
             bound.ToString();
    case Kind::kSubsegment:
      return ScopeText(filter) + " has a subsegment named " + Quote(name);
    case Kind::kAnnotation:
      return ScopeText(filter) + " has annotation " + name + (value ? " = " + Quote(*value) : "");
    case Kind::kMaxDuration:
      return ScopeText(filter) + " lasts at most " + FormatSeconds(max_duration_seconds);
  }
  return "";
}

Result<bool> AssertionFlags::Parse(const std::vector<std::string>& args, std::size_t& i) {
  const std::string& flag = args[i];
  static const std::set<std::string> kFlags = {"--expect",     "--none",       "--where",
                                               "--subsegment", "--annotation", "--max-duration"};
  if (!kFlags.contains(flag)) {
    return false;
  }
  XRAYD_TRY_ASSIGN(auto value, NextValue(args, i));
  Assertion assertion;
  assertion.filter = scope_;
  std::size_t consumed = 2;
  if (flag == "--where") {
    scope_ = value;
    i += consumed;
    return true;
  }
  if (flag == "--expect" || flag == "--none") {
    assertion.kind = Assertion::Kind::kCount;
    assertion.filter = value;
    if (flag == "--none") {
      assertion.bound = {.op = query::CountBound::Op::kEq, .count = 0};
    } else if (i + 2 < args.size() && query::LooksLikeCountBound(args[i + 2])) {
      XRAYD_TRY_ASSIGN(auto bound, query::ParseCountBound(args[i + 2]));
      assertion.bound = bound;
      consumed = 3;
    }
  } else if (flag == "--subsegment") {
    assertion.kind = Assertion::Kind::kSubsegment;
    assertion.name = value;
  } else if (flag == "--annotation") {
    assertion.kind = Assertion::Kind::kAnnotation;
    const std::size_t eq = value.find('=');
    assertion.name = value.substr(0, eq);
    if (eq != std::string::npos) {
      assertion.value = value.substr(eq + 1);
    }
    if (assertion.name.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "--annotation: expected KEY or KEY=VALUE");
    }
  } else {
    assertion.kind = Assertion::Kind::kMaxDuration;
    auto seconds = proto::ParseDurationSeconds(value);
    if (!seconds) {
      return MakeError(ErrorCode::kInvalidArgument, "--max-duration: " + seconds.error().message);
    }
    assertion.max_duration_seconds = *seconds;
  }
  assertions_.push_back(std::move(assertion));
  i += consumed;
  return true;
}

void AssertionFlags::AddTo(CLI::App& app) {
  struct Flag {
    const char* name;
    int max_values;
    const char* type;
    const char* help;
  };
  static constexpr Flag kFlags[] = {
      {"--expect", 2, "FILTER [COUNT]",
       "traces matching FILTER; COUNT '>=1' (default), '=2', '0', '<3'"},
      {"--none", 1, "FILTER", "no trace matches FILTER"},
      {"--where", 1, "FILTER", "scope of the per-trace checks that follow ('' = every trace)"},
      {"--subsegment", 1, "NAME", "each trace in scope has a segment or subsegment named NAME"},
      {"--annotation", 1, "KEY[=VALUE]",
       "each trace in scope has annotation KEY (with that value)"},
      {"--max-duration", 1, "D", "each trace in scope lasts at most D (250ms, 2s, 1m)"},
  };
  for (const Flag& flag : kFlags) {
    const std::string name = flag.name;
    app.add_option(
           name,
           [this, name](const CLI::results_t& values) {
             std::vector<std::string> args{name};
             args.insert(args.end(), values.begin(), values.end());
             std::size_t i = 0;
             auto taken = Parse(args, i);
             if (!taken) {
               throw CLI::ValidationError(taken.error().message);
             }
             if (i != args.size()) {
               throw CLI::ValidationError(
                   name, "expected a count such as >=1, =2, 0 or <3, got '" + args.back() + "'");
             }
             return true;
           },
           flag.help)
        ->expected(1, flag.max_values)
        ->type_name(flag.type)
        ->trigger_on_parse()
        ->group("Assertions (checked in order)");
  }
}

Result<AssertionRun> RunAssertions(XrayQueryClient& client,
                                   const std::vector<Assertion>& assertions,
                                   const AssertionOptions& options) {
  TraceSet traces;
  auto ids = client.FindTraceIds("", options.window, options.max_traces);
  if (!ids && ids.error().code == ErrorCode::kResourceExhausted) {
    return MakeError(ErrorCode::kResourceExhausted,
                     ids.error().message + ": narrow the window (--since) or raise --max-traces");
  }
  XRAYD_TRY(ids);
  XRAYD_TRY_ASSIGN(auto fetched, client.GetTraces(*ids));
  for (nlohmann::json& trace : fetched) {
    const std::string id = trace.value("Id", "");
    FetchedTrace entry;
    entry.documents = TraceDocuments(trace);
    entry.trace = std::move(trace);
    traces.ids.push_back(id);
    traces.by_id.emplace(id, std::move(entry));
  }
  AssertionRun run;
  run.traces_seen = traces.ids.size();
  for (const Assertion& assertion : assertions) {
    auto outcome = assertion.kind == Assertion::Kind::kCount
                       ? CheckCount(client, assertion, traces, options)
                       : CheckEachTrace(client, assertion, traces, options);
    XRAYD_TRY(outcome);
    outcome->title = assertion.Title();
    if (!outcome->passed) {
      ++run.failed;
    }
    run.outcomes.push_back(std::move(*outcome));
  }
  for (const std::string& id : traces.ids) {
    run.traces.push_back(std::move(traces.by_id.at(id).trace));
  }
  return run;
}

}  // namespace xrayd::daemon
