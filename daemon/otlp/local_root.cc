// Rule "local root" of docs/otlp-mapping.md: a LOCAL_ROOT span that calls out (CLIENT, PRODUCER,
// CONSUMER) stands for both the local service and its call, so it becomes a service segment with a
// new id and a dependency subsegment under it, split as the collector's awsxray exporter splits it.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string_view>

#include "daemon/otlp/span_mapper.h"

namespace xrayd::daemon::otlp {

namespace {

// Span attributes about the remote side or the call itself: they describe the dependency
// subsegment and are left out of the service segment's copy of the span.
constexpr std::string_view kCallAttributes[] = {"aws.remote.service", "aws.remote.operation",
                                                "remoteTarget",       "K8s.RemoteNamespace",
                                                "aws.operation",      "rpc.method",
                                                "aws.account_id",     "aws.region",
                                                "aws.request_id",     "aws.request.id",
                                                "aws.queue_url",      "aws.sqs.queue_url",
                                                "aws.table_name",     "aws.dynamodb.table_names"};

// 8 random bytes, not all zero and not `avoid`.
std::string NewSpanId(const std::string& avoid) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(8, '\0');
  do {
    const std::uint64_t value = rng();
    for (int i = 0; i < 8; ++i) {
      id[static_cast<std::size_t>(i)] = static_cast<char>((value >> (8 * i)) & 0xFF);
    }
  } while (id == std::string(8, '\0') || id == avoid);
  return id;
}

bool IsCallAttribute(const opentelemetry::proto::common::v1::KeyValue& kv) {
  return std::find(std::begin(kCallAttributes), std::end(kCallAttributes), kv.key()) !=
         std::end(kCallAttributes);
}

// The service segment keeps the resource's metadata only: the span's own attributes are the
// dependency's.
void KeepResourceMetadata(nlohmann::json& doc) {
  auto metadata = doc.find("metadata");
  if (metadata == doc.end()) {
    return;
  }
  nlohmann::json kept = nlohmann::json::object();
  if (auto defaults = metadata->find("default"); defaults != metadata->end()) {
    for (auto& [key, value] : defaults->items()) {
      if (key.starts_with("otel.resource.")) {
        kept[key] = std::move(value);
      }
    }
  }
  if (kept.empty()) {
    doc.erase("metadata");
  } else {
    doc["metadata"] = nlohmann::json{{"default", std::move(kept)}};
  }
}

}  // namespace

tl::expected<std::vector<std::string>, std::string> MapSpanDocuments(
    const Span& span, const Resource& resource, const MappingOptions& options) {
  if (!IsLocalRootDependency(span)) {
    auto text = MapSpan(span, resource, options);
    if (!text) {
      return tl::unexpected(std::move(text.error()));
    }
    return std::vector<std::string>{std::move(*text)};
  }
  const bool consumer = span.kind() == Span::SPAN_KIND_CONSUMER;
  const std::string service_id = NewSpanId(span.span_id());

  // The dependency: the span itself (its id, attributes, http, aws call fields), as a subsegment
  // of the service segment. Links stay here unless the span consumes messages.
  Span dependency = span;
  dependency.set_parent_span_id(service_id);
  if (consumer) {
    dependency.clear_links();
  }
  auto dependency_doc = MapSpanJson(dependency, resource, options, DocumentRole::kSubsegment);
  if (!dependency_doc) {
    return tl::unexpected(std::move(dependency_doc.error()));
  }
  if (!dependency_doc->contains("namespace")) {
    (*dependency_doc)["namespace"] = "remote";
  }

  // The service: a segment with the new id under the span's parent, named after the local
  // service, without http, the call's aws fields or the span's metadata.
  Span service = span;
  service.set_span_id(service_id);
  auto* attributes = service.mutable_attributes();
  attributes->erase(std::remove_if(attributes->begin(), attributes->end(), IsCallAttribute),
                    attributes->end());
  if (!consumer) {
    service.clear_links();
  }
  auto service_doc = MapSpanJson(service, resource, options, DocumentRole::kSegment);
  if (!service_doc) {
    return tl::unexpected(std::move(service_doc.error()));
  }
  Attributes span_attrs(span.attributes());
  Attributes resource_attrs(resource.attributes());
  auto name = span_attrs.Text("aws.local.service");
  if (!name) {
    name = resource_attrs.Text("service.name");
  }
  if (name) {
    (*service_doc)["name"] = CleanName(*name);
  }
  service_doc->erase("http");
  KeepResourceMetadata(*service_doc);
  return std::vector<std::string>{Dump(*dependency_doc), Dump(*service_doc)};
}

}  // namespace xrayd::daemon::otlp
