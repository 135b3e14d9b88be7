#pragma once
// BackgroundThread: one thread running a loop body that paces itself with Sleep(), which Stop()
// interrupts. The store's housekeeping threads (checkpointer, summary worker, retention) are built
// on it. Start/Stop from one controlling thread; Sleep/Stopping from the body (or any thread).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace xrayd::daemon {

class BackgroundThread {
 public:
  BackgroundThread() = default;
  ~BackgroundThread() { Stop(); }
  BackgroundThread(const BackgroundThread&) = delete;
  BackgroundThread& operator=(const BackgroundThread&) = delete;

  // Runs `body` once on a new thread; the body loops for as long as it wants.
  void Start(std::function<void()> body) { thread_ = std::thread(std::move(body)); }

  // Waits for `duration` or until Stop, whichever comes first. False once Stop was called.
  bool Sleep(std::chrono::milliseconds duration) {
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, duration, [this] { return stopping_; });
    return !stopping_;
  }

  [[nodiscard]] bool Stopping() {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  }

  // Wakes a Sleep and joins the thread. Idempotent.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace xrayd::daemon
