// libFuzzer target for one-pass summaries: splits the input at ASCII record separators (0x1e) into
// document bodies, decodes each (as PutTraceSegments and the UDP path do), and checks that the
// summary row from the ingest parse (query::NewTraceSummaryRow) equals the row the trace model
// gives for the stored documents: for each document alone, and for all of them as one trace (the
// first document of each id, as the store keeps one per id). Then the documents of the first one's
// trace go through a store one batch each, the writer summarizing from the facts it keeps: when
// the trace ends with a fresh summary, its columns must be the model's row of what the store kept,
// and each of the row's values must be indexed for it. A difference aborts.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "proto/document_decoder.h"
#include "query/trace_model.h"
#include "query/trace_summary_row.h"
#include "storage/trace_store.h"
#include "tests/support/new_trace_summary_check.h"

namespace {

namespace query = xrayd::query;
namespace storage = xrayd::storage;

void Check(const std::string& mismatch) {
  if (!mismatch.empty()) {
    std::fprintf(stderr, "summary mismatch\n%s\n", mismatch.c_str());
    std::abort();
  }
}

storage::SqlValue Nullable(const std::optional<std::string>& value) {
  return value ? storage::SqlValue(*value) : storage::SqlValue();
}

storage::SqlValue Nullable(const std::optional<double>& value) {
  return value ? storage::SqlValue(*value) : storage::SqlValue();
}

void CheckKeptFactsSummary(const std::vector<xrayd::proto::Document>& docs) {
  std::vector<const xrayd::proto::Document*> trace;
  for (const xrayd::proto::Document& doc : docs) {
    if (doc.trace_id == docs.front().trace_id) {
      trace.push_back(&doc);
    }
  }
  if (trace.size() < 2) {
    return;
  }
  auto store = storage::TraceStore::Open(":memory:", storage::OpenMode::kReadWrite);
  if (!store) {
    std::abort();
  }
  (*store)->SetNewTraceSummarizer(query::TraceSummaryRowOf);
  double at = 10;
  for (const xrayd::proto::Document* doc : trace) {
    if (!(*store)->PutDocuments(std::span(doc, 1), at++)) {
      return;  // Refused (a key the store cannot hold): nothing to compare.
    }
  }
  auto stale = (*store)->StaleTraces(1e12, 10);
  if (!stale || !stale->empty()) {
    return;  // Left to the summary worker.
  }
  const std::string& trace_id = trace.front()->trace_id;
  auto stored = (*store)->GetDocuments(trace_id);
  if (!stored) {
    std::abort();
  }
  const storage::TraceSummaryRow model =
      query::SummaryRowFromModel(query::BuildTraceModel(trace_id, *stored));
  storage::CandidateQuery exact;
  exact.time_key = storage::CandidateQuery::TimeKey::kTraceId;
  exact.end = 1e11;
  exact.predicate =
      "t.response_time IS ? AND t.duration IS ? AND t.flags IS ? AND t.http_status IS ? AND "
      "t.http_url IS ? AND t.http_method IS ? AND t.http_useragent IS ? AND t.http_clientip IS ?";
  exact.params = {Nullable(model.response_time),
                  Nullable(model.duration),
                  storage::SqlValue(model.flags),
                  model.http_status ? storage::SqlValue(*model.http_status) : storage::SqlValue(),
                  Nullable(model.http_url),
                  Nullable(model.http_method),
                  Nullable(model.http_useragent),
                  Nullable(model.http_clientip)};
  auto candidates = (*store)->FindCandidates(exact);
  if (!candidates || candidates->candidates.size() != 1 ||
      !candidates->candidates.front().summary_fresh) {
    std::fprintf(stderr, "kept-facts summary differs from the model's: %s\n",
                 xrayd::testing::DescribeRow(model).c_str());
    std::abort();
  }
  for (const auto& [key, value] : xrayd::testing::ValueSet(model)) {
    xrayd::proto::AnnotationValue text;
    text.string_value = value;
    auto traces = (*store)->TracesWithAnnotation(key, text);
    if (!traces || traces->size() != 1) {
      std::fprintf(stderr, "kept-facts summary lacks %s=%s\n", key.c_str(), value.c_str());
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static xrayd::proto::DocumentDecoder decoder;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<xrayd::proto::Document> docs;
  for (;;) {
    const std::size_t separator = input.find('\x1e');
    auto decoded = decoder.Decode(input.substr(0, separator));
    if (decoded) {
      for (xrayd::proto::Document& doc : *decoded) {
        docs.push_back(std::move(doc));
      }
    }
    if (separator == std::string_view::npos) {
      break;
    }
    input.remove_prefix(separator + 1);
  }
  std::unordered_set<std::string> ids;
  std::vector<const xrayd::proto::Document*> trace;
  for (const xrayd::proto::Document& doc : docs) {
    Check(xrayd::testing::NewTraceSummaryMismatch(doc));
    if (ids.insert(doc.id).second) {
      trace.push_back(&doc);
    }
  }
  if (trace.size() > 1) {
    Check(xrayd::testing::NewTraceSummaryMismatch(trace));
  }
  CheckKeptFactsSummary(docs);
  return 0;
}
