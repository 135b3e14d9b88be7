#pragma once
// Clock: the one seam through which code that decides by time reads it. SystemClock reads the
// operating system's clocks; FakeClock holds a settable time for tests. Both are thread-safe, and
// neither sleeps: waiting stays with the caller, in real time.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace xrayd::proto {

class Clock {
 public:
  using WallTime = std::chrono::system_clock::time_point;
  using SteadyTime = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;

  // Wall-clock time (may jump when the system time is set): timestamps, ages, signatures.
  virtual WallTime WallNow() const noexcept = 0;
  // Monotonic time: intervals, deadlines, rate limits.
  virtual SteadyTime SteadyNow() const noexcept = 0;

  // WallNow() as seconds since the Unix epoch, the unit of X-Ray documents and the store.
  double NowSeconds() const noexcept {
    return std::chrono::duration<double>(WallNow().time_since_epoch()).count();
  }
};

// The operating system's clocks (std::chrono::system_clock and steady_clock). Stateless.
class SystemClock final : public Clock {
 public:
  // The process-wide instance; lives for the whole program.
  static const SystemClock& Instance() noexcept {
    static const SystemClock clock;
    return clock;
  }

  WallTime WallNow() const noexcept override { return std::chrono::system_clock::now(); }
  SteadyTime SteadyNow() const noexcept override { return std::chrono::steady_clock::now(); }
};

// A clock that moves only when told to. Wall and steady time start at the given wall time and at
// an arbitrary steady origin; Advance moves both, SetWall moves only wall time (as a system time
// change does). Every method may be called from any thread.
class FakeClock final : public Clock {
 public:
  // Starts at `wall_seconds` since the Unix epoch (default: 2023-11-14 22:13:20 UTC).
  explicit FakeClock(double wall_seconds = 1'700'000'000.0) { SetWallSeconds(wall_seconds); }

  WallTime WallNow() const noexcept override {
    return WallTime(std::chrono::duration_cast<WallTime::duration>(
        std::chrono::nanoseconds(wall_ns_.load(std::memory_order_acquire))));
  }
  SteadyTime SteadyNow() const noexcept override {
    return SteadyTime(std::chrono::duration_cast<SteadyTime::duration>(
        std::chrono::nanoseconds(steady_ns_.load(std::memory_order_acquire))));
  }

  // Moves wall and steady time forward by `step`. REQUIRES: step >= 0.
  void Advance(std::chrono::nanoseconds step) noexcept {
    wall_ns_.fetch_add(step.count(), std::memory_order_acq_rel);
    steady_ns_.fetch_add(step.count(), std::memory_order_acq_rel);
  }
  void AdvanceSeconds(double seconds) noexcept {
    Advance(std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9)));
  }

  // Sets wall time only (either direction); steady time is unchanged.
  void SetWallSeconds(double seconds) noexcept {
    wall_ns_.store(static_cast<std::int64_t>(seconds * 1e9), std::memory_order_release);
  }

 private:
  std::atomic<std::int64_t> wall_ns_{0};
  // Starts away from zero so that a default-constructed time_point reads as "long ago".
  std::atomic<std::int64_t> steady_ns_{std::int64_t{1'000'000} * 1'000'000'000};
};

}  // namespace xrayd::proto
