#pragma once
// Test fixtures for the filter language: 27 small traces of realistic segment documents and the
// exact match set of every example expression of docs/filter-language.md#examples over them. Shared
// by the evaluator tests and by storage-backed search tests (ingest FilterFixtureTraces(), search
// each example, compare with FilterExamples()). Immutable data built on first use; safe from any
// thread.
//
// Groups: besides "Default" (every trace, not listed in FixtureTrace::groups), one group exists,
// "high_response_time" with filter `responsetime > 5`, created before any fixture arrived; its
// members are listed in FixtureTrace::groups. "no-such-group" does not exist (example #60).

#include <string>
#include <vector>

#include "query/trace_model.h"
#include "storage/trace_store.h"

namespace xrayd::testing {

inline constexpr char kHighResponseTimeGroup[] = "high_response_time";
inline constexpr char kHighResponseTimeFilter[] = "responsetime > 5";

struct FixtureTrace {
  std::string trace_id;
  std::vector<std::string> documents;  // Raw segment JSON, as sent by SDKs (valid per FORMAT.md).
  std::vector<std::string> groups;     // Group names it is a member of (Default not listed).
  std::string description;             // What the trace is for, in one line.
};

// Trace ids ascend with their position; every document carries its trace's trace_id. Times are
// epoch seconds around 1700000000 (trace N starts at 1700000000 + 1000 * N).
const std::vector<FixtureTrace>& FilterFixtureTraces();

struct FilterExample {
  int number;                        // docs/filter-language.md#examples row.
  std::string expression;            // Exactly as in the spec ("" for #52).
  bool rejected;                     // ERR rows; #60 parses and is rejected by group lookup.
  std::vector<std::string> matches;  // Trace ids, ascending; empty when rejected.
  std::string error_token;           // Rejected rows: the token the error message names.
};

// All 61 examples of docs/filter-language.md#examples, in order.
const std::vector<FilterExample>& FilterExamples();

// The documents of `trace` decoded by proto::DocumentDecoder, as the store returns them
// (received_at = start of the trace). Fails the calling test (ADD_FAILURE) on a rejected document.
std::vector<storage::StoredDocument> FixtureStoredDocuments(const FixtureTrace& trace);

// BuildTraceModel over FixtureStoredDocuments(trace).
query::TraceModel BuildFixtureModel(const FixtureTrace& trace);

// The fixture trace whose id ends with the two digits `number` (1-based), e.g. FixtureTrace(15).
const FixtureTrace& FixtureTraceNumber(int number);

}  // namespace xrayd::testing
