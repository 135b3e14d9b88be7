#pragma once
// Keeps trace summaries (storage "Summaries", schema.h) up to date: finds traces whose documents
// changed and have been quiet for a while, builds their TraceModel and stores the summary row.
// Summaries only make search faster: a stale trace is still found (search evaluates it in C++).

#include <cstddef>
#include <functional>

#include "proto/result.h"
#include "query/trace_model.h"
#include "storage/trace_store.h"

namespace xrayd::query {

// Called for each trace summarized, with its model, first-received time and whether it is the
// trace's first summary (e.g. to count new traces per group once).
using SummarizedHook =
    std::function<void(const TraceModel& model, double first_received, bool first_summary)>;

// One round on `store` (a read-write connection): summarizes up to `limit` stale traces that
// received nothing since `quiet_before` (epoch seconds), in one transaction. Returns how many.
[[nodiscard]] Result<std::size_t> SummarizeStaleTraces(storage::TraceStore& store,
                                                       double quiet_before, std::size_t limit,
                                                       const SummarizedHook& hook = {});

}  // namespace xrayd::query
