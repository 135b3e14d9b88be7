#pragma once
// DatagramProcessor: turns one received datagram into accepted Documents or a counted, rate-limited
// rejection. No sockets: the UDP listener feeds it bytes. Not thread-safe: one per receiving
// thread.

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/core/log_limiter.h"
#include "daemon/core/metrics.h"
#include "daemon/ingest/ingest_queue.h"
#include "proto/clock.h"
#include "proto/document_decoder.h"

namespace xrayd::daemon {

class DatagramProcessor {
 public:
  // `metrics` and `clock` (log rate limits) must outlive the processor.
  explicit DatagramProcessor(Metrics& metrics,
                             const proto::Clock& clock = proto::SystemClock::Instance());

  // Validates `bytes` (a whole datagram) and appends its documents to `out`. `peer` (may be null)
  // is the sender, named in log lines; it is only formatted when a line is written. `truncated`
  // says the kernel cut the datagram (MSG_TRUNC): it is rejected as oversize. Never throws; every
  // outcome is counted in the metrics.
  void Process(std::string_view bytes, bool truncated, const sockaddr_storage* peer,
               IngestBatch& out) noexcept;

  // Counts `documents` dropped because the queue refused them, logging at most once per interval.
  void CountQueueFull(std::size_t documents) noexcept;

 private:
  void LogRejection(const proto::Rejection& rejection, const sockaddr_storage* peer);

  Metrics& metrics_;
  const proto::Clock& clock_;
  proto::DocumentDecoder decoder_;
  LogLimiter limiter_;
};

// "127.0.0.1:5000", "[::1]:5000", or "unknown" for null and other families.
std::string PeerName(const sockaddr_storage* peer);

}  // namespace xrayd::daemon
