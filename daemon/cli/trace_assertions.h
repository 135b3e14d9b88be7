#pragma once
// Assertions over captured traces, shared by `xrayd assert` and `xrayd capture`:
// parsed from command-line flags, checked against any X-Ray API endpoint (a running xrayd, or the
// private one capture starts), each giving a readable outcome.
//
// Flags (in order; per-trace checks apply to the traces of the latest --where, or all):
//   --expect FILTER [COUNT]   traces matching FILTER, COUNT defaults to '>=1' (see CountBound)
//   --none FILTER             no trace matches FILTER (same as --expect FILTER 0)
//   --where FILTER            scope of the per-trace checks that follow ('' = every trace)
//   --subsegment NAME         every trace in scope has a segment or subsegment named NAME
//   --annotation KEY[=VALUE]  every trace in scope has annotation KEY (with that value)
//   --max-duration D          every trace in scope lasts at most D (e.g. 250ms, 2s)
// A per-trace check over an empty scope fails: a check that saw nothing proves nothing.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/cli/xray_query_client.h"
#include "proto/result.h"
#include "query/trace_checks.h"

#include <CLI/CLI.hpp>

namespace xrayd::daemon {

struct Assertion {
  enum class Kind { kCount, kSubsegment, kAnnotation, kMaxDuration };
  Kind kind = Kind::kCount;
  std::string filter;       // kCount: what is counted; the others: their scope ("" = every trace).
  query::CountBound bound;  // kCount.
  std::string name;         // kSubsegment: node name; kAnnotation: key.
  std::optional<std::string> value;  // kAnnotation: expected value, if any.
  double max_duration_seconds = 0;   // kMaxDuration.
  // One line naming the check, used as the JUnit test case name.
  [[nodiscard]] std::string Title() const;
};

// Parses the flags above, keeping the --where scope between calls.
class AssertionFlags {
 public:
  // Returns true and advances `i` past the flag and its values when args[i] is an assertion flag;
  // false (i unchanged) when it is not. kInvalidArgument for a missing or bad value.
  [[nodiscard]] Result<bool> Parse(const std::vector<std::string>& args, std::size_t& i);
  // Adds the flags to `app`, each parsed (by Parse) as it is met, so their order is kept. A bad
  // value fails the parse with CLI::ValidationError. `*this` must outlive `app`'s parse.
  void AddTo(CLI::App& app);
  [[nodiscard]] const std::vector<Assertion>& assertions() const { return assertions_; }

 private:
  std::string scope_;
  std::vector<Assertion> assertions_;
};

struct AssertionOutcome {
  std::string title;
  bool passed = false;
  std::string expected;  // "traces matching ... >= 1"
  std::string found;     // "0 traces"
  std::string details;   // Why, and the closest or offending traces drawn as timelines.
};

struct AssertionRun {
  std::vector<AssertionOutcome> outcomes;
  std::vector<nlohmann::json> traces;  // Every trace of the window (BatchGetTraces Trace objects).
  std::size_t traces_seen = 0;         // Traces in the window.
  std::size_t failed = 0;
};

struct AssertionOptions {
  TraceWindow window;
  std::size_t max_traces = 10000;  // More traces in the window: an error (narrow the window).
  std::size_t examples = 3;        // Traces shown per failed assertion.
  // Draws one BatchGetTraces Trace object for a person (a timeline); null: one summary line only.
  std::function<std::string(const nlohmann::json& trace)> render;
};

// Fetches every trace of the window once, then checks each assertion (filters are evaluated by
// the server, as GetTraceSummaries). An invalid filter fails its assertion with the server's
// message. Errors: transport failures, or too many traces.
[[nodiscard]] Result<AssertionRun> RunAssertions(XrayQueryClient& client,
                                                 const std::vector<Assertion>& assertions,
                                                 const AssertionOptions& options);

}  // namespace xrayd::daemon
