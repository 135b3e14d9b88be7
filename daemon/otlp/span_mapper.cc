// Rule by rule: docs/otlp-mapping.md.
#include "daemon/otlp/span_mapper.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "proto/name_rules.h"

namespace xrayd::daemon::otlp {

namespace {

using opentelemetry::proto::trace::v1::Status;

constexpr std::size_t kMaxNameBytes = 200;

bool AllZero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

bool AllowedNameChar(unsigned char c) {
  if (c >= 0x80) {
    return true;  // Part of a UTF-8 sequence: letters and digits of other scripts.
  }
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ') {
    return true;
  }
  return std::string_view("_.:/%&#=+\\-@").find(static_cast<char>(c)) != std::string_view::npos;
}

bool IsSegmentKind(Span::SpanKind kind) {
  return kind == Span::SPAN_KIND_SERVER || kind == Span::SPAN_KIND_CONSUMER;
}

bool IsOutgoing(Span::SpanKind kind) {
  return kind == Span::SPAN_KIND_CLIENT || kind == Span::SPAN_KIND_PRODUCER;
}

// Rule "name": the first attribute that exists, in the exporter's order.
std::string SpanName(const Span& span, Attributes& attrs, Attributes& resource, bool is_segment) {
  const Span::SpanKind kind = span.kind();
  std::optional<std::string> name;
  if (kind == Span::SPAN_KIND_SERVER || (is_segment && kind == Span::SPAN_KIND_INTERNAL)) {
    name = attrs.Text("aws.local.service");
  } else if (kind != Span::SPAN_KIND_INTERNAL && kind != Span::SPAN_KIND_UNSPECIFIED) {
    name = attrs.Text("aws.remote.service");
    const auto* rpc_system = attrs.Find("rpc.system");
    if (name && rpc_system != nullptr && rpc_system->string_value() == "aws-api") {
      for (std::string_view prefix : {"AWS.SDK.", "AWS::"}) {
        if (name->starts_with(prefix)) {
          name->erase(0, prefix.size());
        }
      }
    }
  }
  if (!name) {
    name = attrs.FirstText({"peer.service", "aws.service"});
  }
  if (!name) {
    name = attrs.FirstText({"db.name", "db.namespace"});
  }
  if (!name && is_segment) {
    name = resource.Text("service.name");
  }
  if (!name) {
    name = attrs.FirstText({"rpc.service", "http.host", "server.address", "net.peer.name"});
  }
  return CleanName(name ? *name : span.name());
}

// Rule "http": current semantic conventions first, then the older names.
nlohmann::json MapHttp(Attributes& attrs, std::optional<std::int64_t>& status) {
  nlohmann::json request = nlohmann::json::object();
  nlohmann::json response = nlohmann::json::object();
  if (auto method = attrs.FirstText({"http.request.method", "http.method"})) {
    request["method"] = *method;
  }
  if (auto url = attrs.FirstText({"url.full", "http.url"})) {
    request["url"] = *url;
  } else {
    auto scheme = attrs.FirstText({"url.scheme", "http.scheme"});
    auto host = attrs.FirstText({"server.address", "http.host", "net.host.name"});
    auto port = attrs.Integer("server.port");
    if (!port) {
      port = attrs.Integer("net.host.port");
    }
    auto path = attrs.FirstText({"url.path", "http.target"});
    auto query = attrs.Text("url.query");
    if (host && (path || scheme)) {
      std::string rebuilt = (scheme ? *scheme : std::string("http")) + "://" + *host;
      const bool default_port = port && ((*port == 80 && rebuilt.starts_with("http:")) ||
                                         (*port == 443 && rebuilt.starts_with("https:")));
      if (port && !default_port) {
        rebuilt += ":" + std::to_string(*port);
      }
      rebuilt += path ? *path : std::string();
      if (query && !query->empty()) {
        rebuilt += "?" + *query;
      }
      request["url"] = rebuilt;
    }
  }
  if (auto agent = attrs.FirstText({"user_agent.original", "http.user_agent"})) {
    request["user_agent"] = *agent;
  }
  if (auto ip = attrs.FirstText({"client.address", "http.client_ip"})) {
    request["client_ip"] = *ip;
    request["x_forwarded_for"] = true;
  } else if (auto peer = attrs.FirstText({"network.peer.address", "net.peer.ip"})) {
    request["client_ip"] = *peer;
  }
  status = attrs.Integer("http.response.status_code");
  if (!status) {
    status = attrs.Integer("http.status_code");
  }
  if (status) {
    response["status"] = *status;
  }
  auto length = attrs.Integer("http.response.body.size");
  if (!length) {
    length = attrs.Integer("http.response_content_length");
  }
  if (length) {
    response["content_length"] = *length;
  }
  nlohmann::json http = nlohmann::json::object();
  if (!request.empty()) {
    http["request"] = std::move(request);
  }
  if (!response.empty()) {
    http["response"] = std::move(response);
  }
  return http;
}

// Rule "sql": only for SQL database systems.
nlohmann::json MapSql(const Span& span, Attributes& attrs) {
  static constexpr std::string_view kSqlSystems[] = {
      "db2",    "derby",      "h2",     "hive",     "mariadb",   "mssql",       "mysql",
      "oracle", "postgresql", "sqlite", "teradata", "other_sql", "cockroachdb", "hsqldb"};
  const AnyValue* system = attrs.Find("db.system");
  if (system == nullptr || std::find(std::begin(kSqlSystems), std::end(kSqlSystems),
                                     system->string_value()) == std::end(kSqlSystems)) {
    return nullptr;
  }
  nlohmann::json sql = nlohmann::json::object();
  sql["url"] = span.name();
  sql["database_type"] = *attrs.Text("db.system");
  auto connection = attrs.Text("db.connection_string");
  auto db = attrs.FirstText({"db.name", "db.namespace"});
  sql["connection_string"] =
      (connection ? *connection : std::string("localhost")) + "/" + (db ? *db : std::string());
  if (auto statement = attrs.FirstText({"db.statement", "db.query.text"})) {
    sql["sanitized_query"] = *statement;
  }
  if (auto user = attrs.Text("db.user")) {
    sql["user"] = *user;
  }
  return sql;
}

bool IsScalar(const AnyValue& value) {
  return value.value_case() == AnyValue::kStringValue ||
         value.value_case() == AnyValue::kBoolValue || value.value_case() == AnyValue::kIntValue ||
         value.value_case() == AnyValue::kDoubleValue;
}

// Rule "annotations": configured keys, every key (index-all), and keys named in the span's
// aws.xray.annotations string array; scalar values only. Annotated keys are consumed.
nlohmann::json MapAnnotations(Attributes& attrs, const MappingOptions& options) {
  std::set<std::string, std::less<>> listed;
  if (const AnyValue* list = attrs.Find("aws.xray.annotations")) {
    attrs.Consume("aws.xray.annotations");
    for (const AnyValue& key : list->array_value().values()) {
      listed.insert(key.string_value());
    }
  }
  nlohmann::json annotations = nlohmann::json::object();
  for (const auto& [key, value] : attrs.All()) {
    if (attrs.Consumed(key) || !IsScalar(*value)) {
      continue;
    }
    if (options.index_all || options.indexed_attributes.count(key) > 0 || listed.count(key) > 0) {
      annotations[AnnotationKey(key)] = ToJson(*value);
      attrs.Consume(key);
    }
  }
  return annotations;
}

double Seconds(std::uint64_t nanos) {
  return static_cast<double>(nanos / 1000) / 1e6;  // Microsecond precision, as X-Ray keeps.
}

// aws.span.kind = LOCAL_ROOT (the last value of the key wins, as in the OTLP data model).
bool IsLocalRoot(const Span& span) {
  bool local_root = false;
  for (const auto& kv : span.attributes()) {
    if (kv.key() == "aws.span.kind") {
      local_root = kv.value().string_value() == "LOCAL_ROOT";
    }
  }
  return local_root;
}

}  // namespace

std::string XrayTraceId(std::string_view bytes) {
  const std::string hex = Hex(bytes);
  return "1-" + hex.substr(0, 8) + "-" + hex.substr(8);
}

std::string CleanName(std::string_view text) {
  std::string name;
  for (char c : text) {
    if (AllowedNameChar(static_cast<unsigned char>(c))) {
      name += c;
    }
  }
  if (name.size() > kMaxNameBytes) {
    std::size_t cut = kMaxNameBytes;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) {
      --cut;  // Never split a UTF-8 sequence.
    }
    name.resize(cut);
  }
  if (!name.empty() && !proto::IsValidName(name)) {
    // A non-ASCII character X-Ray refuses, or broken UTF-8: keep each code point it accepts.
    std::string kept;
    std::size_t i = 0;
    while (i < name.size()) {
      const auto lead = static_cast<unsigned char>(name[i]);
      std::size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
      length = std::min(length, name.size() - i);
      const std::string_view code_point(name.data() + i, length);
      if (proto::IsValidName(code_point)) {
        kept += code_point;
      }
      i += length;
    }
    name = std::move(kept);
  }
  return name.empty() ? "span" : name;
}

std::string AnnotationKey(std::string_view key) {
  std::string out(key);
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) {
      c = '_';
    }
  }
  return out;
}

bool IsLocalRootDependency(const Span& span) {
  const Span::SpanKind kind = span.kind();
  return (IsOutgoing(kind) || kind == Span::SPAN_KIND_CONSUMER) && IsLocalRoot(span);
}

tl::expected<std::string, std::string> MapSpan(const Span& span, const Resource& resource,
                                               const MappingOptions& options) {
  auto doc = MapSpanJson(span, resource, options, DocumentRole::kBySpan);
  if (!doc) {
    return tl::unexpected(std::move(doc.error()));
  }
  return Dump(*doc);
}

tl::expected<nlohmann::json, std::string> MapSpanJson(const Span& span, const Resource& resource,
                                                      const MappingOptions& options,
                                                      DocumentRole role) {
  if (span.trace_id().size() != 16 || AllZero(span.trace_id())) {
    return tl::unexpected("span " + Hex(span.span_id()) + ": invalid trace id");
  }
  if (span.span_id().size() != 8 || AllZero(span.span_id())) {
    return tl::unexpected("span of trace " + Hex(span.trace_id()) + ": invalid span id");
  }
  if (!span.parent_span_id().empty() && span.parent_span_id().size() != 8) {
    return tl::unexpected("span " + Hex(span.span_id()) + ": invalid parent span id");
  }
  if (span.start_time_unix_nano() == 0) {
    return tl::unexpected("span " + Hex(span.span_id()) + ": no start time");
  }
  const bool has_parent = !span.parent_span_id().empty() && !AllZero(span.parent_span_id());
  bool is_segment = !has_parent || IsSegmentKind(span.kind()) || IsLocalRoot(span);
  if (role != DocumentRole::kBySpan) {
    is_segment = role == DocumentRole::kSegment;
  }
  Attributes attrs(span.attributes());
  Attributes res(resource.attributes());

  nlohmann::json doc = nlohmann::json::object();
  doc["name"] = SpanName(span, attrs, res, is_segment);
  doc["id"] = Hex(span.span_id());
  doc["trace_id"] = XrayTraceId(span.trace_id());
  if (has_parent) {
    doc["parent_id"] = Hex(span.parent_span_id());
  }
  if (!is_segment) {
    doc["type"] = "subsegment";
  }
  doc["start_time"] = Seconds(span.start_time_unix_nano());
  if (span.end_time_unix_nano() == 0) {
    doc["in_progress"] = true;
  } else {
    doc["end_time"] = Seconds(std::max(span.end_time_unix_nano(), span.start_time_unix_nano()));
  }
  const AnyValue* rpc_system = attrs.Find("rpc.system");
  const bool aws_call = (rpc_system != nullptr && rpc_system->string_value() == "aws-api") ||
                        attrs.Find("aws.service") != nullptr;
  if (!is_segment && aws_call) {
    doc["namespace"] = "aws";
  } else if (!is_segment && span.kind() == Span::SPAN_KIND_CLIENT) {
    doc["namespace"] = "remote";
  }

  std::optional<std::int64_t> status;
  if (auto http = MapHttp(attrs, status); !http.empty()) {
    doc["http"] = std::move(http);
  }
  if (status && *status >= 400 && *status < 500) {
    doc["error"] = true;
    if (*status == 429) {
      doc["throttle"] = true;
    }
  } else if (status && *status >= 500 && *status < 600) {
    doc["fault"] = true;
  } else if (!status && span.status().code() == Status::STATUS_CODE_ERROR) {
    doc["fault"] = true;
  }
  const AnyValue* language = res.Find("telemetry.sdk.language");
  if (auto cause =
          MapCause(span, language ? language->string_value() : "", IsOutgoing(span.kind()));
      !cause.is_null()) {
    doc["cause"] = std::move(cause);
  }
  if (auto user = attrs.Text("enduser.id")) {
    doc["user"] = *user;
  }
  if (auto sql = MapSql(span, attrs); !sql.is_null()) {
    doc["sql"] = std::move(sql);
  }
  AwsContext aws = MapAws(res, attrs, is_segment);
  if (!aws.aws.empty()) {
    doc["aws"] = std::move(aws.aws);
  }
  if (!aws.origin.empty() && is_segment) {
    doc["origin"] = aws.origin;
  }
  if (auto annotations = MapAnnotations(attrs, options); !annotations.empty()) {
    doc["annotations"] = std::move(annotations);
  }

  // Rule "metadata": what no rule consumed; resource attributes on segments only.
  nlohmann::json metadata = nlohmann::json::object();
  nlohmann::json defaults = nlohmann::json::object();
  for (const auto& [key, value] : attrs.All()) {
    if (key.starts_with("aws.xray.metadata.") && value->value_case() == AnyValue::kStringValue) {
      auto parsed = nlohmann::json::parse(value->string_value(), nullptr, false);
      if (!parsed.is_discarded() && parsed.is_object()) {
        metadata[key.substr(18)] = std::move(parsed);
        continue;
      }
    }
    if (!attrs.Consumed(key)) {
      defaults[key] = ToJson(*value);
    }
  }
  if (is_segment) {
    for (const auto& [key, value] : res.All()) {
      if (!res.Consumed(key) || key == "service.name") {
        defaults["otel.resource." + key] = ToJson(*value);
      }
    }
  }
  if (!defaults.empty()) {
    metadata["default"] = std::move(defaults);
  }
  if (!metadata.empty()) {
    doc["metadata"] = std::move(metadata);
  }
  if (auto links = MapLinks(span); !links.empty()) {
    doc["links"] = std::move(links);
  }
  return doc;
}

std::string Dump(const nlohmann::json& doc) {
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace xrayd::daemon::otlp
