#include "query/trace_graph.h"

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "proto/text.h"
#include "query/trace_assembler.h"
#include "query/trace_fields.h"

namespace xrayd::query::internal {
namespace {

using Json = nlohmann::ordered_json;

// Assembly bounds nesting as well; this keeps the walk's stack bounded whatever it is given.
constexpr int kMaxWalkDepth = 256;

bool IsSegmentDocument(const Json& doc) {
  const std::string* type = StringAt(doc, {"type"});
  return doc.is_object() && (type == nullptr || *type != "subsegment");
}

std::string InferredId(std::string_view trace_id, std::string_view caller_id) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (std::string_view part : {trace_id, caller_id}) {
    for (char c : part) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ULL;
    }
  }
  char text[17];
  std::snprintf(text, sizeof(text), "%016" PRIx64, hash);
  return text;
}

std::optional<std::string> OptionalStringAt(const Json& node,
                                            std::initializer_list<const char*> path) {
  const std::string* value = StringAt(node, path);
  return value != nullptr ? std::optional<std::string>(*value) : std::nullopt;
}

// docs/service-graph.md#inferred-nodes identity of the node inferred from an aws/remote subsegment.
TraceNode InferredNode(const Json& call, const std::string& name, bool aws) {
  TraceNode node;
  node.kind = NodeKind::kInferred;
  node.name = name;
  if (!aws) {
    node.type = "remote";
    return node;
  }
  node.account_id = OptionalStringAt(call, {"aws", "account_id"});
  const std::string* table = StringAt(call, {"aws", "table_name"});
  const std::string* queue_url = StringAt(call, {"aws", "queue_url"});
  const std::string* resource = nullptr;
  if (auto names = call.find("aws"); names != call.end() && names->is_object()) {
    auto list = names->find("resource_names");
    if (list != names->end() && list->is_array() && !list->empty() && list->front().is_string()) {
      resource = &list->front().get_ref<const std::string&>();
    }
  }
  if (table != nullptr) {
    node.type = "AWS::DynamoDB::Table";
    node.name = *table;
  } else if (queue_url != nullptr) {
    node.type = "AWS::SQS::Queue";
    const std::size_t slash = queue_url->find_last_of('/');
    node.name = slash == std::string::npos ? *queue_url : queue_url->substr(slash + 1);
  } else if (resource != nullptr) {
    node.type = proto::EqualsIgnoreCase(name, "S3") ? "AWS::S3::Bucket" : "AWS::" + name;
    node.name = *resource;
  } else if (proto::EqualsIgnoreCase(name, "Lambda") &&
             StringAt(call, {"aws", "function_name"}) != nullptr) {
    node.type = "AWS::Lambda";
  } else {
    node.type = "AWS::" + name;
  }
  return node;
}

class GraphBuilder {
 public:
  GraphBuilder(std::string_view trace_id, TraceTree* tree, TraceModel* model)
      : trace_id_(trace_id), tree_(*tree), model_(*model) {}

  void Run() {
    for (const Json& doc : tree_.documents) {
      CollectIds(doc, 0);
    }
    for (const Json& doc : tree_.documents) {
      if (IsSegmentDocument(doc)) {
        AddRealSegment(doc);
      }
    }
    const std::size_t real_segments = tree_.entities.size();
    for (std::size_t i = 0; i < real_segments; ++i) {
      // [local] A segment whose parent_id is another segment's id (Lambda service -> function).
      if (downstream_.contains(model_.segments[i].id)) {
        LinkCall(i, false);
      }
    }
    for (std::size_t i = 0; i < real_segments; ++i) {
      const Walked walked = Walk(i, *tree_.entities[i].json, 0);
      TraceSegment& segment = model_.segments[i];
      segment.in_progress = segment.in_progress || walked.in_progress;
      if (segment.end_time && walked.max_end) {
        segment.duration = RoundToMicroseconds(*walked.max_end - segment.start_time);
      }
    }
    if (tree_.root) {
      AddClient(*tree_.root);
    }
  }

 private:
  struct Walked {
    std::optional<double> max_end;
    bool in_progress = false;
  };

  void CollectIds(const Json& node, int depth) {
    if (const std::string* id = StringAt(node, {"id"})) {
      ids_.insert(*id);
    }
    auto subsegments = node.is_object() ? node.find("subsegments") : node.end();
    if (depth >= kMaxWalkDepth || subsegments == node.end() || !subsegments->is_array()) {
      return;
    }
    for (const Json& child : *subsegments) {
      CollectIds(child, depth + 1);
    }
  }

  std::size_t FindOrAddNode(const TraceNode& node) {
    for (std::size_t i = 0; i < model_.nodes.size(); ++i) {
      const TraceNode& n = model_.nodes[i];
      if (std::tie(n.name, n.type, n.account_id, n.kind) ==
          std::tie(node.name, node.type, node.account_id, node.kind)) {
        return i;
      }
    }
    model_.nodes.push_back(node);
    return model_.nodes.size() - 1;
  }

  std::size_t AddEntity(const Json& json) {
    Entity entity;
    entity.json = &json;
    if (const std::string* name = StringAt(json, {"name"})) {
      entity.name = *name;
    }
    entity.start_time = NumberAt(json, {"start_time"}).value_or(0);
    if (!TrueAt(json, {"in_progress"})) {
      entity.end_time = NumberAt(json, {"end_time"});
    }
    entity.status = DeriveStatus(json);
    tree_.entities.push_back(std::move(entity));
    return tree_.entities.size() - 1;
  }

  static std::optional<double> Elapsed(const Entity& entity) {
    if (!entity.end_time) {
      return std::nullopt;
    }
    return RoundToMicroseconds(*entity.end_time - entity.start_time);
  }

  TraceSegment SegmentOf(const Entity& entity, std::string id) {
    TraceSegment segment;
    segment.node = entity.node;
    segment.id = std::move(id);
    segment.name = entity.name;
    segment.status = entity.status;
    segment.in_progress = !entity.end_time;
    segment.inferred = entity.inferred;
    segment.start_time = entity.start_time;
    segment.end_time = entity.end_time;
    segment.response_time = Elapsed(entity);
    segment.duration = segment.response_time;
    segment.http = ReadHttp(*entity.json);
    return segment;
  }

  void AddRealSegment(const Json& doc) {
    const std::size_t index = AddEntity(doc);
    Entity& entity = tree_.entities[index];
    entity.segment = true;
    TraceNode node;
    node.name = entity.name;
    node.type = OptionalStringAt(doc, {"origin"});
    node.account_id = OptionalStringAt(doc, {"aws", "account_id"});
    entity.node = FindOrAddNode(node);
    const std::string* id = StringAt(doc, {"id"});
    TraceSegment segment = SegmentOf(entity, id != nullptr ? *id : std::string());
    segment.user = OptionalStringAt(doc, {"user"});
    segment.resource_arn = OptionalStringAt(doc, {"resource_arn"});
    segment.instance_id = OptionalStringAt(doc, {"aws", "ec2", "instance_id"});
    segment.availability_zone = OptionalStringAt(doc, {"aws", "ec2", "availability_zone"});
    const std::string* parent = StringAt(doc, {"parent_id"});
    if (parent != nullptr && !parent->empty()) {
      downstream_[*parent].push_back(index);
    }
    if (parent == nullptr || parent->empty() || !ids_.contains(*parent)) {
      // Documents come ordered by (start_time, id): the first candidate wins the tie-break.
      if (!tree_.root) {
        tree_.root = index;
        segment.root = true;
        model_.root_segment = model_.segments.size();
      }
    }
    model_.segments.push_back(std::move(segment));
  }

  Walked Walk(std::size_t parent, const Json& json, int depth) {
    Walked walked{tree_.entities[parent].end_time, !tree_.entities[parent].end_time};
    auto subsegments = json.find("subsegments");
    if (depth >= kMaxWalkDepth || subsegments == json.end() || !subsegments->is_array()) {
      return walked;
    }
    for (const Json& child : *subsegments) {
      if (!child.is_object()) {
        continue;
      }
      const std::size_t index = AddEntity(child);
      tree_.entities[index].node = tree_.entities[parent].node;
      tree_.entities[parent].children.push_back(index);
      const Walked below = Walk(index, child, depth + 1);
      walked.in_progress = walked.in_progress || below.in_progress;
      if (below.max_end && (!walked.max_end || *below.max_end > *walked.max_end)) {
        walked.max_end = below.max_end;
      }
      const std::string* ns = StringAt(child, {"namespace"});
      const std::string* id = StringAt(child, {"id"});
      const bool remote_call = ns != nullptr && (*ns == "aws" || *ns == "remote");
      tree_.entities[index].remote_call = remote_call;
      if (remote_call || (id != nullptr && downstream_.contains(*id))) {
        LinkCall(index, ns != nullptr && *ns == "aws");
      }
    }
    return walked;
  }

  // docs/service-graph.md#inferred-nodes: an instrumented downstream (a real segment whose
  // parent_id is the caller's id) or else, for an aws/remote subsegment, an inferred segment; the
  // caller entity is the call.
  void LinkCall(std::size_t caller, bool aws) {
    const Json& json = *tree_.entities[caller].json;
    const std::string* id = StringAt(json, {"id"});
    const std::string caller_id = id != nullptr ? *id : std::string();
    const std::size_t from = tree_.entities[caller].node;
    if (auto it = downstream_.find(caller_id); it != downstream_.end() && !caller_id.empty()) {
      for (std::size_t segment : it->second) {
        tree_.entities[caller].children.push_back(segment);
        AddCall(caller, from, tree_.entities[segment].node, caller_id);
      }
      return;
    }
    if (!tree_.entities[caller].remote_call) {
      return;  // Local work and segments: only instrumented downstreams make edges.
    }
    const std::size_t index = AddEntity(json);
    Entity& inferred = tree_.entities[index];
    inferred.segment = true;
    inferred.inferred = true;
    inferred.node = FindOrAddNode(InferredNode(json, inferred.name, aws));
    tree_.entities[caller].children.push_back(index);
    TraceSegment segment = SegmentOf(inferred, InferredId(trace_id_, caller_id));
    segment.parent_id = caller_id;
    if (auto aws_object = json.find("aws"); aws_object != json.end() && aws_object->is_object()) {
      segment.aws = aws_object->dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    model_.segments.push_back(std::move(segment));
    model_.has_inferred = true;
    AddCall(caller, from, inferred.node, caller_id);
  }

  void AddCall(std::size_t caller, std::size_t from, std::size_t to, std::string caller_id) {
    const Entity& entity = tree_.entities[caller];
    TraceCall call;
    call.from = from;
    call.to = to;
    call.caller_id = std::move(caller_id);
    call.status = entity.status;
    call.in_progress = !entity.end_time;
    call.start_time = entity.start_time;
    call.end_time = entity.end_time;
    call.response_time = Elapsed(entity);
    call.http = ReadHttp(*entity.json);
    model_.calls.push_back(std::move(call));
  }

  void AddClient(std::size_t root) {
    const Entity& entity = tree_.entities[root];
    TraceNode client;
    client.name = model_.nodes[entity.node].name;
    client.type = "client";
    client.kind = NodeKind::kClient;
    const std::size_t client_node = FindOrAddNode(client);
    model_.entry_point = entity.node;
    const std::size_t first = model_.calls.size();
    AddCall(root, client_node, entity.node, model_.segments[*model_.root_segment].id);
    std::rotate(model_.calls.begin(), model_.calls.begin() + static_cast<std::ptrdiff_t>(first),
                model_.calls.end());
  }

  std::string_view trace_id_;
  TraceTree& tree_;
  TraceModel& model_;
  std::unordered_set<std::string> ids_;  // Every document and subsegment id.
  std::unordered_map<std::string, std::vector<std::size_t>> downstream_;  // parent_id -> segments.
};

}  // namespace

TraceTree BuildGraph(std::string_view trace_id, std::vector<nlohmann::ordered_json> documents,
                     TraceModel* model) {
  TraceTree tree;
  tree.documents = std::move(documents);
  GraphBuilder(trace_id, &tree, model).Run();
  return tree;
}

}  // namespace xrayd::query::internal
