#pragma once
// Forwarder: sends every spooled document (storage/forward_queue.h) to AWS X-Ray PutTraceSegments,
// oldest first, in batches of at most 50 documents, with `concurrency` parallel senders, SigV4
// signed (service xray). Runs on its own threads: it never touches the UDP path, and the storage
// writer only reads the acknowledged watermark.
//
// Durability contract: a document leaves the spool only after X-Ray accepted it (2xx and not
// listed as unprocessed), refused it for good (logged with its trace id, counted), the spool cap
// dropped it (oldest first, counted, logged once per interval), or retention deleted it from the
// store before it was read for sending (the spool refers to stored documents, storage/schema.h;
// counted under its own drop reason, logged once per interval). A spooled document is sent as the
// store holds it when read: an in_progress version replaced meanwhile goes out as the complete one.
// Failures (network, timeouts, 5xx, 429/throttling, 401/403) are retried with exponential backoff
// and jitter for as long as the daemon runs; on restart the spool is read again from its oldest
// row, so delivery is at least once (documents acknowledged just before a crash can be sent twice;
// X-Ray keys them by id).
//
// Threads: Start/Stop from the controlling thread. One dispatcher thread reads the spool
// (SpoolLedger) and forms batches (Batcher); `concurrency` sender threads each own an HttpClient
// and a SegmentSender.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "daemon/aws/aws_credentials.h"
#include "daemon/core/metrics.h"
#include "daemon/forward/batch_sender.h"
#include "daemon/net/http_client.h"
#include "proto/clock.h"
#include "proto/result.h"

namespace xrayd::daemon {

struct ForwarderOptions {
  std::string store_path;  // The trace store holding forward_queue.
  std::string endpoint;    // "https://xray.us-east-1.amazonaws.com", "http://127.0.0.1:8080".
  std::string region;      // For the signature's scope.
  int concurrency = 8;
  std::size_t max_batch_documents = 50;  // Never above 50 (X-Ray's limit).
  // [local] Request body cap; a lone larger document still goes.
  std::size_t max_batch_bytes = 4u << 20;
  // A partial batch goes this long after its first document.
  std::chrono::milliseconds idle_flush{1000};
  std::chrono::milliseconds request_timeout{2000};
  std::chrono::milliseconds backoff_initial{200};
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds poll_interval{20};  // Spool poll when idle.
  std::uint64_t spool_max_bytes = 1ull << 30;   // Cap on waiting bytes: beyond it, oldest dropped.
  int unprocessed_max_attempts = 8;  // One-by-one retries of a retryable unprocessed document.
  // nice of the dispatcher and sender threads (0 = unchanged): below the receivers and the storage
  // writer, above the summary worker (10).
  int thread_nice = 5;
  HttpClientOptions http;
  // Batch ages, gauges, signatures and log rate limits read this clock; must outlive the
  // forwarder. Backoff waits are real time.
  const proto::Clock* clock = &proto::SystemClock::Instance();
  // Another destination than X-Ray (daemon/otlp_export/): each sender thread's BatchSender comes
  // from this factory instead of being a SegmentSender to `endpoint`. The spool is shared: the
  // storage writer deletes rows only once every destination acknowledged them (StorageWriter).
  BatchSenderFactory sender_factory{};
  // Where this forwarder counts (null: Metrics::forward). The spool's spooled counters are always
  // read from Metrics::forward, where the storage writer counts.
  ForwardMetrics* counters = nullptr;
  std::string log_name = "forward";  // Prefix of log lines.
};

class Forwarder {
 public:
  // `credentials` and `metrics` must outlive the forwarder.
  Forwarder(ForwarderOptions options, CredentialsProvider& credentials, Metrics& metrics);
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Opens the spool reader, measures what is already spooled and starts the threads. REQUIRES:
  // the store exists (schema v4). kInvalidArgument for a bad endpoint, kIOError for SQLite.
  [[nodiscard]] Status Start();
  // Stops promptly (an attempt in flight ends within request_timeout); unacknowledged documents
  // stay spooled for the next run.
  void Stop();

  // Highest spool seq such that every row up to it is done; the storage writer deletes up to it.
  // REQUIRES: Start succeeded (the reference stays valid while the forwarder lives).
  const std::atomic<std::int64_t>& Acknowledged() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xrayd::daemon
