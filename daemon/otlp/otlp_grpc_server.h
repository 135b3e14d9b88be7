#pragma once
// The OTLP/gRPC trace receiver: opentelemetry.proto.collector.trace.v1.TraceService/Export
// (docs/otlp-mapping.md#receiver) on its own listening address, served by gRPC's callback API on
// gRPC's threads. A request is decoded by the same protobuf decoder as OTLP/HTTP and goes through
// the same mapping and ingest path (daemon/otlp/otlp_ingest.h). Answers as OTLP specifies:
//   OK                  ExportTraceServiceResponse; partial_success when spans were rejected
//   INVALID_ARGUMENT    the message is not an ExportTraceServiceRequest (counted bad_protobuf)
//   RESOURCE_EXHAUSTED  the ingest queue is full (counted queue_full), with a RetryInfo detail
//   RESOURCE_EXHAUSTED  from gRPC itself, for a message over max_message_bytes
// gzip-compressed messages are accepted (gRPC decompresses them before the handler).

#include <cstddef>
#include <memory>

#include "daemon/api/xray_api.h"
#include "daemon/core/endpoint.h"
#include "daemon/otlp/otlp_metrics.h"
#include "daemon/otlp/span_mapper.h"
#include "proto/result.h"

namespace grpc {
class Server;
}

namespace xrayd::daemon::otlp {

struct OtlpGrpcOptions {
  MappingOptions mapping;
  // gRPC's maximum received message size, after decompression (as the API's body limit).
  std::size_t max_message_bytes = 8u << 20;
};

class OtlpGrpcServer {
 public:
  // `services.queue`, `services.metrics`, `services.clock` and `metrics` must outlive the server.
  OtlpGrpcServer(const ApiServices& services, OtlpGrpcOptions options, OtlpMetrics& metrics);
  ~OtlpGrpcServer();  // Stop().
  OtlpGrpcServer(const OtlpGrpcServer&) = delete;
  OtlpGrpcServer& operator=(const OtlpGrpcServer&) = delete;

  // Listens on `endpoint` (port 0: a free port, see LocalEndpoint). Fails with kIOError naming
  // the address when it cannot be bound: in use (also by a process that allows port reuse: this
  // server never shares its port), not a local address, or not resolvable. Call once.
  Status Start(const Endpoint& endpoint);
  // Stops accepting calls and waits for the calls in progress (at most 5 s, then they are
  // cancelled). Every request answered OK before has its documents on the ingest queue.
  // Idempotent.
  void Stop();
  // The bound address (the real port when started on port 0). REQUIRES: Start succeeded.
  Endpoint LocalEndpoint() const { return bound_; }

 private:
  class Service;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::size_t max_message_bytes_;
  Endpoint bound_;
};

}  // namespace xrayd::daemon::otlp
