#include "query/summarizer.h"

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "query/trace_summary_row.h"

namespace xrayd::query {

Result<std::size_t> SummarizeStaleTraces(storage::TraceStore& store, double quiet_before,
                                         std::size_t limit, const SummaryListener& listener) {
  // Reads in one snapshot: the revisions listed are those of the documents read.
  XRAYD_TRY(store.BeginSnapshot());
  struct EndSnapshot {
    storage::TraceStore& store;
    ~EndSnapshot() { store.EndSnapshot(); }
  };
  std::vector<storage::TraceStore::SummaryUpdate> updates;
  {
    EndSnapshot end_snapshot{store};
    XRAYD_TRY_ASSIGN(auto stale, store.StaleTraces(quiet_before, limit));
    updates.reserve(stale.size());
    for (const storage::StaleTrace& trace : stale) {
      // If more documents arrive before PutSummaries, the stored summary_revision (this older one)
      // keeps the trace stale and a later round redoes it.
      XRAYD_TRY_ASSIGN(auto docs, store.GetDocuments(trace.trace_id));
      const TraceModel model = BuildTraceModel(trace.trace_id, docs);
      if (listener.on_trace) {
        listener.on_trace([&model]() -> const TraceModel& { return model; }, trace.first_received,
                          trace.never_summarized);
      }
      updates.push_back(storage::TraceStore::SummaryUpdate{.trace_id = trace.trace_id,
                                                           .revision = trace.revision,
                                                           .row = SummaryRowFromModel(model)});
    }
  }
  if (updates.empty()) {
    return std::size_t{0};
  }
  XRAYD_TRY(store.PutSummaries(updates));
  if (listener.on_round_end) {
    listener.on_round_end();
  }
  return updates.size();
}

void ReportIngestSummaries(std::span<const proto::Document> docs, const storage::PutStats& stats,
                           double received_at, const SummaryListener& listener,
                           const DocumentJsonOf& json_of, const StoredDocumentsOf& documents_of) {
  if (stats.summarized.empty() && stats.updated_summaries.empty()) {
    return;
  }
  std::size_t begin = 0;
  for (const std::size_t end : stats.summarized) {
    const std::span<const std::size_t> indexes =
        std::span(stats.summarized_documents).subspan(begin, end - begin);
    begin = end;
    std::optional<TraceModel> model;
    // Called through std::ref: a std::function of a reference wrapper allocates nothing.
    const auto build = [&]() -> const TraceModel& {
      if (!model) {
        std::vector<storage::StoredDocument> stored;
        stored.reserve(indexes.size());
        for (const std::size_t index : indexes) {
          storage::StoredDocument doc = storage::StoredDocumentOf(docs[index], received_at);
          if (doc.raw.empty()) {
            Result<std::string> json = json_of(docs[index]);
            if (!json) {
              continue;
            }
            doc.raw = std::move(*json);
          }
          stored.push_back(std::move(doc));
        }
        model = BuildTraceModel(docs[indexes.front()].trace_id, stored);
      }
      return *model;
    };
    if (listener.on_trace) {
      listener.on_trace(ModelSource(std::ref(build)), received_at, /*first_summary=*/true);
    }
  }
  for (const storage::PutStats::UpdatedSummary& updated : stats.updated_summaries) {
    std::optional<TraceModel> model;
    const auto build = [&]() -> const TraceModel& {
      if (!model) {
        Result<std::vector<storage::StoredDocument>> stored = documents_of(updated.trace_id);
        model = BuildTraceModel(updated.trace_id,
                                stored ? *stored : std::vector<storage::StoredDocument>{});
      }
      return *model;
    };
    if (listener.on_trace) {
      listener.on_trace(ModelSource(std::ref(build)), updated.first_received,
                        updated.first_summary);
    }
  }
  if (listener.on_round_end) {
    listener.on_round_end();
  }
}

}  // namespace xrayd::query
