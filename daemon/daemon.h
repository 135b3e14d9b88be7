#pragma once
// Daemon: owns and wires the pipeline: UDP listener -> IngestQueue -> StorageWriter -> TraceStore,
// and the HTTP server with its router. Start builds in order; Stop tears down in reverse: stop UDP
// reads (after draining the socket), let the writer commit everything queued, stop HTTP, close the
// store. Start/Stop from one controlling thread.

#include <memory>
#include <optional>

#include "daemon/api/api_router.h"
#include "daemon/config.h"
#include "daemon/core/metrics.h"
#include "proto/result.h"

namespace xrayd::daemon {

class Daemon {
 public:
  explicit Daemon(DaemonConfig config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Creates the data dir, opens the store, binds both sockets and starts every thread. On failure
  // nothing is left running. kIOError for files and sockets, kInvalidArgument for bad addresses.
  [[nodiscard]] Status Start();
  void Stop();

  // Bound addresses (real ports). REQUIRES: Start succeeded.
  Endpoint UdpEndpoint() const;
  Endpoint TcpEndpoint() const;
  // The --otlp-http listener, or nullopt when it is off or its default address was taken.
  std::optional<Endpoint> OtlpHttpEndpoint() const;
  // The --otlp-grpc listener, or nullopt when it is off or its default address was taken.
  std::optional<Endpoint> OtlpGrpcEndpoint() const;
  const Metrics& GetMetrics() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xrayd::daemon
