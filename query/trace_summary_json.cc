#include "query/trace_summary_json.h"

#include <string>
#include <vector>

namespace xrayd::query {
namespace {

using Json = nlohmann::json;

Json ServiceIdJson(const TraceNode& node) {
  Json out = {{"Name", node.name}, {"Names", Json::array({node.name})}};
  if (node.account_id) {
    out["AccountId"] = *node.account_id;
  }
  if (node.type) {
    out["Type"] = *node.type;
  }
  return out;
}

Json ServiceIdsJson(const TraceModel& model, const std::vector<std::size_t>& nodes) {
  Json out = Json::array();
  for (std::size_t node : nodes) {
    out.push_back(ServiceIdJson(model.nodes[node]));
  }
  return out;
}

Json HttpJson(const HttpFields& http) {
  Json out = Json::object();
  if (http.url) {
    out["HttpURL"] = *http.url;
  }
  if (http.status) {
    out["HttpStatus"] = *http.status;
  }
  if (http.method) {
    out["HttpMethod"] = *http.method;
  }
  if (http.user_agent) {
    out["UserAgent"] = *http.user_agent;
  }
  if (http.client_ip) {
    out["ClientIp"] = *http.client_ip;
  }
  return out;
}

Json AnnotationValueJson(const proto::AnnotationValue& value) {
  switch (value.type) {
    case proto::AnnotationValue::Type::kNumber:
      return {{"NumberValue", value.number_value}};
    case proto::AnnotationValue::Type::kBool:
      return {{"BooleanValue", value.bool_value}};
    case proto::AnnotationValue::Type::kString:
      break;
  }
  return {{"StringValue", value.string_value}};
}

Json StringList(const std::vector<std::string>& values, const char* member) {
  Json out = Json::array();
  for (const std::string& value : values) {
    out.push_back({{member, value}});
  }
  return out;
}

Json RootCausesJson(const TraceModel& model, const std::vector<RootCause>& causes) {
  Json out = Json::array();
  for (const RootCause& cause : causes) {
    Json services = Json::array();
    for (const RootCauseService& service : cause.services) {
      Json item = ServiceIdJson(model.nodes[service.node]);
      Json path = Json::array();
      for (const RootCauseEntity& entity : service.entity_path) {
        Json e = {{"Name", entity.name}};
        if (entity.coverage) {
          e["Coverage"] = *entity.coverage;
        } else {
          Json exceptions = Json::array();
          for (const RootCauseException& exception : entity.exceptions) {
            Json x = {{"Name", exception.name}};
            if (exception.message) {
              x["Message"] = *exception.message;
            }
            exceptions.push_back(std::move(x));
          }
          e["Exceptions"] = std::move(exceptions);
        }
        e["Remote"] = entity.remote;
        path.push_back(std::move(e));
      }
      item["EntityPath"] = std::move(path);
      item["Inferred"] = service.inferred;
      services.push_back(std::move(item));
    }
    out.push_back({{"Services", std::move(services)}, {"ClientImpacting", cause.client_impacting}});
  }
  return out;
}

}  // namespace

nlohmann::json TraceSummaryToJson(const TraceModel& model) {
  Json out = {{"Id", model.id}, {"StartTime", model.start_time}, {"Duration", model.duration}};
  if (model.response_time) {
    out["ResponseTime"] = *model.response_time;
  }
  out["HasFault"] = model.has_fault;
  out["HasError"] = model.has_error;
  out["HasThrottle"] = model.has_throttle;
  out["IsPartial"] = model.is_partial;
  out["Http"] = HttpJson(model.http);
  Json annotations = Json::object();
  for (const TraceAnnotation& annotation : model.annotations) {
    Json values = Json::array();
    for (const AnnotationValueWithNodes& value : annotation.values) {
      values.push_back({{"AnnotationValue", AnnotationValueJson(value.value)},
                        {"ServiceIds", ServiceIdsJson(model, value.nodes)}});
    }
    annotations[annotation.key] = std::move(values);
  }
  out["Annotations"] = std::move(annotations);
  Json users = Json::array();
  for (const TraceUser& user : model.users) {
    users.push_back({{"UserName", user.name}, {"ServiceIds", ServiceIdsJson(model, user.nodes)}});
  }
  out["Users"] = std::move(users);
  Json service_ids = Json::array();
  for (const TraceNode& node : model.nodes) {
    if (node.kind != NodeKind::kClient) {
      service_ids.push_back(ServiceIdJson(node));
    }
  }
  out["ServiceIds"] = std::move(service_ids);
  out["ResourceARNs"] = StringList(model.resource_arns, "ARN");
  out["InstanceIds"] = StringList(model.instance_ids, "Id");
  out["AvailabilityZones"] = StringList(model.availability_zones, "Name");
  if (model.entry_point) {
    out["EntryPoint"] = ServiceIdJson(model.nodes[*model.entry_point]);
  }
  out["FaultRootCauses"] = RootCausesJson(model, model.fault_root_causes);
  out["ErrorRootCauses"] = RootCausesJson(model, model.error_root_causes);
  out["ResponseTimeRootCauses"] = RootCausesJson(model, model.response_time_root_causes);
  out["Revision"] = model.revision;
  return out;
}

}  // namespace xrayd::query
