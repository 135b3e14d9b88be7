#include "daemon/retention.h"

#include <filesystem>
#include <limits>
#include <system_error>

#include <spdlog/spdlog.h>

#include "daemon/core/log_limiter.h"

namespace xrayd::daemon {

namespace {

std::int64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::int64_t>(size);
}

}  // namespace

Retention::Retention(std::string store_path, RetentionOptions options, Metrics& metrics)
    : store_path_(std::move(store_path)), options_(options), metrics_(metrics) {}

Retention::~Retention() {
  Stop();
}

Status Retention::OpenForTesting() {
  // Checkpoints stay with the checkpointer thread.
  XRAYD_TRY_ASSIGN(
      store_, storage::TraceStore::Open(store_path_, storage::OpenMode::kReadWriteNoAutoCheckpoint,
                                        storage::kMaintenanceCacheKib));
  return {};
}

Status Retention::Start() {
  if (Status s = OpenForTesting(); !s) {
    return s;
  }
  thread_.Start([this] { Run(); });
  return {};
}

void Retention::Stop() {
  thread_.Stop();
  store_.reset();
}

void Retention::RefreshGauges() {
  metrics_.store_file_bytes.store(FileSize(store_path_), std::memory_order_relaxed);
  metrics_.store_wal_file_bytes.store(FileSize(store_path_ + "-wal"), std::memory_order_relaxed);
  if (auto used = store_->UsedBytes()) {
    metrics_.store_used_bytes.store(*used, std::memory_order_relaxed);
  }
  if (auto dictionaries = store_->DictionaryCount()) {
    metrics_.store_dictionaries.store(*dictionaries, std::memory_order_relaxed);
  }
  if (auto oldest = store_->OldestUpdatedAt()) {
    const double age = oldest->has_value() ? options_.clock->NowSeconds() - **oldest : 0.0;
    metrics_.oldest_trace_age_seconds.store(static_cast<std::int64_t>(std::max(age, 0.0)),
                                            std::memory_order_relaxed);
  }
}

Result<std::int64_t> Retention::DeleteBatch(double cutoff, RetentionRound& round, bool by_size) {
  XRAYD_TRY_ASSIGN(auto stats, store_->DeleteOldestTraces(cutoff, options_.traces_per_transaction));
  ++round.transactions;
  (by_size ? round.traces_by_size : round.traces_by_age) += stats.traces;
  round.documents += stats.documents;
  round.annotations += stats.annotations;
  (by_size ? metrics_.retention_traces_deleted_size : metrics_.retention_traces_deleted_age)
      .fetch_add(static_cast<std::uint64_t>(stats.traces), std::memory_order_relaxed);
  metrics_.retention_documents_deleted.fetch_add(static_cast<std::uint64_t>(stats.documents),
                                                 std::memory_order_relaxed);
  return stats.traces;
}

Result<RetentionRound> Retention::RunOnce() {
  RetentionRound round;
  auto pause = [this] { (void)thread_.Sleep(options_.pause); };
  if (options_.max_age.count() > 0) {
    const double cutoff =
        options_.clock->NowSeconds() - static_cast<double>(options_.max_age.count());
    for (;;) {
      XRAYD_TRY_ASSIGN(auto deleted, DeleteBatch(cutoff, round, /*by_size=*/false));
      if (deleted < static_cast<std::int64_t>(options_.traces_per_transaction) ||
          thread_.Stopping()) {
        break;
      }
      pause();
    }
  }
  if (options_.max_bytes > 0) {
    XRAYD_TRY_ASSIGN(auto used, store_->UsedBytes());
    if (static_cast<std::uint64_t>(used) > options_.max_bytes) {
      const auto target =
          static_cast<std::int64_t>(static_cast<double>(options_.max_bytes) * options_.low_water);
      while (used > target && !thread_.Stopping()) {
        XRAYD_TRY_ASSIGN(auto deleted, DeleteBatch(std::numeric_limits<double>::infinity(), round,
                                                   /*by_size=*/true));
        if (deleted == 0) {
          break;  // Nothing left to delete: the rest is schema and free-page overhead.
        }
        XRAYD_TRY_ASSIGN(used, store_->UsedBytes());
        pause();
      }
    }
  }
  metrics_.retention_rounds.fetch_add(1, std::memory_order_relaxed);
  return round;
}

void Retention::Run() {
  LogLimiter limiter(std::chrono::minutes(10));
  auto next_round = options_.clock->SteadyNow();
  for (;;) {
    if (options_.clock->SteadyNow() >= next_round) {
      auto round = RunOnce();
      next_round = options_.clock->SteadyNow() + options_.interval;
      if (!round) {
        metrics_.retention_errors.fetch_add(1, std::memory_order_relaxed);
        if (auto suppressed = limiter.Admit(0, options_.clock->SteadyNow())) {
          spdlog::warn("retention: round failed, retried in {} s: {}{}",
                       options_.interval.count() / 1000, round.error().message,
                       *suppressed > 0 ? fmt::format(" ({} more)", *suppressed) : std::string());
        }
      } else if (round->traces_by_age + round->traces_by_size > 0) {
        // One line per round that deleted something, never one per trace.
        spdlog::info(
            "retention: deleted {} traces ({} documents, {} index rows) in {} transactions: {} "
            "not updated for {} s, {} over the size limit of {} MiB",
            round->traces_by_age + round->traces_by_size, round->documents, round->annotations,
            round->transactions, round->traces_by_age, options_.max_age.count(),
            round->traces_by_size, options_.max_bytes >> 20);
      }
    }
    RefreshGauges();
    if (!thread_.Sleep(std::min(options_.gauge_interval, options_.interval))) {
      return;
    }
  }
}

}  // namespace xrayd::daemon
