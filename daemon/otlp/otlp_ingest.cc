#include "daemon/otlp/otlp_ingest.h"

#include "proto/document_decoder.h"

namespace xrayd::daemon::otlp {

ExportOutcome IngestExport(const ExportRequest& request, const ApiServices& services,
                           const MappingOptions& mapping, OtlpMetrics& metrics) {
  thread_local proto::DocumentDecoder decoder;
  IngestBatch batch;
  batch.received_at = services.clock->NowSeconds();
  std::uint64_t spans = 0;
  std::uint64_t invalid = 0;
  std::uint64_t refused = 0;
  std::uint64_t accepted_spans = 0;
  std::string first_error;
  for (const auto& resource_spans : request.resource_spans()) {
    for (const auto& scope_spans : resource_spans.scope_spans()) {
      for (const auto& span : scope_spans.spans()) {
        ++spans;
        auto texts = MapSpanDocuments(span, resource_spans.resource(), mapping);
        if (!texts) {
          ++invalid;
          if (first_error.empty()) {
            first_error = texts.error();
          }
          continue;
        }
        // The documents of one span are stored together or not at all.
        const std::size_t before = batch.documents.size();
        for (const std::string& text : *texts) {
          auto documents = decoder.Decode(text);
          if (!documents) {
            batch.documents.erase(batch.documents.begin() + static_cast<std::ptrdiff_t>(before),
                                  batch.documents.end());
            ++refused;
            services.metrics->CountRejected(documents.error().reason);
            if (first_error.empty()) {
              first_error = "span " + Hex(span.span_id()) + ": " +
                            std::string(proto::RejectReasonName(documents.error().reason)) + ": " +
                            documents.error().detail;
            }
            break;
          }
          for (proto::Document& doc : *documents) {
            batch.documents.push_back(std::move(doc));
          }
        }
        if (batch.documents.size() > before) {
          ++accepted_spans;
        }
      }
    }
  }
  metrics.spans_received.fetch_add(spans, std::memory_order_relaxed);
  ExportOutcome outcome;
  const std::size_t accepted = batch.documents.size();
  if (accepted > 0 && !services.queue->TryPush(batch)) {
    outcome.queued = false;
    return outcome;
  }
  metrics.spans_invalid.fetch_add(invalid, std::memory_order_relaxed);
  metrics.spans_refused.fetch_add(refused, std::memory_order_relaxed);
  metrics.spans_accepted.fetch_add(accepted_spans, std::memory_order_relaxed);
  services.metrics->segments_accepted.fetch_add(accepted, std::memory_order_relaxed);
  outcome.rejected = invalid + refused;
  if (outcome.rejected > 0) {
    outcome.message =
        std::to_string(outcome.rejected) + " span(s) rejected; first: " + std::move(first_error);
  }
  return outcome;
}

}  // namespace xrayd::daemon::otlp
