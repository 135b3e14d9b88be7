#pragma once
// Checks query::SoleDocumentSummaryRow against its definition: the row SummaryRowFromModel gives
// for the trace model BuildTraceModel builds from the stored document alone. Shared by the unit
// test and the summary fuzzer.

#include <algorithm>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "proto/document.h"
#include "query/trace_model.h"
#include "query/trace_summary_row.h"
#include "storage/trace_store.h"

namespace xrayd::testing {

inline storage::TraceSummaryRow ModelRowOfSoleDocument(const proto::Document& doc) {
  const storage::StoredDocument stored = storage::StoredDocumentOf(doc, 0);
  return query::SummaryRowFromModel(query::BuildTraceModel(doc.trace_id, std::span(&stored, 1)));
}

// Values as a sorted set: the store keeps them with INSERT OR IGNORE, so order and repeats do not
// matter.
inline std::vector<std::pair<std::string, std::string>> ValueSet(
    const storage::TraceSummaryRow& row) {
  std::vector<std::pair<std::string, std::string>> values = row.values;
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

template <typename T>
void Describe(std::ostringstream& out, const char* name, const std::optional<T>& value) {
  out << name << '=';
  if (value) {
    out << *value;
  } else {
    out << "null";
  }
  out << ' ';
}

inline std::string DescribeRow(const storage::TraceSummaryRow& row) {
  std::ostringstream out;
  out.precision(17);
  Describe(out, "response_time", row.response_time);
  Describe(out, "duration", row.duration);
  out << "flags=" << row.flags << ' ';
  Describe(out, "status", row.http_status);
  Describe(out, "url", row.http_url);
  Describe(out, "method", row.http_method);
  Describe(out, "user_agent", row.http_useragent);
  Describe(out, "client_ip", row.http_clientip);
  for (const auto& [key, value] : ValueSet(row)) {
    out << key << '=' << value << ' ';
  }
  return out.str();
}

// Empty when SoleDocumentSummaryRow(doc) agrees with the model (or has no row for doc), else both
// rows described.
inline std::string SoleSummaryMismatch(const proto::Document& doc) {
  const std::optional<storage::TraceSummaryRow> fast = query::SoleDocumentSummaryRow(doc);
  if (!fast) {
    return {};
  }
  const storage::TraceSummaryRow model = ModelRowOfSoleDocument(doc);
  const bool same =
      fast->response_time == model.response_time && fast->duration == model.duration &&
      fast->flags == model.flags && fast->http_status == model.http_status &&
      fast->http_url == model.http_url && fast->http_method == model.http_method &&
      fast->http_useragent == model.http_useragent && fast->http_clientip == model.http_clientip &&
      ValueSet(*fast) == ValueSet(model);
  if (same) {
    return {};
  }
  return "from the ingest parse: " + DescribeRow(*fast) + "\nfrom the model: " + DescribeRow(model);
}

}  // namespace xrayd::testing
