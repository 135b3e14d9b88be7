// GetTraceSummaries, BatchGetTraces and PutTraceSegments (docs/api.md).

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/api/api_json.h"
#include "daemon/api/xray_api.h"
#include "proto/document_decoder.h"
#include "proto/ids.h"
#include "query/filter_parser.h"
#include "query/inferred_segments.h"
#include "query/trace_assembler.h"
#include "query/trace_search.h"
#include "query/trace_summary_json.h"

namespace xrayd::daemon {
namespace {

constexpr std::size_t kSummariesPageSize = 100;  // [local] docs/api.md#gettracesummaries.
// [local] A GetTraceSummaries call that has examined 1,000 candidates and run this long returns
// its page with a NextToken (docs/api.md#gettracesummaries): ingest keeps the CPU between pages.
constexpr auto kSummariesTimeBudget = std::chrono::milliseconds(100);
constexpr std::size_t kMaxBatchGetTraceIds = 5;  // AWS: "Exceeding maximum query size: 5".
constexpr std::size_t kMaxPutSegments = 50;      // AWS: "Exceeding maximum segment count: 50".

HttpResponse InternalFailure(const Error& error) {
  return JsonError(500, "InternalFailure", error.message);
}

HttpResponse InvalidFromError(const Error& error) {
  return error.code == ErrorCode::kInvalidArgument ? InvalidRequest(error.message)
                                                   : InternalFailure(error);
}

// A list of strings member; absent -> empty; other types -> 400.
ApiResult<std::vector<std::string>> StringList(const nlohmann::json& body, std::string_view name,
                                               bool required) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) {
      return tl::unexpected(InvalidRequest(std::string(name) + " is required"));
    }
    return std::vector<std::string>();
  }
  if (!it->is_array()) {
    return tl::unexpected(InvalidRequest(std::string(name) + " must be a list of strings"));
  }
  std::vector<std::string> out;
  for (const nlohmann::json& element : *it) {
    if (!element.is_string()) {
      return tl::unexpected(InvalidRequest(std::string(name) + " must be a list of strings"));
    }
    out.push_back(element.get<std::string>());
  }
  return out;
}

struct SummariesArgs {
  query::SearchRequest search;
  query::FilterExpr filter;
  bool event_time = false;
};

ApiResult<query::TimeRangeType> ParseTimeRangeType(const std::optional<std::string>& text) {
  if (!text || *text == "TraceId")
    return query::TimeRangeType::kTraceId;
  if (*text == "Event")
    return query::TimeRangeType::kEvent;
  if (*text == "Service")
    return query::TimeRangeType::kService;
  return tl::unexpected(
      InvalidRequest("TimeRangeType must be TraceId, Event or Service, not '" + *text + "'"));
}

// Sampling / SamplingStrategy (docs/api.md#gettracesummaries [local]): FixedRate keeps a
// hash-chosen fraction of the matches, PartialScan scans only the most recent fraction of the
// window.
ApiResult<bool> ApplySampling(const nlohmann::json& body, query::SearchRequest& search) {
  XRAYD_TRY_ASSIGN(auto sampling, OptionalBool(body, "Sampling"));
  std::string name = "FixedRate";
  double value = 0.1;
  auto strategy = body.find("SamplingStrategy");
  const bool has_strategy = strategy != body.end() && !strategy->is_null();
  if (has_strategy) {
    if (!strategy->is_object()) {
      return tl::unexpected(InvalidRequest("SamplingStrategy must be an object"));
    }
    XRAYD_TRY_ASSIGN(auto n, OptionalString(*strategy, "Name"));
    XRAYD_TRY_ASSIGN(auto v, OptionalNumber(*strategy, "Value"));
    if (n)
      name = *n;
    if (v)
      value = *v;
    if (name != "FixedRate" && name != "PartialScan") {
      return tl::unexpected(
          InvalidRequest("SamplingStrategy.Name must be PartialScan or FixedRate"));
    }
    if (!(value > 0 && value <= 1)) {
      return tl::unexpected(InvalidRequest("SamplingStrategy.Value must be in (0, 1]"));
    }
  }
  if (!sampling.value_or(false)) {
    return false;
  }
  if (name == "FixedRate") {
    search.sample_rate = value;
  } else {
    search.start = search.end - value * (search.end - search.start);
  }
  return true;
}

HttpResponse GetTraceSummaries(const ApiServices& services, const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  XRAYD_API_TRY_ASSIGN(auto start, OptionalTimestamp(body, "StartTime"));
  XRAYD_API_TRY_ASSIGN(auto end, OptionalTimestamp(body, "EndTime"));
  if (!start)
    return InvalidRequest("StartTime is required");
  if (!end)
    return InvalidRequest("EndTime is required");
  if (!(*start < *end))
    return InvalidRequest("StartTime must be before EndTime");
  XRAYD_API_TRY_ASSIGN(auto type_text, OptionalString(body, "TimeRangeType"));
  XRAYD_API_TRY_ASSIGN(auto type, ParseTimeRangeType(type_text));
  XRAYD_API_TRY_ASSIGN(auto filter_text, OptionalString(body, "FilterExpression"));
  XRAYD_API_TRY_ASSIGN(auto token, OptionalString(body, "NextToken"));

  query::FilterExpr filter;
  if (filter_text) {
    auto parsed = query::ParseFilter(*filter_text);
    if (!parsed)
      return InvalidRequest(parsed.error().message);
    filter = std::move(*parsed);
  }
  if (Status s = query::CheckFilterGroups(filter, services.groups); !s) {
    return InvalidRequest(s.error().message);
  }

  query::SearchRequest search;
  search.filter = &filter;
  search.time_range_type = type;
  search.start = *start;
  search.end = *end;
  search.page_size = kSummariesPageSize;
  search.time_budget = kSummariesTimeBudget;
  search.next_token = token.value_or("");
  search.groups = services.groups;
  search.cancelled = request.client_gone;
  XRAYD_API_TRY_ASSIGN([[maybe_unused]] const bool sampled, ApplySampling(body, search));
  search.token_scope = nlohmann::json{
      {"s", *start},
      {"e", *end},
      {"t", type_text.value_or("TraceId")},
      {"f", filter_text.value_or("")},
      {"r",
       search.sample_rate}}.dump();

  auto reader = services.traces->Acquire();
  if (!reader)
    return InternalFailure(reader.error());
  auto page = query::SearchTraces(**reader, search);
  if (!page)
    return InvalidFromError(page.error());
  if (page->cancelled && services.metrics != nullptr) {
    services.metrics->searches_cancelled.fetch_add(1, std::memory_order_relaxed);
  }

  nlohmann::json summaries = nlohmann::json::array();
  for (const query::SearchMatch& match : page->matches) {
    nlohmann::json summary = query::TraceSummaryToJson(*match.model);
    summary["Revision"] = match.info.revision;
    if (type == query::TimeRangeType::kEvent) {
      summary["MatchedEventTime"] = std::max(*start, match.info.start_time);
    }
    summaries.push_back(std::move(summary));
  }
  nlohmann::json response{{"TraceSummaries", std::move(summaries)},
                          {"TracesProcessedCount", page->scanned}};
  response["ApproximateTime"] = page->matches.empty() || page->next_token.empty()
                                    ? search.start
                                    : page->matches.back().info.start_time;
  if (!page->next_token.empty()) {
    response["NextToken"] = page->next_token;
  }
  return JsonResponse(response);
}

HttpResponse BatchGetTraces(const ApiServices& services, const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  XRAYD_API_TRY_ASSIGN(auto ids, StringList(body, "TraceIds", /*required=*/true));
  XRAYD_API_TRY_ASSIGN(auto token, OptionalString(body, "NextToken"));
  if (token)
    return InvalidRequest("NextToken is currently not supported");
  if (ids.empty())
    return InvalidRequest("TraceIds must not be empty");
  if (ids.size() > kMaxBatchGetTraceIds)
    return InvalidRequest("Exceeding maximum query size: 5");

  auto reader = services.traces->Acquire();
  if (!reader)
    return InternalFailure(reader.error());
  nlohmann::json traces = nlohmann::json::array();
  nlohmann::json unprocessed = nlohmann::json::array();
  for (const std::string& id : ids) {
    const std::string stored_id = proto::CanonicalTraceId(id);
    auto docs = (*reader)->GetDocuments(stored_id);
    if (!docs)
      return InternalFailure(docs.error());
    if (docs->empty()) {
      unprocessed.push_back(id);
      continue;
    }
    nlohmann::json trace = query::AssembleTrace(stored_id, *docs);
    query::AppendInferredSegments(query::BuildTraceModel(stored_id, *docs), trace);
    traces.push_back(std::move(trace));
  }
  return JsonResponse(
      {{"Traces", std::move(traces)}, {"UnprocessedTraceIds", std::move(unprocessed)}});
}

// X-Ray's ErrorCode for a rejected document (docs/api.md#puttracesegments).
const char* ErrorCodeFor(proto::RejectReason reason) {
  using R = proto::RejectReason;
  switch (reason) {
    case R::kInvalidTraceId:
      return "InvalidTraceId";
    case R::kInvalidId:
      return "InvalidId";
    case R::kInvalidParentId:
      return "InvalidId";
    case R::kInvalidName:
      return "InvalidName";
    case R::kInvalidStartTime:
    case R::kInvalidEndTime:
      return "InvalidTime";
    case R::kOversize:
      return "DocumentTooLarge";
    case R::kInvalidType:
    case R::kInvalidField:
    case R::kTooDeep:
      return "InvalidSegment";
    default:
      return "InvalidJson";
  }
}

// The document's "id" if it has a readable one, for UnprocessedTraceSegments.
std::string DocumentId(const std::string& text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_object()) {
    auto it = doc.find("id");
    if (it != doc.end() && it->is_string())
      return it->get<std::string>();
  }
  return {};
}

HttpResponse PutTraceSegments(const ApiServices& services, const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  XRAYD_API_TRY_ASSIGN(auto documents,
                       StringList(body, "TraceSegmentDocuments", /*required=*/true));
  if (documents.empty())
    return InvalidRequest("TraceSegmentDocuments must not be empty");
  if (documents.size() > kMaxPutSegments) {
    return InvalidRequest("Exceeding maximum segment count: 50");
  }
  thread_local proto::DocumentDecoder decoder;
  IngestBatch batch;
  batch.received_at = services.clock->NowSeconds();
  nlohmann::json unprocessed = nlohmann::json::array();
  for (const std::string& text : documents) {
    auto decoded = decoder.Decode(text);
    if (!decoded) {
      services.metrics->CountRejected(decoded.error().reason);
      const char* code = ErrorCodeFor(decoded.error().reason);
      unprocessed.push_back({{"Id", DocumentId(text)},
                             {"ErrorCode", code},
                             {"Message", std::string("Invalid segment. ErrorCode: ") + code +
                                             ", Cause: " + decoded.error().detail}});
      continue;
    }
    for (proto::Document& doc : *decoded) {
      batch.documents.push_back(std::move(doc));
    }
  }
  const std::size_t accepted = batch.documents.size();
  if (accepted > 0 && !services.queue->TryPush(batch)) {
    // Nothing of this request was taken: the client retries (SDKs retry 429 ThrottledException).
    return JsonError(429, "ThrottledException", "ingest queue is full, retry later");
  }
  services.metrics->segments_accepted.fetch_add(accepted, std::memory_order_relaxed);
  return JsonResponse({{"UnprocessedTraceSegments", std::move(unprocessed)}});
}

}  // namespace

void RegisterTraceApi(ApiRouter& router, const ApiServices& services) {
  router.Add("POST", "/TraceSummaries",
             [services](const HttpRequest& r) { return GetTraceSummaries(services, r); });
  router.Add("POST", "/Traces",
             [services](const HttpRequest& r) { return BatchGetTraces(services, r); });
  router.Add("POST", "/TraceSegments",
             [services](const HttpRequest& r) { return PutTraceSegments(services, r); });
}

}  // namespace xrayd::daemon
