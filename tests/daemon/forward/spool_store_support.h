#pragma once
// Test helper: a trace store in a fresh temp directory whose PutDocuments also fills the forward
// spool, and small segment documents to put in it (trace n, id n, raw JSON padded to a size).

#include <memory>
#include <string>
#include <vector>

#include "proto/document.h"
#include "storage/trace_store.h"

namespace xrayd::daemon::testing {

// The trace id of document `n` (one trace per document).
std::string SpoolTraceId(int n);
// The segment id of document `n`.
std::string SpoolDocId(int n);
// Documents n = first .. first + count - 1, each a complete segment of its own trace with about
// `pad` bytes of raw JSON.
std::vector<proto::Document> SpoolDocs(int first, int count, std::size_t pad = 100);

class SpoolStore {
 public:
  // A store at <temp>/<name>-<pid>/traces.db with the spool on; fails the test on error.
  explicit SpoolStore(const std::string& name);
  ~SpoolStore();
  const std::string& Path() const { return path_; }
  storage::TraceStore& Store() { return *store_; }
  // Puts documents first .. first + count - 1 received at `received_at`.
  void Put(int first, int count, double received_at = 1000, std::size_t pad = 100);

 private:
  std::string dir_;
  std::string path_;
  std::unique_ptr<storage::TraceStore> store_;
};

}  // namespace xrayd::daemon::testing
