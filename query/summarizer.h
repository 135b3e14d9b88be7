#pragma once
// Keeps trace summaries (storage "Summaries", schema.h) up to date: finds traces whose documents
// changed and have been quiet for a while, builds their TraceModel and stores the summary row.
// Summaries only make search faster: a stale trace is still found (search evaluates it in C++).
// A new trace whose documents all arrive in one write batch is summarized by the storage writer
// itself (storage::TraceStore::SetNewTraceSummarizer, query/trace_summary_row.h), and so is a trace
// that gains documents while the writer keeps its documents' facts: neither is stale.

#include <cstddef>
#include <functional>
#include <span>

#include "proto/document.h"
#include "proto/result.h"
#include "query/trace_model.h"
#include "storage/trace_store.h"

namespace xrayd::query {

// The model of one summarized trace, built on the first call (that may parse its documents), the
// same object on later calls. Valid during the listener call it is passed to.
using ModelSource = std::function<const TraceModel&()>;

// Told about summaries on the thread that wrote them: the summary worker, and the storage writer
// for new traces. Either member may be empty; both must be safe to call from two threads.
struct SummaryListener {
  // One trace summarized: its model (ask only when needed), first-received time (epoch seconds)
  // and whether this is the trace's first summary (e.g. to count new traces per group once).
  std::function<void(const ModelSource& model, double first_received, bool first_summary)>
      on_trace = nullptr;
  // After the traces of one worker round or one writer commit.
  std::function<void()> on_round_end = nullptr;
};

// One round on `store` (a read-write connection): summarizes up to `limit` stale traces that
// received nothing since `quiet_before` (epoch seconds), in one transaction. Returns how many.
[[nodiscard]] Result<std::size_t> SummarizeStaleTraces(storage::TraceStore& store,
                                                       double quiet_before, std::size_t limit,
                                                       const SummaryListener& listener = {});

// The JSON text of a document PutDocuments stored (storage::TraceStore::DocumentJson).
using DocumentJsonOf = std::function<Result<std::string>(const proto::Document&)>;
// A trace's stored documents (storage::TraceStore::GetDocuments).
using StoredDocumentsOf =
    std::function<Result<std::vector<storage::StoredDocument>>(const std::string& trace_id)>;

// Tells `listener` about the summaries one PutDocuments call wrote: the new traces' (storage::
// PutStats::summarized, with indexes into `docs`), each its trace's first summary, received at
// `received_at`, then those of traces stored before (PutStats::updated_summaries). A new trace's
// model, when the listener asks for it, is built from its documents' `json_of` (a document whose
// text does not decode is left out); an older trace's from `documents_of` (none when that fails).
void ReportIngestSummaries(std::span<const proto::Document> docs, const storage::PutStats& stats,
                           double received_at, const SummaryListener& listener,
                           const DocumentJsonOf& json_of, const StoredDocumentsOf& documents_of);

}  // namespace xrayd::query
