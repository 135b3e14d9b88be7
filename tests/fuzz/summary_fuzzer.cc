// libFuzzer target for one-pass summaries: splits the input at ASCII record separators (0x1e) into
// document bodies, decodes each (as PutTraceSegments and the UDP path do), and checks that the
// summary row from the ingest parse (query::NewTraceSummaryRow) equals the row the trace model
// gives for the stored documents: for each document alone, and for all of them as one trace (the
// first document of each id, as the store keeps one per id). A difference aborts.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "proto/document_decoder.h"
#include "tests/support/new_trace_summary_check.h"

namespace {

void Check(const std::string& mismatch) {
  if (!mismatch.empty()) {
    std::fprintf(stderr, "summary mismatch\n%s\n", mismatch.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static xrayd::proto::DocumentDecoder decoder;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<xrayd::proto::Document> docs;
  for (;;) {
    const std::size_t separator = input.find('\x1e');
    auto decoded = decoder.Decode(input.substr(0, separator));
    if (decoded) {
      for (xrayd::proto::Document& doc : *decoded) {
        docs.push_back(std::move(doc));
      }
    }
    if (separator == std::string_view::npos) {
      break;
    }
    input.remove_prefix(separator + 1);
  }
  std::unordered_set<std::string> ids;
  std::vector<const xrayd::proto::Document*> trace;
  for (const xrayd::proto::Document& doc : docs) {
    Check(xrayd::testing::NewTraceSummaryMismatch(doc));
    if (ids.insert(doc.id).second) {
      trace.push_back(&doc);
    }
  }
  if (trace.size() > 1) {
    Check(xrayd::testing::NewTraceSummaryMismatch(trace));
  }
  return 0;
}
