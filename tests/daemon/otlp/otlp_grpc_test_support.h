#pragma once
// A gRPC client of TraceService/Export for the tests: the generated stub for well-formed requests
// and a generic call for raw bytes. Loopback only; every call has a 10 s deadline.

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace xrayd::daemon::otlp::testing {

using ExportResponseProto = opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using ExportRequestProto = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

class TraceClient {
 public:
  explicit TraceClient(std::uint16_t port);

  // Export through the generated stub; `gzip` compresses the message.
  grpc::Status Export(const ExportRequestProto& request, ExportResponseProto* response,
                      bool gzip = false);
  // Export with `bytes` as the message, whatever they hold.
  grpc::Status ExportRaw(const std::string& bytes);

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<opentelemetry::proto::collector::trace::v1::TraceService::Stub> stub_;
};

}  // namespace xrayd::daemon::otlp::testing
