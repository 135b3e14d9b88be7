#pragma once
// Checks query::NewTraceSummaryRow against its definition: the row SummaryRowFromModel gives for
// the trace model BuildTraceModel builds from the same stored documents. Shared by the unit test
// and the summary fuzzer.

#include <algorithm>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "proto/document.h"
#include "query/trace_model.h"
#include "query/trace_summary_row.h"
#include "storage/trace_store.h"

namespace xrayd::testing {

inline storage::TraceSummaryRow ModelRowOf(std::span<const proto::Document* const> docs) {
  std::vector<storage::StoredDocument> stored;
  for (const proto::Document* doc : docs) {
    stored.push_back(storage::StoredDocumentOf(*doc, 0));
  }
  return query::SummaryRowFromModel(query::BuildTraceModel(docs.front()->trace_id, stored));
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

// Empty when NewTraceSummaryRow(docs) agrees with the model (or has no row for them), else both
// rows described. `docs`: one trace's stored documents, each id once.
inline std::string NewTraceSummaryMismatch(std::span<const proto::Document* const> docs) {
  const std::optional<storage::TraceSummaryRow> fast = query::NewTraceSummaryRow(docs);
  if (!fast) {
    return {};
  }
  const storage::TraceSummaryRow model = ModelRowOf(docs);
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

inline std::string NewTraceSummaryMismatch(const proto::Document& doc) {
  const proto::Document* const docs[] = {&doc};
  return NewTraceSummaryMismatch(docs);
}

}  // namespace xrayd::testing
