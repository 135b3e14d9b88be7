#include "daemon/core/metrics.h"

#include <string_view>

namespace xrayd::daemon {

const char* DropReasonName(DropReason reason) noexcept {
  switch (reason) {
    case DropReason::kQueueFull:
      return "queue_full";
    case DropReason::kStorageError:
      return "storage_error";
  }
  return "unknown";
}

const char* ApiRefusalName(ApiRefusal reason) noexcept {
  switch (reason) {
    case ApiRefusal::kHost:
      return "host";
    case ApiRefusal::kCrossSite:
      return "cross_site";
    case ApiRefusal::kContentType:
      return "content_type";
    case ApiRefusal::kMissingAuth:
      return "missing_auth";
    case ApiRefusal::kUnknownKey:
      return "unknown_key";
    case ApiRefusal::kBadSignature:
      return "bad_signature";
  }
  return "unknown";
}

namespace {

std::uint64_t Load(const Metrics::Counter& c) {
  return c.load(std::memory_order_relaxed);
}

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string& out, std::string_view name, std::string_view labels, std::int64_t value) {
  out.append(name);
  if (!labels.empty()) {
    out.append("{").append(labels).append("}");
  }
  out.append(" ").append(std::to_string(value)).append("\n");
}

void Counter(std::string& out, std::string_view name, std::string_view help, std::uint64_t value) {
  Family(out, name, "counter", help);
  Sample(out, name, "", static_cast<std::int64_t>(value));
}

}  // namespace

std::string RenderPrometheus(const Metrics& m) {
  std::string out;
  out.reserve(4096);
  Counter(out, "xrayd_datagrams_received_total", "UDP datagrams received.",
          Load(m.datagrams_received));
  Counter(out, "xrayd_segments_accepted_total", "Segment documents that passed validation.",
          Load(m.segments_accepted));

  Family(out, "xrayd_segments_rejected_total", "counter",
         "Datagrams rejected by validation, by reason.");
  for (proto::RejectReason reason : proto::AllRejectReasons()) {
    std::string label = "reason=\"";
    label.append(proto::RejectReasonName(reason)).append("\"");
    Sample(out, "xrayd_segments_rejected_total", label,
           static_cast<std::int64_t>(Load(m.rejected[static_cast<std::size_t>(reason)])));
  }

  Family(out, "xrayd_segments_dropped_total", "counter",
         "Accepted documents that could not be stored, by reason.");
  for (std::size_t i = 0; i < kDropReasonCount; ++i) {
    std::string label = "reason=\"";
    label.append(DropReasonName(static_cast<DropReason>(i))).append("\"");
    Sample(out, "xrayd_segments_dropped_total", label,
           static_cast<std::int64_t>(Load(m.dropped[i])));
  }

  Counter(out, "xrayd_segments_stored_total", "Documents in committed storage transactions.",
          Load(m.segments_stored));
  Family(out, "xrayd_segments_written_total", "counter",
         "What each stored document did to the store.");
  Sample(out, "xrayd_segments_written_total", "result=\"inserted\"",
         static_cast<std::int64_t>(Load(m.segments_inserted)));
  Sample(out, "xrayd_segments_written_total", "result=\"replaced\"",
         static_cast<std::int64_t>(Load(m.segments_replaced)));
  Sample(out, "xrayd_segments_written_total", "result=\"duplicate\"",
         static_cast<std::int64_t>(Load(m.segments_duplicate)));
  Sample(out, "xrayd_segments_written_total", "result=\"stale_in_progress\"",
         static_cast<std::int64_t>(Load(m.segments_stale_in_progress)));

  Counter(out, "xrayd_annotations_indexed_total", "Annotation values written to the index.",
          Load(m.annotations_indexed));
  Counter(out, "xrayd_annotations_unindexed_total",
          "Annotations kept in the document but not indexed (invalid key or value type).",
          Load(m.annotations_unindexed));
  Counter(out, "xrayd_annotations_over_limit_total",
          "Annotations not indexed because the trace already has 50 indexed keys.",
          Load(m.annotations_over_limit));
  Counter(out, "xrayd_storage_commits_total", "Storage transactions committed.",
          Load(m.storage_commits));
  Counter(out, "xrayd_storage_errors_total", "Storage transactions that failed (and were retried).",
          Load(m.storage_errors));
  Counter(out, "xrayd_receive_errors_total", "Socket receive errors.",
          Load(m.receive_buffer_errors));

  Counter(out, "xrayd_storage_checkpoints_total", "WAL checkpoints run in the background.",
          Load(m.checkpoints));
  Counter(out, "xrayd_traces_summarized_total",
          "Trace summaries written for search (on ingest, or after the trace went quiet).",
          Load(m.traces_summarized));
  Counter(out, "xrayd_trace_summaries_read_back_total",
          "Of those, summaries the background worker made by reading a trace's stored documents "
          "back (the others come from the facts of the ingest parse).",
          Load(m.summaries_read_back));
  Counter(out, "xrayd_summary_errors_total", "Summary rounds that failed and were retried.",
          Load(m.summary_errors));
  Counter(out, "xrayd_searches_cancelled_total",
          "Trace searches stopped early because the client closed its connection.",
          Load(m.searches_cancelled));
  Family(out, "xrayd_storage_wal_bytes", "gauge",
         "Size of the SQLite write-ahead log after the last checkpoint.");
  Sample(out, "xrayd_storage_wal_bytes", "", m.wal_bytes.load(std::memory_order_relaxed));

  Family(out, "xrayd_ingest_queue_depth", "gauge", "Documents waiting for the storage writer.");
  Sample(out, "xrayd_ingest_queue_depth", "", m.queue_documents.load(std::memory_order_relaxed));
  Family(out, "xrayd_ingest_queue_bytes", "gauge", "Bytes of documents waiting for the writer.");
  Sample(out, "xrayd_ingest_queue_bytes", "", m.queue_bytes.load(std::memory_order_relaxed));
  RenderStoreAndProcessMetrics(out, m);
  RenderForwardMetrics(out, m.forward);
  Family(out, "xrayd_api_requests_refused_total", "counter",
         "HTTP requests refused before routing, by reason (docs/security.md).");
  for (std::size_t i = 0; i < kApiRefusalCount; ++i) {
    std::string label = "reason=\"";
    label.append(ApiRefusalName(static_cast<ApiRefusal>(i))).append("\"");
    Sample(out, "xrayd_api_requests_refused_total", label,
           static_cast<std::int64_t>(Load(m.api_refused[i])));
  }
  Family(out, "xrayd_group_traces_total", "counter",
         "New traces that are members of each group (ApproximateTraceCount: rate per minute).");
  for (const auto& [group, count] : m.group_traces.Snapshot()) {
    std::string label = "group=\"";
    for (char c : group) {
      if (c == '\\' || c == '"')
        label += '\\';
      label += c == '\n' ? 'n' : c;
    }
    Sample(out, "xrayd_group_traces_total", label + "\"", static_cast<std::int64_t>(count));
  }
  return out;
}

}  // namespace xrayd::daemon
