#pragma once
// DatagramProcessor: turns one received datagram into accepted Documents or a counted, rate-limited
// rejection. No sockets: the UDP listener feeds it bytes. Not thread-safe: one per receiving thread.

#include <cstdint>
#include <string_view>

#include "daemon/ingest_queue.h"
#include "daemon/log_limiter.h"
#include "daemon/metrics.h"
#include "proto/document_decoder.h"

namespace xrayd::daemon {

class DatagramProcessor {
 public:
  // `metrics` must outlive the processor.
  explicit DatagramProcessor(Metrics& metrics);

  // Validates `bytes` (a whole datagram) and appends its documents to `out`. `peer` names the
  // sender in log lines. `truncated` says the kernel cut the datagram (MSG_TRUNC): it is rejected
  // as oversize. Never throws; every outcome is counted in the metrics.
  void Process(std::string_view bytes, bool truncated, std::string_view peer,
               IngestBatch& out) noexcept;

  // Counts `documents` dropped because the queue refused them, logging at most once per interval.
  void CountQueueFull(std::size_t documents) noexcept;

 private:
  void LogRejection(const proto::Rejection& rejection, std::string_view peer);

  Metrics& metrics_;
  proto::DocumentDecoder decoder_;
  LogLimiter limiter_;
};

}  // namespace xrayd::daemon
