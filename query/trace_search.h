#pragma once
// Trace search (docs/filter-language.md#how-search-evaluates-filters, GetTraceSummaries): a time
// range plus a filter gives the matching traces, newest first, a page at a time. Phase 1 runs the
// SQL superset of query/filter_sql.h in the store (bound parameters only); phase 2 evaluates the
// whole filter in C++ over each candidate's TraceModel, unless the SQL was exact for that
// candidate's fresh summary. Thread-compatible: one call per TraceStore connection at a time.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "proto/result.h"
#include "query/filter_ast.h"
#include "query/filter_groups.h"
#include "query/trace_model.h"
#include "storage/trace_store.h"

namespace xrayd::query {

// X-Ray's TimeRangeType: TraceId = the time in the trace id is in [start, end); Event (and
// [local] Service) = the trace overlaps [start, end) (traces that started more than a day before
// `start` are not considered).
enum class TimeRangeType { kTraceId, kEvent, kService };

inline constexpr std::size_t kDefaultScanWindow = 2048;

struct SearchRequest {
  const FilterExpr* filter = nullptr;  // Null or empty: every trace.
  TimeRangeType time_range_type = TimeRangeType::kEvent;
  double start = 0;  // Inclusive, epoch seconds.
  double end = 0;
  std::size_t page_size = 100;
  std::string next_token;  // From a previous page; empty for the first.
  // Canonical text of the request's other parameters: a token only resumes the same search.
  std::string token_scope;
  // [local] Sampling FixedRate (docs/api.md#gettracesummaries): keep a match iff fnv1a64(id) / 2^64
  // < rate.
  double sample_rate = 1;
  GroupLookup groups;       // For group.name / group.arn terms.
  bool with_models = true;  // Return each match's TraceModel (GetTraceSummaries needs them).
  // [local] Candidates evaluated per call: a filter that matches little over a large range
  // returns a short (even empty) page with a NextToken instead of holding the caller.
  std::size_t max_examined = 200000;
  // [local] Time budget per call, zero for none: once `time_budget` has passed since the call
  // began, the page ends early with a NextToken at the next check (after `budget_after_examined`
  // candidates, each candidate; and at the end of each scan window), so a long scan yields the CPU
  // between pages instead of holding it. Small searches (fewer candidates than that, and fewer
  // traces than one scan window) always run to the end.
  std::chrono::steady_clock::duration time_budget{};
  std::size_t budget_after_examined = 1000;
  // Asked every kCancelCheckInterval candidates, and after every scan window, when set: true ends
  // the search at once (the page is marked cancelled), e.g. when the client that asked has gone
  // away.
  std::function<bool()> cancelled;
  // [local] Traces of the range read per store query, candidates or not. After each window that
  // did not end the page, the time budget and `cancelled` are checked again: a filter whose SQL
  // rejects nearly every trace of a large range still ends its page within about the budget (with
  // a NextToken), instead of scanning the whole range in one statement.
  std::size_t scan_window = kDefaultScanWindow;
  // [local] A filter that is, or has as a top-level AND term, `annotation.k = literal` reads the
  // traces with that annotation from the index instead of the range when at most this many
  // annotation rows match it (storage::CandidateQuery::annotation_term).
  std::int64_t max_annotation_hits = storage::kMaxAnnotationHits;
};

inline constexpr std::size_t kCancelCheckInterval = 64;

struct SearchMatch {
  storage::TraceInfo info;
  std::optional<TraceModel> model;  // Set when with_models (or when evaluation needed it).
  double first_received = 0;
};

struct SearchPage {
  std::vector<SearchMatch> matches;  // Newest first.
  std::string next_token;            // Empty when there is nothing further.
  std::uint64_t examined = 0;        // Candidates looked at.
  std::uint64_t scanned = 0;         // Traces of the range read (TracesProcessedCount).
  std::uint64_t evaluated = 0;       // Of which evaluated in C++ (had to build a TraceModel).
  bool cancelled = false;            // SearchRequest::cancelled ended it.
};

// kInvalidArgument for an unreadable next_token or start > end; store errors as they come.
[[nodiscard]] Result<SearchPage> SearchTraces(storage::TraceStore& store,
                                              const SearchRequest& request);

// kInvalidArgument naming the first group.name/group.arn term (and its column) that `groups` does
// not know. "Default" always exists.
[[nodiscard]] Status CheckFilterGroups(const FilterExpr& filter, const GroupLookup& groups);

// Group membership rule of docs/groups.md#membership (see query/filter_groups.h) for a trace first
// received at `first_received`.
[[nodiscard]] bool IsGroupMember(const GroupDefinition& group, const TraceModel& model,
                                 double first_received, const GroupLookup& groups);

}  // namespace xrayd::query
