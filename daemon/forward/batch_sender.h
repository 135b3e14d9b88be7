#pragma once
// BatchSender: what the forwarder's sender threads call to deliver one batch of spooled documents
// to a destination (X-Ray PutTraceSegments: SegmentSender; an OTLP endpoint: daemon/otlp_export/).
// A sender retries what is worth retrying for as long as the daemon runs and counts what it gives
// up; the forwarder removes the batch from the spool only when SendBatch returns true.
//
// Threads: one sender per forwarder thread; the functions it is given are that thread's own.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "daemon/net/http_client.h"

namespace xrayd::daemon {

class BatchSender {
 public:
  // Sends one request (an HttpClient's Send, or a fake in tests).
  using SendFunction = std::function<HttpResult<ClientResponse>(const ClientRequest&)>;
  // Waits the given time unless the forwarder stops; false when stopping (at once if it already
  // is).
  using SleepFunction = std::function<bool(std::chrono::milliseconds)>;

  virtual ~BatchSender() = default;
  // Delivers `raws` (stored documents, in spool order) until each was accepted or given up for
  // good; true when done, false only when stopping (then the batch must stay spooled).
  virtual bool SendBatch(const std::vector<std::string_view>& raws) = 0;
};

// Makes the sender of one forwarder thread from that thread's send and sleep functions and a
// random seed of its own (backoff jitter).
using BatchSenderFactory = std::function<std::unique_ptr<BatchSender>(
    BatchSender::SendFunction send, BatchSender::SleepFunction sleep, std::uint64_t seed)>;

}  // namespace xrayd::daemon
