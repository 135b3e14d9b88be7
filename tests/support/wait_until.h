#pragma once
// WaitUntil: the one way tests wait for something another thread or process does. It polls a
// condition, bounded by a timeout, instead of sleeping for a guessed time. Header only; safe to
// call from any thread (the predicate decides what it reads, and how safely).

#include <algorithm>
#include <chrono>
#include <thread>

namespace xrayd::testing_support {

// Calls `predicate` until it returns true or `timeout` has passed, waiting `poll` between calls;
// the predicate is called at least once and once more at the deadline. Returns whether it held.
// To check that something does NOT happen for a while, expect false:
//   EXPECT_FALSE(WaitUntil([&] { return fake.Requests() > 0; }, 1500ms));
template <class Predicate>
[[nodiscard]] bool WaitUntil(Predicate&& predicate, std::chrono::milliseconds timeout,
                             std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (predicate()) {
      return true;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return false;
    }
    // The poll interval: the only pause of a wait, never a stand-in for its condition.
    const std::chrono::steady_clock::duration left = deadline - now;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(poll, left));
  }
}

}  // namespace xrayd::testing_support
