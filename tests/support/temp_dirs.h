#pragma once
// Scratch directories for tests that start real daemons: made empty under GoogleTest's temp dir
// and removed, with everything in them, when the test process exits normally. A test process that
// crashes keeps them for inspection. Thread-safe.

#include <stdlib.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace xrayd::testing_support {

namespace internal {

class TempDirRegistry {
 public:
  ~TempDirRegistry() {
    for (const std::string& dir : dirs_) {
      std::error_code ignored;  // Best effort: a leftover directory is not a test failure.
      std::filesystem::remove_all(dir, ignored);
    }
  }

  void Add(std::string dir) {
    std::lock_guard<std::mutex> lock(mu_);
    dirs_.push_back(std::move(dir));
  }

 private:
  std::mutex mu_;
  std::vector<std::string> dirs_;  // GUARDED_BY(mu_)
};

inline TempDirRegistry& TempDirs() {
  static TempDirRegistry registry;
  return registry;
}

}  // namespace internal

// A new empty directory named `prefix`-XXXXXX; empty (and a test failure) if it cannot be made.
inline std::string MakeScratchDir(const std::string& prefix) {
  std::string path = ::testing::TempDir() + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(path.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << path;
    return {};
  }
  internal::TempDirs().Add(path);
  return path;
}

}  // namespace xrayd::testing_support
