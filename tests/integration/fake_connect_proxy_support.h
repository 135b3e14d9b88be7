#pragma once
// Test support: a fake HTTP CONNECT proxy on 127.0.0.1 and a free port. It answers each
// `CONNECT host:port` with 200 and relays bytes both ways between the client and the target, or,
// on command, refuses the tunnel (e.g. 407) or stops listening (connections refused). It records
// every CONNECT (target, Proxy-Authorization). Targets other than loopback are refused with 403:
// the proxy never opens a connection off the machine. Thread-safe observations.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/loopback_listener_support.h"

namespace xrayd::testing_support {

class FakeConnectProxy {
 public:
  FakeConnectProxy();
  ~FakeConnectProxy();
  FakeConnectProxy(const FakeConnectProxy&) = delete;
  FakeConnectProxy& operator=(const FakeConnectProxy&) = delete;

  std::uint16_t Port() const { return listener_.Port(); }
  std::string Url() const;  // "http://127.0.0.1:<port>"

  // --- Faults ---
  // While down, connections are refused (the port stays reserved) and open tunnels are cut.
  // Up again on the same port.
  void SetDown(bool down);
  // Cuts the open tunnels and keeps listening (the port cannot be taken by another process).
  void CutTunnels();
  // 0: tunnels are granted. Otherwise every CONNECT is answered with `status` and closed.
  void SetRefuseStatus(int status);

  // --- Observations ---
  std::size_t ConnectRequests() const { return connects_.load(); }  // Granted or not.
  std::size_t Tunnels() const { return tunnels_.load(); }           // Granted and relayed.
  std::size_t OtherRequests() const { return others_.load(); }      // Not CONNECT.
  std::vector<std::string> Targets() const;    // The CONNECT targets, in arrival order.
  std::string LastProxyAuthorization() const;  // "" when the last CONNECT had none.

 private:
  void AcceptLoop();
  void Serve(int fd);
  void Relay(int client, int target);

  LoopbackListener listener_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> refuse_status_{0};
  std::atomic<std::uint64_t> generation_{0};  // Bumped by SetDown(true): relays end.
  std::atomic<std::size_t> connects_{0};
  std::atomic<std::size_t> tunnels_{0};
  std::atomic<std::size_t> others_{0};
  mutable std::mutex mu_;
  std::vector<std::string> targets_;  // GUARDED_BY(mu_)
  std::string last_authorization_;    // GUARDED_BY(mu_)
  std::thread acceptor_;
  std::vector<std::thread> workers_;  // GUARDED_BY(mu_)
};

}  // namespace xrayd::testing_support
