#include "daemon/checkpointer.h"

#include <spdlog/spdlog.h>

#include "daemon/core/log_limiter.h"

namespace xrayd::daemon {

namespace {
// WAL size beyond which a checkpoint empties the WAL file (see TraceStore::Checkpoint).
constexpr std::int64_t kTruncateAboveBytes = 64ll << 20;
}  // namespace

Checkpointer::Checkpointer(std::string store_path, std::chrono::milliseconds interval,
                           Metrics& metrics, const proto::Clock& clock)
    : store_path_(std::move(store_path)), interval_(interval), metrics_(metrics), clock_(clock) {}

Checkpointer::~Checkpointer() {
  Stop();
}

Status Checkpointer::Start() {
  XRAYD_TRY_ASSIGN(auto store, storage::TraceStore::Open(store_path_, storage::OpenMode::kReadWrite,
                                                         storage::kMaintenanceCacheKib));
  store_ = std::move(store);
  thread_.Start([this] { Run(); });
  return {};
}

void Checkpointer::Stop() {
  thread_.Stop();
  store_.reset();
}

void Checkpointer::Run() {
  LogLimiter limiter(std::chrono::seconds(60));
  bool last_round = false;
  while (!last_round) {
    last_round = !thread_.Sleep(interval_);
    auto wal_bytes = store_->Checkpoint(kTruncateAboveBytes);
    if (wal_bytes) {
      metrics_.wal_bytes.store(*wal_bytes, std::memory_order_relaxed);
      metrics_.checkpoints.fetch_add(1, std::memory_order_relaxed);
    } else if (auto suppressed = limiter.Admit(0, clock_.SteadyNow())) {
      spdlog::warn("storage: WAL checkpoint failed: {}{}", wal_bytes.error().message,
                   *suppressed > 0 ? fmt::format(" ({} more)", *suppressed) : std::string());
    }
  }
}

}  // namespace xrayd::daemon
