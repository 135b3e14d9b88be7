#pragma once
// Test support: a fake AWS X-Ray endpoint on 127.0.0.1 (HTTP or HTTPS with a test-made self-signed
// certificate). It answers POST /TraceSegments like PutTraceSegments, verifies every request's
// SigV4 signature independently (daemon/sigv4.h VerifySignature, key AKIDEXAMPLE), records what it
// accepted, and injects faults on command: HTTP errors, slow answers, refused connections (the
// port stays reserved: tests/integration/loopback_listener_support.h), partial
// UnprocessedTraceSegments. Other paths answer
// {"proxied":"<path>"} with the signature checked, for the sampling proxy. Loopback only.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/loopback_listener_support.h"

namespace xrayd::testing_support {

inline constexpr char kTestAccessKeyId[] = "AKIDEXAMPLE";
inline constexpr char kTestSecretKey[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// Gives the daemons this test process spawns the fake's static test credentials (environment
// variables) and turns off EC2 metadata look-ups. Call before spawning them.
void UseTestCredentials();

struct TlsFiles {
  std::string cert;  // PEM, CN and subjectAltName 127.0.0.1.
  std::string key;
};
// Generates a self-signed certificate for 127.0.0.1 in `dir` with the openssl CLI. Empty on
// failure.
TlsFiles MakeSelfSignedCertificate(const std::string& dir);

class FakeXray {
 public:
  struct Options {
    std::string cert_file;  // Both set: HTTPS.
    std::string key_file;
    bool verify_signatures = true;
    bool record_documents = true;  // false: count only (benchmarks).
  };
  explicit FakeXray(Options options);
  ~FakeXray();
  FakeXray(const FakeXray&) = delete;
  FakeXray& operator=(const FakeXray&) = delete;

  std::uint16_t Port() const { return listener_.Port(); }
  std::string Url() const;  // "http(s)://127.0.0.1:<port>"

  // --- Faults ---
  // The next `n` PutTraceSegments requests are answered `status` with error `type`.
  void FailNext(int n, int status, std::string type = "ServiceUnavailableException");
  // While down, the listening socket is closed: connections are refused. Up again on the same port.
  void SetDown(bool down);
  // Every answer waits this long first.
  void SetDelay(std::chrono::milliseconds delay);
  // Decides per document (raw JSON) whether to list it as unprocessed: returns "" to accept, or the
  // ErrorCode to report. Applied to every request until cleared (nullptr).
  void SetUnprocessed(std::function<std::string(const std::string& raw)> rule);

  // --- Observations ---
  std::size_t Requests() const { return requests_.load(); }
  std::size_t AcceptedDocuments() const { return accepted_.load(); }
  std::size_t MaxBatch() const { return max_batch_.load(); }
  std::size_t SignatureFailures() const { return bad_signatures_.load(); }
  std::size_t ProxiedRequests() const { return proxied_.load(); }
  // Distinct accepted documents by their "id" (+ trace id), and the raw texts in arrival order.
  std::set<std::string> AcceptedIds() const;
  std::vector<std::string> AcceptedRaw() const;
  std::string LastSignatureError() const;

 private:
  void AcceptLoop();
  void Serve(int fd);
  std::string Handle(const std::string& method, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::string& body, int& status);

  Options options_;
  void* ssl_ctx_ = nullptr;  // SSL_CTX* when HTTPS.
  LoopbackListener listener_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> down_{false};
  std::atomic<std::int64_t> delay_ms_{0};
  std::atomic<std::size_t> requests_{0};
  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> max_batch_{0};
  std::atomic<std::size_t> bad_signatures_{0};
  std::atomic<std::size_t> proxied_{0};
  mutable std::mutex mu_;
  int fail_next_ = 0;                                           // GUARDED_BY(mu_)
  int fail_status_ = 500;                                       // GUARDED_BY(mu_)
  std::string fail_type_;                                       // GUARDED_BY(mu_)
  std::function<std::string(const std::string&)> unprocessed_;  // GUARDED_BY(mu_)
  std::set<std::string> ids_;                                   // GUARDED_BY(mu_)
  std::vector<std::string> raw_;                                // GUARDED_BY(mu_)
  std::string last_signature_error_;                            // GUARDED_BY(mu_)
  std::vector<int> open_fds_;                                   // GUARDED_BY(mu_)
  std::thread acceptor_;
  std::vector<std::thread> workers_;  // GUARDED_BY(mu_)
};

}  // namespace xrayd::testing_support
