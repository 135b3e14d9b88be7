#include "daemon/cli/xray_query_client.h"

#include <algorithm>
#include <utility>

#include "daemon/net/http_client.h"

namespace xrayd::daemon {

namespace {

constexpr std::size_t kBatchGetTracesMax = 5;  // BatchGetTraces' TraceIds limit.

}  // namespace

XrayQueryClient::XrayQueryClient(std::string base_url)
    : base_url_(std::move(base_url)), http_(std::make_unique<HttpClient>()) {
  while (!base_url_.empty() && base_url_.back() == '/') {
    base_url_.pop_back();
  }
}

XrayQueryClient::~XrayQueryClient() = default;

Result<nlohmann::json> XrayQueryClient::Call(const std::string& path, const nlohmann::json& body) {
  ClientRequest request;
  request.method = "POST";
  request.url = base_url_ + path;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body.dump();
  request.timeout = std::chrono::milliseconds(30000);
  XRAYD_TRY_ASSIGN(auto response, http_->Send(request));
  nlohmann::json parsed = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status / 100 != 2) {
    std::string message = parsed.is_object() && parsed.value("message", "") != ""
                              ? parsed.value("message", "")
                              : response.body.substr(0, 200);
    const std::string type = response.Header("X-Amzn-ErrorType");
    const ErrorCode code =
        response.status == 400 ? ErrorCode::kInvalidArgument : ErrorCode::kIOError;
    return MakeError(code, path + ": HTTP " + std::to_string(response.status) +
                               (type.empty() ? "" : " " + type) + ": " + message);
  }
  if (parsed.is_discarded()) {
    return MakeError(ErrorCode::kIOError, path + ": the answer is not JSON");
  }
  return parsed;
}

Result<std::vector<std::string>> XrayQueryClient::FindTraceIds(const std::string& filter,
                                                               const TraceWindow& window,
                                                               std::size_t limit) {
  std::vector<std::string> ids;
  std::string next_token;
  do {
    nlohmann::json body = {
        {"StartTime", window.start}, {"EndTime", window.end}, {"TimeRangeType", "Event"}};
    if (!filter.empty()) {
      body["FilterExpression"] = filter;
    }
    if (!next_token.empty()) {
      body["NextToken"] = next_token;
    }
    XRAYD_TRY_ASSIGN(auto page, Call("/TraceSummaries", body));
    for (const auto& summary : page.value("TraceSummaries", nlohmann::json::array())) {
      if (summary.contains("Id") && summary["Id"].is_string()) {
        ids.push_back(summary["Id"].get<std::string>());
      }
    }
    if (ids.size() > limit) {
      return MakeError(ErrorCode::kResourceExhausted,
                       "more than " + std::to_string(limit) + " traces in the window");
    }
    next_token = page.contains("NextToken") && page["NextToken"].is_string()
                     ? page["NextToken"].get<std::string>()
                     : "";
  } while (!next_token.empty());
  return ids;
}

Result<std::vector<nlohmann::json>> XrayQueryClient::GetTraces(
    const std::vector<std::string>& ids) {
  std::vector<nlohmann::json> traces;
  for (std::size_t i = 0; i < ids.size(); i += kBatchGetTracesMax) {
    const std::size_t end = std::min(ids.size(), i + kBatchGetTracesMax);
    nlohmann::json body = {
        {"TraceIds", std::vector<std::string>(ids.begin() + i, ids.begin() + end)}};
    XRAYD_TRY_ASSIGN(auto answer, Call("/Traces", body));
    for (auto& trace : answer["Traces"]) {
      traces.push_back(std::move(trace));
    }
  }
  return traces;
}

std::vector<nlohmann::ordered_json> TraceDocuments(const nlohmann::json& trace) {
  std::vector<nlohmann::ordered_json> documents;
  for (const auto& segment : trace.value("Segments", nlohmann::json::array())) {
    if (!segment.contains("Document") || !segment["Document"].is_string()) {
      continue;
    }
    auto document =
        nlohmann::ordered_json::parse(segment["Document"].get<std::string>(), nullptr, false);
    if (!document.is_object() || document.value("inferred", false)) {
      continue;
    }
    documents.push_back(std::move(document));
  }
  return documents;
}

}  // namespace xrayd::daemon
