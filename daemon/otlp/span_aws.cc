// Rules "aws" and "origin" of docs/otlp-mapping.md: cloud, host, container and aws.* attributes.
#include <string>

#include "daemon/otlp/span_mapper.h"

namespace xrayd::daemon::otlp {

namespace {

// Sets out[field] to the text of the first present key of `attrs`.
void Put(nlohmann::json& out, const char* field, Attributes& attrs,
         std::initializer_list<std::string_view> keys) {
  if (auto text = attrs.FirstText(keys)) {
    out[field] = *text;
  }
}

std::string Origin(std::string_view platform, std::string_view launch_type) {
  if (platform == "aws_ec2") {
    return "AWS::EC2::Instance";
  }
  if (platform == "aws_ecs") {
    if (launch_type == "ec2") {
      return "AWS::ECS::EC2";
    }
    if (launch_type == "fargate") {
      return "AWS::ECS::Fargate";
    }
    return "AWS::ECS::Container";
  }
  if (platform == "aws_elastic_beanstalk") {
    return "AWS::ElasticBeanstalk::Environment";
  }
  if (platform == "aws_eks") {
    return "AWS::EKS::Container";
  }
  if (platform == "aws_app_runner") {
    return "AWS::AppRunner::Service";
  }
  return "";
}

}  // namespace

AwsContext MapAws(Attributes& resource, Attributes& span, bool is_segment) {
  AwsContext out;
  nlohmann::json& aws = out.aws;
  // Span attributes describing an AWS call, on any document.
  Put(aws, "operation", span, {"aws.operation", "rpc.method"});
  Put(aws, "account_id", span, {"aws.account_id"});
  Put(aws, "region", span, {"aws.region"});
  Put(aws, "request_id", span, {"aws.request_id", "aws.request.id"});
  Put(aws, "queue_url", span, {"aws.queue_url", "aws.sqs.queue_url"});
  Put(aws, "table_name", span, {"aws.table_name"});

  const AnyValue* provider = resource.Find("cloud.provider");
  if (!is_segment || provider == nullptr || provider->string_value() != "aws") {
    return out;
  }
  resource.Consume("cloud.provider");
  auto platform = resource.Text("cloud.platform");
  auto launch_type = resource.Text("aws.ecs.launchtype");
  out.origin = Origin(platform ? *platform : "", launch_type ? *launch_type : "");
  if (!aws.contains("account_id")) {
    Put(aws, "account_id", resource, {"cloud.account.id"});
  }
  if (!aws.contains("region")) {
    Put(aws, "region", resource, {"cloud.region"});
  }
  nlohmann::json ec2 = nlohmann::json::object();
  Put(ec2, "instance_id", resource, {"host.id"});
  Put(ec2, "instance_size", resource, {"host.type"});
  Put(ec2, "ami_id", resource, {"host.image.id"});
  Put(ec2, "availability_zone", resource, {"cloud.availability_zone"});
  if (!ec2.empty()) {
    aws["ec2"] = std::move(ec2);
  }
  nlohmann::json ecs = nlohmann::json::object();
  Put(ecs, "container", resource, {"container.name"});
  Put(ecs, "container_id", resource, {"container.id"});
  Put(ecs, "task_arn", resource, {"aws.ecs.task.arn"});
  Put(ecs, "task_family", resource, {"aws.ecs.task.family"});
  Put(ecs, "cluster_arn", resource, {"aws.ecs.cluster.arn"});
  if (launch_type) {
    ecs["launch_type"] = *launch_type;
  }
  if (!ecs.empty() && platform && *platform == "aws_ecs") {
    aws["ecs"] = std::move(ecs);
  }
  nlohmann::json eks = nlohmann::json::object();
  Put(eks, "cluster_name", resource, {"k8s.cluster.name"});
  Put(eks, "pod", resource, {"k8s.pod.name"});
  if (!eks.empty()) {
    if (auto id = resource.Text("container.id")) {
      eks["container_id"] = *id;
    }
    aws["eks"] = std::move(eks);
  }
  if (platform && *platform == "aws_elastic_beanstalk") {
    nlohmann::json beanstalk = nlohmann::json::object();
    Put(beanstalk, "environment_name", resource, {"service.namespace"});
    Put(beanstalk, "deployment_id", resource, {"service.instance.id"});
    Put(beanstalk, "version_label", resource, {"service.version"});
    aws["elastic_beanstalk"] = std::move(beanstalk);
  }
  if (const AnyValue* groups = resource.Find("aws.log.group.names")) {
    resource.Consume("aws.log.group.names");
    nlohmann::json logs = nlohmann::json::array();
    for (const AnyValue& name : groups->array_value().values()) {
      logs.push_back({{"log_group", name.string_value()}});
    }
    if (!logs.empty()) {
      aws["cloudwatch_logs"] = std::move(logs);
    }
  }
  nlohmann::json xray = nlohmann::json::object();
  if (auto sdk = resource.Text("telemetry.sdk.name")) {
    auto language = resource.Text("telemetry.sdk.language");
    xray["sdk"] = *sdk + (language ? " for " + *language : std::string());
  }
  Put(xray, "sdk_version", resource, {"telemetry.sdk.version"});
  if (!xray.empty()) {
    aws["xray"] = std::move(xray);
  }
  return out;
}

}  // namespace xrayd::daemon::otlp
