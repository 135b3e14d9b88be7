#pragma once
// The three wire protocols of the CloudWatch API (docs/alarms.md#protocols), one endpoint:
//   RPC v2 CBOR    POST /service/GraniteServiceVersion20100801/operation/<Op>,
//                  smithy-protocol: rpc-v2-cbor, CBOR bodies (timestamps: tag 1, epoch seconds)
//   AWS JSON 1.0   POST /, X-Amz-Target: GraniteServiceVersion20100801.<Op>, JSON bodies
//   query          POST /, form-encoded Action=<Op>&Version=2010-08-01&..., XML answers
// Requests decode to one JSON object of CloudWatch member names (query lists become arrays, query
// values stay text); results are JSON where a timestamp is {"$ts": epoch seconds}, encoded back in
// the request's protocol. Errors carry the query error code in every protocol
// (x-amzn-query-error for JSON and CBOR). Pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "daemon/alarms/alarm_model.h"
#include "daemon/api/api_router.h"

namespace xrayd::daemon::alarms {

inline constexpr char kCborPathPrefix[] = "/service/GraniteServiceVersion20100801/operation/";
inline constexpr char kJsonTargetPrefix[] = "GraniteServiceVersion20100801.";

enum class Protocol { kCbor, kJson, kQuery };

struct CloudWatchRequest {
  Protocol protocol = Protocol::kJson;
  std::string operation;
  nlohmann::json params = nlohmann::json::object();
};

// Which protocol `request` speaks, from its path and headers (kQuery for a form body on "/").
Protocol DetectProtocol(const HttpRequest& request);

// Decodes `request`. On failure the ApiError (400 SerializationException / MissingAction) is set
// and the protocol is still the request's, so the error can be answered in it. Text that is not
// valid UTF-8 and parameters nested deeper than 32 levels are refused (SerializationException;
// InvalidParameterValue in the query protocol).
[[nodiscard]] std::pair<std::optional<CloudWatchRequest>, ApiError> DecodeRequest(
    const HttpRequest& request);

// A successful answer to `operation` with `result` (an object; empty for operations without
// output).
HttpResponse EncodeResult(Protocol protocol, const std::string& operation,
                          const nlohmann::json& result);
HttpResponse EncodeError(Protocol protocol, const ApiError& error);

// A timestamp member of a result.
inline nlohmann::json Timestamp(double epoch_seconds) {
  return {{"$ts", epoch_seconds}};
}
// A timestamp parameter: epoch seconds as a number (JSON, CBOR) or ISO 8601 / epoch text (query).
std::optional<double> ParseTimestamp(const nlohmann::json& value);

// Exposed for tests: the CBOR encoding of `value` with {"$ts": x} as tag 1 + float64.
std::string EncodeCbor(const nlohmann::json& value);
// Exposed for tests: the query form `body` as nested JSON ("A.member.1.B=x" -> {"A":[{"B":"x"}]}).
// List positions run 1..999 (others read as plain names); keys of more than 32 dotted parts are
// dropped.
nlohmann::json DecodeQueryForm(std::string_view body);

}  // namespace xrayd::daemon::alarms
