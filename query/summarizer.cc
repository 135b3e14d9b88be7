#include "query/summarizer.h"

#include <utility>
#include <vector>

#include "query/trace_summary_row.h"

namespace xrayd::query {

Result<std::size_t> SummarizeStaleTraces(storage::TraceStore& store, double quiet_before,
                                         std::size_t limit, const SummarizedHook& hook) {
  // Reads in one snapshot: the revisions listed are those of the documents read.
  if (Status s = store.BeginSnapshot(); !s) {
    return tl::unexpected(s.error());
  }
  struct EndSnapshot {
    storage::TraceStore& store;
    ~EndSnapshot() { store.EndSnapshot(); }
  };
  std::vector<storage::TraceStore::SummaryUpdate> updates;
  {
    EndSnapshot end_snapshot{store};
    auto stale = store.StaleTraces(quiet_before, limit);
    if (!stale) {
      return tl::unexpected(stale.error());
    }
    updates.reserve(stale->size());
    for (const storage::StaleTrace& trace : *stale) {
      // If more documents arrive before PutSummaries, the stored summary_revision (this older one)
      // keeps the trace stale and a later round redoes it.
      auto docs = store.GetDocuments(trace.trace_id);
      if (!docs) {
        return tl::unexpected(docs.error());
      }
      TraceModel model = BuildTraceModel(trace.trace_id, *docs);
      if (hook) {
        hook(model, trace.first_received, trace.never_summarized);
      }
      updates.push_back(storage::TraceStore::SummaryUpdate{.trace_id = trace.trace_id,
                                                           .revision = trace.revision,
                                                           .row = SummaryRowFromModel(model)});
    }
  }
  if (updates.empty()) {
    return std::size_t{0};
  }
  if (Status s = store.PutSummaries(updates); !s) {
    return tl::unexpected(s.error());
  }
  return updates.size();
}

}  // namespace xrayd::query
