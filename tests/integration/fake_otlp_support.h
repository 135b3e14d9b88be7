#pragma once
// Test support: a fake OTLP/HTTP traces endpoint on 127.0.0.1 (POST /v1/traces). It reads each
// request (one per connection: it answers with Connection: close), gunzips it when
// Content-Encoding is gzip, decodes OTLP JSON or protobuf with xrayd's own receiver decoders,
// records the request's headers, its JSON body (JSON requests) and every span, and answers 200
// with an empty ExportTraceServiceResponse. Faults on command: HTTP errors, refused connections
// (the port stays reserved: loopback_listener_support.h). Loopback only.

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/loopback_listener_support.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace xrayd::testing_support {

class FakeOtlp {
 public:
  struct Received {
    std::map<std::string, std::string> headers;  // Lower-case names.
    nlohmann::json json;  // The decompressed body of a JSON request (null otherwise).
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  };

  FakeOtlp();
  ~FakeOtlp();
  FakeOtlp(const FakeOtlp&) = delete;
  FakeOtlp& operator=(const FakeOtlp&) = delete;

  std::uint16_t Port() const { return listener_.Port(); }
  std::string Url() const;  // "http://127.0.0.1:<port>/v1/traces"

  // The next `n` requests are answered `status` (and not recorded).
  void FailNext(int n, int status);
  // While down, connections are refused; up again on the same port.
  void SetDown(bool down);

  std::size_t Requests() const { return requests_.load(); }  // Every request read, failed too.
  std::vector<Received> Accepted() const;
  // Hex span ids of every accepted span (repeats kept out).
  std::vector<std::string> SpanIds() const;

 private:
  void AcceptLoop();
  void Serve(int fd);

  LoopbackListener listener_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> requests_{0};
  mutable std::mutex mu_;
  int fail_next_ = 0;               // GUARDED_BY(mu_)
  int fail_status_ = 503;           // GUARDED_BY(mu_)
  std::vector<Received> accepted_;  // GUARDED_BY(mu_)
  std::thread acceptor_;
};

}  // namespace xrayd::testing_support
