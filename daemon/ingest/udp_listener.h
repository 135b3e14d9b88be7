#pragma once
// UdpListener: receives X-Ray daemon-protocol datagrams on one UDP socket, validates them and hands
// accepted documents to the IngestQueue. Runs its own io_context on its own thread, so nothing else
// (storage, HTTP) can delay socket reads. The receive path never blocks: a full queue means the
// documents are dropped and counted.

#include <cstddef>
#include <memory>

#include "daemon/core/endpoint.h"
#include "daemon/core/metrics.h"
#include "daemon/ingest/ingest_queue.h"
#include "proto/clock.h"
#include "proto/result.h"

namespace xrayd::storage {
class FrameEncoder;
}

namespace xrayd::daemon {

class UdpListener {
 public:
  // `queue`, `metrics` and `clock` (receive times, log rate limits) must outlive the listener.
  UdpListener(IngestQueue& queue, Metrics& metrics,
              const proto::Clock& clock = proto::SystemClock::Instance());
  ~UdpListener();
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;

  // Before Start: accepted documents get their stored form (proto::Document::stored_raw) made by
  // `encoder` on the receive thread, so that the storage writer does not compress them.
  void EncodeWith(std::shared_ptr<const storage::FrameEncoder> encoder);

  // Binds `address` (port 0 picks one), asks for a `receive_buffer_bytes` socket buffer and starts
  // the receive thread. Fails with kIOError if the address cannot be bound.
  [[nodiscard]] Status Start(const Endpoint& address, std::size_t receive_buffer_bytes);

  // The bound address (with the real port). REQUIRES: Start succeeded.
  Endpoint LocalEndpoint() const;
  // The receive buffer the kernel granted (what getsockopt reports).
  std::size_t ReceiveBufferBytes() const;

  // Closes the socket and joins the thread; datagrams already received are pushed first.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xrayd::daemon
