#pragma once
// ReaderPool: read-only TraceStore connections for API handlers, which run on several HTTP threads.
// A TraceStore is used by one thread at a time; the pool hands each caller a connection of its own
// for the duration of a Lease and keeps idle ones for reuse. Thread-safe.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "proto/result.h"
#include "storage/trace_store.h"

namespace xrayd::daemon {

class ReaderPool {
 public:
  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<storage::TraceStore> store);
    ~Lease();
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    storage::TraceStore& operator*() const { return *store_; }
    storage::TraceStore* operator->() const { return store_.get(); }

   private:
    ReaderPool* pool_;
    std::unique_ptr<storage::TraceStore> store_;
  };

  // `store_path` must already hold a store (the daemon creates it before the HTTP server starts).
  explicit ReaderPool(std::string store_path, std::size_t max_idle = 8);

  // An idle connection, or a new one. kIOError/kInvalidArgument if the store cannot be opened.
  [[nodiscard]] Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<storage::TraceStore> store);

  const std::string store_path_;
  const std::size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<storage::TraceStore>> idle_;  // GUARDED_BY(mu_)
};

}  // namespace xrayd::daemon
