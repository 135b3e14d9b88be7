#pragma once
// Checkpointer: a thread with its own store connection that copies the WAL into the database file
// (SQLite checkpoint) so the storage writer never does it inline. Without it, every ~32 MiB of WAL
// the writer stops for the copy and the ingest queue fills. Start/Stop from one controlling thread.

#include <chrono>
#include <memory>
#include <string>

#include "daemon/core/background_thread.h"
#include "daemon/core/metrics.h"
#include "proto/clock.h"
#include "proto/result.h"
#include "storage/trace_store.h"

namespace xrayd::daemon {

class Checkpointer {
 public:
  // `metrics` and `clock` (log rate limits) must outlive the checkpointer. The interval between
  // checkpoints is waited in real time.
  Checkpointer(std::string store_path, std::chrono::milliseconds interval, Metrics& metrics,
               const proto::Clock& clock = proto::SystemClock::Instance());
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Opens its connection and starts the thread. kIOError if the store cannot be opened.
  [[nodiscard]] Status Start();
  // Runs a last checkpoint and joins the thread.
  void Stop();

 private:
  void Run();

  const std::string store_path_;
  const std::chrono::milliseconds interval_;
  Metrics& metrics_;
  const proto::Clock& clock_;
  std::unique_ptr<storage::TraceStore> store_;
  BackgroundThread thread_;
};

}  // namespace xrayd::daemon
