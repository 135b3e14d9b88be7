#pragma once
// Test support for the alarms tests: CloudWatch requests in AWS JSON 1.0, RPC v2 CBOR and the query
// protocol against a running daemon, a fake webhook receiver on 127.0.0.1:0 and X-Ray segments
// sent over UDP. Loopback only.

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/daemon_process_support.h"

namespace xrayd::testing_support {

// `method path` to 127.0.0.1:port with `headers` (plus Host, Connection: close, Content-Length);
// 10 s timeout; status 0 if unreachable.
HttpResult Exchange(std::uint16_t port, const std::string& method, const std::string& path,
                    const std::map<std::string, std::string>& headers, const std::string& body);

// Raw CloudWatch calls; the response body stays in its protocol's encoding.
HttpResult CloudWatchJson(std::uint16_t port, const std::string& operation,
                          const nlohmann::json& params);
HttpResult CloudWatchCbor(std::uint16_t port, const std::string& operation,
                          const nlohmann::json& params);
// The query protocol: a form POST with a SigV4-shaped Authorization header (the signature is
// not valid; the daemon checks it only with --api-auth), as query clients send it.
HttpResult CloudWatchQuery(std::uint16_t port, const std::string& form);
// The same form POST without Authorization, as a cross-site HTML form could send it.
HttpResult CloudWatchQueryUnsigned(std::uint16_t port, const std::string& form);

// A CBOR body as JSON (tags dropped: timestamps read as their epoch seconds); discarded if it is
// not one well-formed CBOR item.
nlohmann::json FromCbor(const std::string& body);

// The value of response header `name` (case-insensitive), or "".
std::string Header(const HttpResult& result, const std::string& name);

// A datagram (header line and segment) of a new trace, started now, with annotation tier=`tier`.
std::string TierSegmentDatagram(const std::string& tier);
// Sends TierSegmentDatagram(tier) over UDP.
void SendTierSegment(std::uint16_t udp_port, const std::string& tier);

// Receives webhook POSTs on 127.0.0.1:Port() on its own thread and keeps their bodies. The first
// `failures` requests are answered 500, the rest 200.
class FakeWebhook {
 public:
  explicit FakeWebhook(int failures = 0);
  ~FakeWebhook();
  FakeWebhook(const FakeWebhook&) = delete;
  FakeWebhook& operator=(const FakeWebhook&) = delete;

  std::uint16_t Port() const { return port_; }
  // http://127.0.0.1:PORT/hook
  std::string Url() const;
  // Bodies of the requests answered 200, in arrival order; total requests seen.
  std::vector<std::string> Delivered() const;
  int Requests() const { return requests_.load(); }
  // Content-Type of the last request.
  std::string LastContentType() const;

 private:
  void Serve();

  int failures_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  std::vector<std::string> delivered_;  // GUARDED_BY(mu_)
  std::string content_type_;            // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace xrayd::testing_support
