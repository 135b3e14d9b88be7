#pragma once
// LogLimiter: lets a caller log at most once per key per interval, and tells it how many events
// were suppressed since its last line, so bad input is summarised, never logged per packet.
// Not thread-safe: one limiter per thread.

#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>

namespace xrayd::daemon {

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogLimiter(std::chrono::milliseconds interval) : interval_(interval) {}

  // Records one event for `key`. Returns the number of events suppressed since the last admitted
  // one if the caller should log now (first event of a key, or the interval has passed), else
  // nullopt.
  std::optional<std::uint64_t> Admit(std::uint64_t key, Clock::time_point now);

 private:
  struct State {
    Clock::time_point last_logged;
    std::uint64_t suppressed = 0;
  };
  std::chrono::milliseconds interval_;
  std::unordered_map<std::uint64_t, State> states_;
};

}  // namespace xrayd::daemon
