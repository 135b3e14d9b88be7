#include "daemon/core/reader_pool.h"

#include <utility>

namespace xrayd::daemon {

ReaderPool::Lease::Lease(ReaderPool* pool, std::unique_ptr<storage::TraceStore> store)
    : pool_(pool), store_(std::move(store)) {}

ReaderPool::Lease::~Lease() {
  if (store_ != nullptr) {
    pool_->Release(std::move(store_));
  }
}

ReaderPool::ReaderPool(std::string store_path, std::size_t max_idle)
    : store_path_(std::move(store_path)), max_idle_(max_idle) {}

Result<ReaderPool::Lease> ReaderPool::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<storage::TraceStore> store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(store));
    }
  }
  XRAYD_TRY_ASSIGN(auto store, storage::TraceStore::Open(store_path_, storage::OpenMode::kReadOnly,
                                                         storage::kReaderCacheKib));
  return Lease(this, std::move(store));
}

void ReaderPool::Release(std::unique_ptr<storage::TraceStore> store) {
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) {
    idle_.push_back(std::move(store));
  }
}

}  // namespace xrayd::daemon
