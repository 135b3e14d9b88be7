// libFuzzer target for the CloudWatch API's request decoders and handlers. The input is one
// request: a first line naming its protocol ("cbor <Operation>", "json <Operation>" or anything
// else for the query protocol), then the body. The request goes through DecodeRequest and, when it
// decodes, HandleCloudWatch on a fresh in-memory AlarmStore with a FakeClock (no files, sockets or
// threads). Checks: nothing crashes or throws; every failure, of the decoder or of an operation, is
// a client error (4xx with a code) that EncodeError turns into a well-formed body of the request's
// protocol; every success encodes into a well-formed body (JSON parses, XML is the operation's).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/alarms/alarm_service.h"
#include "daemon/alarms/cloudwatch_api.h"
#include "daemon/alarms/cloudwatch_protocol.h"
#include "proto/clock.h"
#include "storage/alarm_store.h"

namespace {

namespace alarms = xrayd::daemon::alarms;
using xrayd::daemon::HttpRequest;
using xrayd::daemon::HttpResponse;

void Check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

std::string HeaderOf(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) {
      return value;
    }
  }
  return "";
}

HttpRequest RequestOf(std::string_view input) {
  HttpRequest request;
  request.method = "POST";
  const std::size_t newline = input.find('\n');
  const std::string_view first = input.substr(0, newline);
  request.body = newline == std::string_view::npos ? "" : std::string(input.substr(newline + 1));
  const std::string_view op = first.size() > 5 ? first.substr(5) : std::string_view();
  if (first.rfind("cbor ", 0) == 0) {
    request.target = std::string(alarms::kCborPathPrefix) + std::string(op);
    request.headers = {{"smithy-protocol", "rpc-v2-cbor"}, {"content-type", "application/cbor"}};
  } else if (first.rfind("json ", 0) == 0) {
    request.target = "/";
    request.headers = {{"x-amz-target", std::string(alarms::kJsonTargetPrefix) + std::string(op)},
                       {"content-type", "application/x-amz-json-1.0"}};
  } else {
    request.target = "/";
    request.headers = {{"content-type", "application/x-www-form-urlencoded"}};
    request.body = std::string(input);
  }
  return request;
}

// A client error, encoded cleanly in `protocol`.
void CheckError(alarms::Protocol protocol, const alarms::ApiError& error) {
  Check(error.status >= 400 && error.status < 500 && !error.code.empty());
  const HttpResponse response = alarms::EncodeError(protocol, error);
  Check(response.status == error.status);
  switch (protocol) {
    case alarms::Protocol::kJson: {
      auto body = nlohmann::json::parse(response.body, nullptr, false);
      Check(body.is_object() && body["__type"].is_string() && body["message"].is_string());
      Check(HeaderOf(response, "x-amzn-query-error") == error.code + ";Sender");
      break;
    }
    case alarms::Protocol::kCbor: {
      auto body = nlohmann::json::from_cbor(response.body, true, false);
      Check(body.is_object() && body["__type"].is_string() && body["message"].is_string());
      Check(HeaderOf(response, "x-amzn-query-error") == error.code + ";Sender");
      break;
    }
    case alarms::Protocol::kQuery:
      Check(response.body.rfind("<ErrorResponse xmlns=", 0) == 0);
      Check(response.body.find("<Code>") != std::string::npos);
      break;
  }
}

void CheckResult(alarms::Protocol protocol, const std::string& operation,
                 const nlohmann::json& result) {
  const HttpResponse response = alarms::EncodeResult(protocol, operation, result);
  Check(response.status == 200);
  switch (protocol) {
    case alarms::Protocol::kJson:
      Check(nlohmann::json::parse(response.body, nullptr, false).is_object());
      break;
    case alarms::Protocol::kCbor:
      Check(!response.body.empty());
      break;
    case alarms::Protocol::kQuery:
      Check(response.body.rfind("<" + operation + "Response xmlns=", 0) == 0);
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Every alarm put logs its first state change: keep the fuzzer's output to its own findings.
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  const HttpRequest request =
      RequestOf(std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    auto [decoded, error] = alarms::DecodeRequest(request);
    if (!decoded) {
      CheckError(alarms::DetectProtocol(request), error);
      return 0;
    }
    auto store = xrayd::storage::AlarmStore::Open(":memory:");
    Check(store.has_value());
    xrayd::proto::FakeClock clock;
    alarms::AlarmService service(**store, clock, nullptr);
    auto [result, failure] = alarms::HandleCloudWatch(service, decoded->operation, decoded->params);
    if (failure) {
      CheckError(decoded->protocol, *failure);
    } else {
      CheckResult(decoded->protocol, decoded->operation, result);
    }
  } catch (...) {
    std::abort();  // Handlers run on the HTTP threads: nothing may escape them.
  }
  return 0;
}
