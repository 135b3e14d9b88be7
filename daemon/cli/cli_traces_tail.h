#pragma once
// `xrayd traces tail`: follows the trace store (a read-only connection, safe while the daemon
// writes) and prints each trace once, when it completes. Also the terminal helpers shared with
// `xrayd traces show`. Everything here runs on the calling thread.

#include <chrono>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config.h"
#include "proto/clock.h"
#include "proto/result.h"
#include "query/trace_timeline.h"
#include "storage/trace_store.h"

namespace xrayd::daemon {

// --color WHEN: "always" -> true, "never" -> false, "auto" -> `is_tty` and NO_COLOR unset or empty
// and TERM is not "dumb". kInvalidArgument for any other word.
[[nodiscard]] Result<bool> ResolveColor(std::string_view when, bool is_tty, const Environment& env);

// The timeline (query/trace_timeline.h) of stored documents; unparsable ones count as unreadable.
[[nodiscard]] std::string RenderStoredTimeline(std::span<const storage::StoredDocument> docs,
                                               const query::TimelineOptions& options);

// A trace is complete when none of its documents is in progress and nothing was written to it for
// `quiet_seconds` (the summary worker's rule, daemon/summary_worker.h).
struct TailOptions {
  std::string data_dir;
  std::optional<std::string> filter;  // Only traces matching it (docs/filter-language.md).
  double quiet_seconds = 1.0;
  std::optional<double> since_seconds;  // Also traces first received this long before the start.
  std::size_t count = 0;                // Stop after this many traces; 0 = no limit.
  bool show = false;                    // Print the timeline instead of one line.
  query::TimelineOptions timeline;      // Colour, widths.
  std::chrono::milliseconds poll_interval{250};  // Waited in real time between polls.
  // "Now" of each poll (wall time). Never null; must outlive the call.
  const proto::Clock* clock = &proto::SystemClock::Instance();
};

// One completed trace, as the tail found it.
struct CompletedTrace {
  storage::TraceInfo info;
  std::vector<storage::StoredDocument> docs;
  double first_received = 0;  // Epoch seconds of the first document's arrival.
};

// The completion tracking of `traces tail`, apart from printing and sleeping. Each trace is
// returned once. Traces first received before `first_received_from` are never returned.
// [local] A trace already returned is forgotten after kForgetSeconds without writes (and one still
// in progress is no longer watched after as long): a document arriving even later makes it new.
class TraceTail {
 public:
  static constexpr double kForgetSeconds = 600;
  // Writes committed this long after their updated_at time are still seen (writer batching).
  static constexpr double kOverlapSeconds = 5;
  static constexpr std::size_t kListLimit = 100000;

  // `store` must outlive this object.
  TraceTail(storage::TraceStore& store, double first_received_from, double quiet_seconds);

  // Reads what changed since the last poll; returns the traces complete at `now` (epoch seconds),
  // in completion order (last write, then trace id). Store errors as they come.
  [[nodiscard]] Result<std::vector<CompletedTrace>> Poll(double now);

  // True if the last Poll saw kListLimit recently updated traces (some may have been missed).
  bool Truncated() const { return truncated_; }

 private:
  storage::TraceStore& store_;
  const double from_;
  const double quiet_;
  double list_since_;
  bool truncated_ = false;
  std::map<std::string, storage::TraceInfo> pending_;  // Seen, not yet complete.
  std::map<std::string, double> done_;                 // Returned or skipped -> last updated_at.
};

// Runs the tail until `stop()` returns true (checked between polls), `options.count` traces were
// printed, or an error. Lines (or timelines) go to `out`, flushed each; a start line and errors to
// `err`. Returns 0 when stopped or done, 2 on a bad filter, a missing store or a store error.
int RunTracesTail(const TailOptions& options, const Environment& env,
                  const std::function<bool()>& stop, std::ostream& out, std::ostream& err);

// RunTracesTail that stops on SIGINT or SIGTERM (handlers installed for the duration of the call).
int RunTracesTailUntilSignal(const TailOptions& options, const Environment& env, std::ostream& out,
                             std::ostream& err);

}  // namespace xrayd::daemon
