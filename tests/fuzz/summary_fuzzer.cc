// libFuzzer target for one-pass summaries: decodes the input as a segment document body (as
// PutTraceSegments and the UDP path do) and, for each document the decoder marks as able to be a
// whole trace, checks that the summary row from the ingest parse (query::SoleDocumentSummaryRow)
// equals the row the trace model gives for the stored document. A difference aborts.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proto/document_decoder.h"
#include "tests/support/sole_summary_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static xrayd::proto::DocumentDecoder decoder;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto docs = decoder.Decode(body);
  if (!docs) {
    return 0;
  }
  for (const xrayd::proto::Document& doc : *docs) {
    const std::string mismatch = xrayd::testing::SoleSummaryMismatch(doc);
    if (!mismatch.empty()) {
      std::fprintf(stderr, "summary mismatch\n%s\n", mismatch.c_str());
      std::abort();
    }
  }
  return 0;
}
