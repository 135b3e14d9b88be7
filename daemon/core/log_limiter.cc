#include "daemon/core/log_limiter.h"

namespace xrayd::daemon {

std::optional<std::uint64_t> LogLimiter::Admit(std::uint64_t key, Clock::time_point now) {
  auto [it, inserted] = states_.try_emplace(key);
  State& state = it->second;
  if (inserted || now - state.last_logged >= interval_) {
    const std::uint64_t suppressed = state.suppressed;
    state.last_logged = now;
    state.suppressed = 0;
    return suppressed;
  }
  ++state.suppressed;
  return std::nullopt;
}

}  // namespace xrayd::daemon
