#include "query/trace_model.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <utility>

#include "proto/annotation_rules.h"
#include "query/root_causes.h"
#include "query/trace_assembler.h"
#include "query/trace_fields.h"
#include "query/trace_graph.h"

namespace xrayd::query {
namespace {

// Annotations are walked in document order, which nlohmann::json (sorted keys) would lose.
using OrderedJson = nlohmann::ordered_json;

// X-Ray indexes up to 50 annotation keys per trace (docs/segment-document.md#annotations).
constexpr std::size_t kMaxAnnotationKeys = 50;
constexpr int kMaxDepth = 256;

void AddDistinct(std::vector<std::string>& list, const std::string* value) {
  if (value != nullptr && std::find(list.begin(), list.end(), *value) == list.end()) {
    list.push_back(*value);
  }
}

void AddNode(std::vector<std::size_t>& nodes, std::size_t node) {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), node);
  if (it == nodes.end() || *it != node) {
    nodes.insert(it, node);
  }
}

std::optional<proto::AnnotationValue> IndexableValue(const OrderedJson& value) {
  proto::AnnotationValue out;
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (!proto::IsIndexableAnnotationString(text)) {
      return std::nullopt;
    }
    out.type = proto::AnnotationValue::Type::kString;
    out.string_value = text;
  } else if (value.is_boolean()) {
    out.type = proto::AnnotationValue::Type::kBool;
    out.bool_value = value.get<bool>();
  } else if (value.is_number() && std::isfinite(value.get<double>())) {
    out.type = proto::AnnotationValue::Type::kNumber;
    out.number_value = value.get<double>();
  } else {
    return std::nullopt;
  }
  return out;
}

// Walks one document depth-first, as storage indexes annotations
// (docs/segment-document.md#annotations).
class AnnotationCollector {
 public:
  AnnotationCollector(const std::unordered_map<std::string, std::size_t>& nodes, TraceModel* model)
      : nodes_(nodes), model_(*model) {}

  void Collect(const OrderedJson& entity, int depth) {
    if (!entity.is_object() || depth >= kMaxDepth) {
      return;
    }
    std::optional<std::size_t> node;
    if (auto id = entity.find("id"); id != entity.end() && id->is_string()) {
      if (auto it = nodes_.find(id->get_ref<const std::string&>()); it != nodes_.end()) {
        node = it->second;
      }
    }
    if (auto annotations = entity.find("annotations");
        annotations != entity.end() && annotations->is_object()) {
      for (const auto& [key, value] : annotations->items()) {
        Add(key, value, node);
      }
    }
    if (auto subsegments = entity.find("subsegments");
        subsegments != entity.end() && subsegments->is_array()) {
      for (const OrderedJson& child : *subsegments) {
        Collect(child, depth + 1);
      }
    }
  }

 private:
  void Add(const std::string& key, const OrderedJson& json, std::optional<std::size_t> node) {
    std::optional<proto::AnnotationValue> value = IndexableValue(json);
    if (!value || !proto::IsIndexableAnnotationKey(key)) {
      return;
    }
    auto entry = std::find_if(model_.annotations.begin(), model_.annotations.end(),
                              [&](const TraceAnnotation& a) { return a.key == key; });
    if (entry == model_.annotations.end()) {
      if (model_.annotations.size() >= kMaxAnnotationKeys) {
        return;
      }
      entry = model_.annotations.insert(entry, TraceAnnotation{key, {}});
    }
    auto slot = std::find_if(entry->values.begin(), entry->values.end(),
                             [&](const AnnotationValueWithNodes& v) { return v.value == *value; });
    if (slot == entry->values.end()) {
      slot = entry->values.insert(slot, AnnotationValueWithNodes{std::move(*value), {}});
    }
    if (node) {
      AddNode(slot->nodes, *node);
    }
  }

  const std::unordered_map<std::string, std::size_t>& nodes_;
  TraceModel& model_;
};

void FillSegmentFields(const internal::TraceTree& tree, TraceModel* model) {
  for (const internal::Entity& entity : tree.entities) {
    if (!entity.segment || entity.inferred) {
      continue;
    }
    const OrderedJson& doc = *entity.json;
    AddDistinct(model->resource_arns, internal::StringAt(doc, {"resource_arn"}));
    AddDistinct(model->instance_ids, internal::StringAt(doc, {"aws", "ec2", "instance_id"}));
    AddDistinct(model->availability_zones,
                internal::StringAt(doc, {"aws", "ec2", "availability_zone"}));
    if (const std::string* user = internal::StringAt(doc, {"user"})) {
      auto it = std::find_if(model->users.begin(), model->users.end(),
                             [&](const TraceUser& u) { return u.name == *user; });
      if (it == model->users.end()) {
        it = model->users.insert(it, TraceUser{*user, {}});
      }
      AddNode(it->nodes, entity.node);
    }
  }
}

}  // namespace

TraceModel BuildTraceModel(std::string_view trace_id,
                           std::span<const storage::StoredDocument> docs) {
  TraceModel model;
  model.id = std::string(trace_id);
  model.revision = static_cast<std::int64_t>(docs.size());
  std::vector<OrderedJson> raw;
  raw.reserve(docs.size());
  for (std::size_t i = 0; i < docs.size(); ++i) {
    model.start_time = i == 0 ? docs[i].start_time : std::min(model.start_time, docs[i].start_time);
    model.is_partial = model.is_partial || docs[i].in_progress;
    raw.push_back(OrderedJson::parse(docs[i].raw, nullptr, /*allow_exceptions=*/false));
    const OrderedJson& doc = raw.back();
    model.has_throttle =
        model.has_throttle || (doc.is_object() && internal::DeriveStatus(doc).throttle);
  }
  model.duration = TraceDuration(docs);

  // BatchGetTraces assembly attaches independent subsegments; each document is parsed once (the
  // assembler consumes a copy, `raw` stays for the annotations).
  std::vector<OrderedJson> documents;
  for (AssembledSegment& entry : AssembleSegments(docs, raw)) {
    if (!entry.document.is_discarded()) {
      documents.push_back(std::move(entry.document));
    }
  }
  const internal::TraceTree tree = internal::BuildGraph(trace_id, std::move(documents), &model);

  if (tree.root) {
    const TraceSegment& root = model.segments[*model.root_segment];
    model.response_time = root.response_time;
    model.has_fault = root.status.fault;
    model.has_error = root.status.error;
    model.http = root.http;
  }
  FillSegmentFields(tree, &model);

  std::unordered_map<std::string, std::size_t> node_of_id;
  for (const internal::Entity& entity : tree.entities) {
    if (const std::string* id = internal::StringAt(*entity.json, {"id"}); id && !entity.inferred) {
      node_of_id.emplace(*id, entity.node);
    }
  }
  AnnotationCollector collector(node_of_id, &model);
  for (const OrderedJson& doc : raw) {
    collector.Collect(doc, 0);
  }
  internal::ComputeRootCauses(tree, &model);
  return model;
}

}  // namespace xrayd::query
