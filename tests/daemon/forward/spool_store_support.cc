#include "tests/daemon/forward/spool_store_support.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <gtest/gtest.h>

namespace xrayd::daemon::testing {

std::string SpoolTraceId(int n) {
  char id[36];
  std::snprintf(id, sizeof(id), "1-5759e988-%024x", n);
  return id;
}

std::string SpoolDocId(int n) {
  char id[17];
  std::snprintf(id, sizeof(id), "%016x", n + 1);
  return id;
}

std::vector<proto::Document> SpoolDocs(int first, int count, std::size_t pad) {
  std::vector<proto::Document> docs;
  for (int n = first; n < first + count; ++n) {
    proto::Document doc;
    doc.trace_id = SpoolTraceId(n);
    doc.id = SpoolDocId(n);
    doc.name = "svc";
    doc.start_time = 1000;
    doc.end_time = 1001;
    doc.raw = "{\"trace_id\":\"" + doc.trace_id + "\",\"id\":\"" + doc.id +
              "\",\"name\":\"svc\",\"start_time\":1000,\"end_time\":1001,\"pad\":\"" +
              std::string(pad, 'x') + "\"}";
    docs.push_back(std::move(doc));
  }
  return docs;
}

SpoolStore::SpoolStore(const std::string& name) {
  dir_ = ::testing::TempDir() + "/" + name + "-" + std::to_string(getpid());
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  path_ = dir_ + "/traces.db";
  auto store = storage::TraceStore::Open(path_, storage::OpenMode::kReadWrite);
  EXPECT_TRUE(store) << store.error().message;
  if (store) {
    store_ = std::move(*store);
    store_->SetForwardSpool(true);
  }
}

SpoolStore::~SpoolStore() {
  store_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void SpoolStore::Put(int first, int count, double received_at, std::size_t pad) {
  auto docs = SpoolDocs(first, count, pad);
  auto stats = store_->PutDocuments(docs, received_at);
  ASSERT_TRUE(stats) << stats.error().message;
  ASSERT_EQ(stats->spooled, static_cast<std::uint64_t>(count));
}

}  // namespace xrayd::daemon::testing
