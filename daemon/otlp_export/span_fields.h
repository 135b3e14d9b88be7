#pragma once
// Parts of the document -> span conversion (segment_spans.h), one X-Ray field each, exposed for
// segment_spans.cc and the tests. Pure. `node` is one segment or subsegment object; attributes are
// appended to `attrs` (span attributes unless said otherwise).

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace xrayd::daemon::otlp_export {

using Attributes = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;
using Span = opentelemetry::proto::trace::v1::Span;

// The member `key` of `object`, or null when `object` is not an object or has no such member.
const nlohmann::json* Member(const nlohmann::json& object, std::string_view key);
// The string member `key`, or "" when absent or not a string.
std::string StringMember(const nlohmann::json& object, std::string_view key);

void PutString(Attributes& attrs, std::string_view key, std::string_view value);
void PutInt(Attributes& attrs, std::string_view key, std::int64_t value);
void PutDouble(Attributes& attrs, std::string_view key, double value);
void PutBool(Attributes& attrs, std::string_view key, bool value);
// A scalar JSON value (string, integer, float, bool) as a typed attribute; false for others.
bool PutScalar(Attributes& attrs, std::string_view key, const nlohmann::json& value);

// `http`: request method, url, user agent, client ip (http.client_ip when x_forwarded_for, else
// net.peer.ip); response status and content length.
void MapHttp(const nlohmann::json& node, Attributes& attrs);
// `sql`: url / connection_string, sanitized_query, database_type, database_version, driver_version,
// user, preparation.
void MapSql(const nlohmann::json& node, Attributes& attrs);
// The call-level `aws` fields of a subsegment (operation, region, request_id, queue_url,
// table_name, account_id, retries).
void MapAwsCall(const nlohmann::json& node, Attributes& attrs);
// The resource attributes of a segment: service.name, service.version, origin -> cloud.platform,
// aws.ec2/ecs/eks/elastic_beanstalk/xray/cloudwatch_logs, account_id, resource_arn.
void MapResource(const nlohmann::json& segment, Attributes& attrs);
// `cause.exceptions` -> `exception` events at `time_nanos`; returns the first exception's message
// (or cause.message), "" when none.
std::string MapCause(const nlohmann::json& node, std::uint64_t time_nanos, Span& span);
// `links` ([{trace_id, id, attributes}]) -> span links: trace id and id as bytes, attributes
// typed (arrays and objects as array and key-value list values, null left out). A link whose
// trace id or id is not valid is left out.
void MapLinks(const nlohmann::json& node, Span& span);
// A stack (cause.exceptions[].stack) as text, one frame a line: `at LABEL(PATH:LINE)`.
std::string FormatStack(const nlohmann::json& stack);

}  // namespace xrayd::daemon::otlp_export
