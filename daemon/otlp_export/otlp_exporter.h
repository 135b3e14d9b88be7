#pragma once
// OtlpExporter: exports every spooled document to an OTLP/HTTP endpoint. It is a second Forwarder
// (daemon/forward/forwarder.h) over the store's one spool: its own cursor, batches, sender threads
// (each with an OtlpSender), backoff and spool cap, its own metrics; the storage writer deletes a
// spool row only once this exporter and the X-Ray forwarder (when there is one) acknowledged it
// (StorageWriterOptions::export_acked). So the durability contract of forwarding holds here too:
// nothing accepted is lost across an endpoint outage or a restart, within the spool cap.
//
// Threads: Start/Stop from the controlling thread (Forwarder's threads inside).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "daemon/core/metrics.h"
#include "daemon/net/http_client.h"
#include "daemon/otlp_export/export_metrics.h"
#include "daemon/otlp_export/otlp_sender.h"
#include "proto/result.h"

namespace xrayd::daemon {
class Forwarder;
}

namespace xrayd::daemon::otlp_export {

struct OtlpExportOptions {
  OtlpSenderOptions sender;
  std::string store_path;                      // The trace store holding the spool.
  std::uint64_t spool_max_bytes = 1ull << 30;  // Cap on waiting bytes: beyond it, oldest dropped.
  int concurrency = 2;                         // Sender threads.
  std::chrono::milliseconds idle_flush{500};  // A partial batch goes this long after its first row.
  HttpClientOptions http;                     // TLS verification, proxies.
};

class OtlpExporter {
 public:
  // `metrics` (where the storage writer counts what it spools) must outlive the exporter.
  OtlpExporter(OtlpExportOptions options, Metrics& metrics);
  ~OtlpExporter();
  OtlpExporter(const OtlpExporter&) = delete;
  OtlpExporter& operator=(const OtlpExporter&) = delete;

  // kInvalidArgument for a bad URL or signing without region or credentials; kIOError for SQLite.
  [[nodiscard]] Status Start();
  // Unacknowledged documents stay spooled for the next run.
  void Stop();
  // REQUIRES: Start succeeded.
  const std::atomic<std::int64_t>& Acknowledged() const;

  const ExportMetrics& GetMetrics() const { return export_metrics_; }

 private:
  OtlpExportOptions options_;
  Metrics& metrics_;
  ExportMetrics export_metrics_;
  std::unique_ptr<Forwarder> forwarder_;
};

}  // namespace xrayd::daemon::otlp_export
