#pragma once
// Test support: a TCP listener on 127.0.0.1 and a free port for the fake servers, whose port stays
// reserved while it is down. Down() refuses connections (they are reset, as by a closed port) but
// keeps the port bound, so a process started meanwhile (another test's daemon binding port 0)
// cannot take it, and Up() listens on the same port again. Thread-safe: one thread may Accept
// while another calls Down/Up.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace xrayd::testing_support {

class LoopbackListener {
 public:
  // Listens on a free port; Port() is 0 when that failed.
  LoopbackListener();
  ~LoopbackListener();
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  std::uint16_t Port() const { return port_; }
  void Down();
  void Up();
  // Waits up to `wait` for a connection: the accepted socket (CLOEXEC), or -1 when none came or
  // the listener is down (then after `wait`, an idle beat of the caller's accept loop).
  int Accept(std::chrono::milliseconds wait);

 private:
  std::uint16_t port_ = 0;
  std::atomic<int> listen_fd_{-1};
  std::mutex mu_;        // Orders Down and Up.
  int reserve_fd_ = -1;  // Bound, not listening, while down. GUARDED_BY(mu_)
};

}  // namespace xrayd::testing_support
