#include "daemon/otlp_export/span_fields.h"

#include <array>
#include <cstdint>
#include <utility>

namespace xrayd::daemon::otlp_export {
namespace {

using nlohmann::json;

void CopyString(const json& object, std::string_view from, Attributes& attrs, std::string_view to) {
  if (const std::string value = StringMember(object, from); !value.empty()) {
    PutString(attrs, to, value);
  }
}

void CopyInt(const json& object, std::string_view from, Attributes& attrs, std::string_view to) {
  const json* v = Member(object, from);
  if (v != nullptr && v->is_number_integer()) {
    PutInt(attrs, to, v->get<std::int64_t>());
  }
}

// origin -> cloud.platform (the awsxray receiver's table).
std::string_view PlatformOf(std::string_view origin) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kPlatforms = {{
      {"AWS::EC2::Instance", "aws_ec2"},
      {"AWS::ECS::Container", "aws_ecs"},
      {"AWS::ECS::EC2", "aws_ecs"},
      {"AWS::ECS::Fargate", "aws_ecs"},
      {"AWS::ElasticBeanstalk::Environment", "aws_elastic_beanstalk"},
      {"AWS::EKS::Container", "aws_eks"},
      {"AWS::Lambda::Function", "aws_lambda"},
  }};
  for (const auto& [o, platform] : kPlatforms) {
    if (o == origin) {
      return platform;
    }
  }
  return origin == "AWS::AppRunner::Service" ? "aws_app_runner" : "";
}

}  // namespace

const json* Member(const json& object, std::string_view key) {
  if (!object.is_object()) {
    return nullptr;
  }
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string StringMember(const json& object, std::string_view key) {
  const json* v = Member(object, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

void PutString(Attributes& attrs, std::string_view key, std::string_view value) {
  auto* kv = attrs.Add();
  kv->set_key(std::string(key));
  kv->mutable_value()->set_string_value(std::string(value));
}

void PutInt(Attributes& attrs, std::string_view key, std::int64_t value) {
  auto* kv = attrs.Add();
  kv->set_key(std::string(key));
  kv->mutable_value()->set_int_value(value);
}

void PutDouble(Attributes& attrs, std::string_view key, double value) {
  auto* kv = attrs.Add();
  kv->set_key(std::string(key));
  kv->mutable_value()->set_double_value(value);
}

void PutBool(Attributes& attrs, std::string_view key, bool value) {
  auto* kv = attrs.Add();
  kv->set_key(std::string(key));
  kv->mutable_value()->set_bool_value(value);
}

bool PutScalar(Attributes& attrs, std::string_view key, const json& value) {
  if (value.is_string()) {
    PutString(attrs, key, value.get<std::string>());
  } else if (value.is_boolean()) {
    PutBool(attrs, key, value.get<bool>());
  } else if (value.is_number_integer() &&
             !(value.is_number_unsigned() &&
               value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))) {
    PutInt(attrs, key, value.get<std::int64_t>());
  } else if (value.is_number()) {
    PutDouble(attrs, key, value.get<double>());
  } else {
    return false;
  }
  return true;
}

void MapHttp(const json& node, Attributes& attrs) {
  const json* http = Member(node, "http");
  if (http == nullptr) {
    return;
  }
  if (const json* request = Member(*http, "request")) {
    CopyString(*request, "method", attrs, "http.method");
    CopyString(*request, "url", attrs, "http.url");
    CopyString(*request, "user_agent", attrs, "http.user_agent");
    const json* forwarded = Member(*request, "x_forwarded_for");
    const bool via_proxy =
        forwarded != nullptr && forwarded->is_boolean() && forwarded->get<bool>();
    CopyString(*request, "client_ip", attrs, via_proxy ? "http.client_ip" : "net.peer.ip");
  }
  if (const json* response = Member(*http, "response")) {
    CopyInt(*response, "status", attrs, "http.status_code");
    CopyInt(*response, "content_length", attrs, "http.response_content_length");
  }
}

void MapSql(const json& node, Attributes& attrs) {
  const json* sql = Member(node, "sql");
  if (sql == nullptr) {
    return;
  }
  const std::string url = StringMember(*sql, "url");
  CopyString(*sql, url.empty() ? "connection_string" : "url", attrs, "db.connection_string");
  CopyString(*sql, "sanitized_query", attrs, "db.statement");
  CopyString(*sql, "database_type", attrs, "db.system");
  CopyString(*sql, "database_version", attrs, "db.version");
  CopyString(*sql, "driver_version", attrs, "db.driver_version");
  CopyString(*sql, "user", attrs, "db.user");
  CopyString(*sql, "preparation", attrs, "db.preparation");
}

void MapAwsCall(const json& node, Attributes& attrs) {
  const json* aws = Member(node, "aws");
  if (aws == nullptr) {
    return;
  }
  CopyString(*aws, "operation", attrs, "aws.operation");
  CopyString(*aws, "region", attrs, "aws.region");
  CopyString(*aws, "request_id", attrs, "aws.request_id");
  CopyString(*aws, "queue_url", attrs, "aws.queue_url");
  CopyString(*aws, "table_name", attrs, "aws.table_name");
  CopyString(*aws, "account_id", attrs, "aws.account_id");
  CopyInt(*aws, "retries", attrs, "aws.retries");
}

void MapResource(const json& segment, Attributes& attrs) {
  CopyString(segment, "name", attrs, "service.name");
  if (const json* service = Member(segment, "service")) {
    CopyString(*service, "version", attrs, "service.version");
  }
  CopyString(segment, "resource_arn", attrs, "aws.xray.resource_arn");
  const std::string origin = StringMember(segment, "origin");
  const json* aws = Member(segment, "aws");
  const std::string_view platform = PlatformOf(origin);
  if (!platform.empty() || aws != nullptr) {
    PutString(attrs, "cloud.provider", "aws");
  }
  if (!platform.empty()) {
    PutString(attrs, "cloud.platform", platform);
    if (origin == "AWS::ECS::EC2" || origin == "AWS::ECS::Fargate") {
      PutString(attrs, "aws.ecs.launchtype", origin == "AWS::ECS::EC2" ? "ec2" : "fargate");
    }
  }
  if (aws == nullptr) {
    return;
  }
  CopyString(*aws, "account_id", attrs, "cloud.account.id");
  if (const json* ec2 = Member(*aws, "ec2")) {
    CopyString(*ec2, "instance_id", attrs, "host.id");
    CopyString(*ec2, "instance_size", attrs, "host.type");
    CopyString(*ec2, "ami_id", attrs, "host.image.id");
    CopyString(*ec2, "availability_zone", attrs, "cloud.availability_zone");
  }
  if (const json* ecs = Member(*aws, "ecs")) {
    CopyString(*ecs, "container", attrs, "container.name");
    CopyString(*ecs, "container_id", attrs, "container.id");
    CopyString(*ecs, "task_arn", attrs, "aws.ecs.task.arn");
    CopyString(*ecs, "task_family", attrs, "aws.ecs.task.family");
    CopyString(*ecs, "cluster_arn", attrs, "aws.ecs.cluster.arn");
  }
  if (const json* eks = Member(*aws, "eks")) {
    CopyString(*eks, "cluster_name", attrs, "k8s.cluster.name");
    CopyString(*eks, "pod", attrs, "k8s.pod.name");
    CopyString(*eks, "container_id", attrs, "container.id");
  }
  if (const json* eb = Member(*aws, "elastic_beanstalk")) {
    CopyString(*eb, "environment_name", attrs, "service.namespace");
    CopyInt(*eb, "deployment_id", attrs, "service.instance.id");
    CopyString(*eb, "version_label", attrs, "service.version");
  }
  if (const json* xray = Member(*aws, "xray")) {
    CopyString(*xray, "sdk", attrs, "telemetry.sdk.name");
    CopyString(*xray, "sdk_version", attrs, "telemetry.sdk.version");
  }
  if (const json* logs = Member(*aws, "cloudwatch_logs"); logs != nullptr && logs->is_array()) {
    opentelemetry::proto::common::v1::ArrayValue groups;
    for (const json& log : *logs) {
      if (std::string group = StringMember(log, "log_group"); !group.empty()) {
        groups.add_values()->set_string_value(std::move(group));
      }
    }
    if (groups.values_size() > 0) {
      auto* kv = attrs.Add();
      kv->set_key("aws.log.group.names");
      *kv->mutable_value()->mutable_array_value() = std::move(groups);
    }
  }
}

std::string FormatStack(const json& stack) {
  std::string text;
  if (!stack.is_array()) {
    return text;
  }
  for (const json& frame : stack) {
    text += (text.empty() ? "" : "\n");
    text += "\tat " + StringMember(frame, "label") + "(" + StringMember(frame, "path");
    const json* line = Member(frame, "line");
    if (line != nullptr && line->is_number_integer()) {
      text += ":" + std::to_string(line->get<std::int64_t>());
    }
    text += ")";
  }
  return text;
}

std::string MapCause(const json& node, std::uint64_t time_nanos, Span& span) {
  const json* cause = Member(node, "cause");
  if (cause == nullptr || !cause->is_object()) {
    return {};  // Absent, or the id (a string) of an exception recorded by another subsegment.
  }
  std::string first = StringMember(*cause, "message");
  const json* exceptions = Member(*cause, "exceptions");
  if (exceptions == nullptr || !exceptions->is_array()) {
    return first;
  }
  for (const json& exception : *exceptions) {
    auto& event = *span.add_events();
    event.set_name("exception");
    event.set_time_unix_nano(time_nanos);
    Attributes& attrs = *event.mutable_attributes();
    CopyString(exception, "type", attrs, "exception.type");
    const std::string message = StringMember(exception, "message");
    if (!message.empty()) {
      PutString(attrs, "exception.message", message);
      if (first.empty()) {
        first = message;
      }
    }
    if (const json* stack = Member(exception, "stack")) {
      if (std::string text = FormatStack(*stack); !text.empty()) {
        PutString(attrs, "exception.stacktrace", text);
      }
    }
    CopyString(exception, "id", attrs, "aws.xray.exception.id");
    if (const json* remote = Member(exception, "remote"); remote && remote->is_boolean()) {
      PutBool(attrs, "aws.xray.exception.remote", remote->get<bool>());
    }
    CopyInt(exception, "truncated", attrs, "aws.xray.exception.truncated");
    CopyInt(exception, "skipped", attrs, "aws.xray.exception.skipped");
    CopyString(exception, "cause", attrs, "aws.xray.exception.cause");
  }
  return first;
}

}  // namespace xrayd::daemon::otlp_export
