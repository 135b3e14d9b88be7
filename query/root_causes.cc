#include "query/root_causes.h"

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <vector>

#include "query/trace_fields.h"

namespace xrayd::query::internal {
namespace {

using Json = nlohmann::ordered_json;

// Downstream links can form cycles on hostile input; paths and recursion stop at this depth.
constexpr int kMaxDepth = 256;

enum class Kind { kFault, kError, kResponseTime };

bool Has(const Entity& entity, Kind kind) {
  return kind == Kind::kFault ? entity.status.fault : entity.status.error;
}

class Finder {
 public:
  Finder(const TraceTree& tree, Kind kind)
      : tree_(tree), kind_(kind), memo_(tree.entities.size(), kUnknown) {}

  // True iff `index` or an entity below it has the kind.
  bool SubtreeHas(std::size_t index, int depth) {
    if (memo_[index] != kUnknown) {
      return memo_[index] == kYes;
    }
    memo_[index] = kNo;  // Visiting: a cycle back here finds nothing.
    bool found = Has(tree_.entities[index], kind_);
    if (depth < kMaxDepth) {
      for (std::size_t child : tree_.entities[index].children) {
        found = SubtreeHas(child, depth + 1) || found;
      }
    }
    memo_[index] = found ? kYes : kNo;
    return found;
  }

 private:
  static constexpr std::int8_t kUnknown = 0;
  static constexpr std::int8_t kNo = 1;
  static constexpr std::int8_t kYes = 2;
  const TraceTree& tree_;
  Kind kind_;
  std::vector<std::int8_t> memo_;
};

std::optional<double> Elapsed(const Entity& entity) {
  if (!entity.end_time) {
    return std::nullopt;
  }
  return *entity.end_time - entity.start_time;
}

// Fault/error: latest-ending child whose subtree has the kind. Response time: longest child.
std::vector<std::size_t> Descend(const TraceTree& tree, std::size_t root, Kind kind) {
  std::optional<Finder> finder;
  if (kind != Kind::kResponseTime) {
    finder.emplace(tree, kind);
  }
  std::vector<std::size_t> path{root};
  std::unordered_set<std::size_t> seen{root};
  while (path.size() < static_cast<std::size_t>(kMaxDepth)) {
    const Entity& current = tree.entities[path.back()];
    std::optional<std::size_t> best;
    double best_key = 0;
    for (std::size_t child : current.children) {
      if (seen.contains(child)) {
        continue;
      }
      const Entity& entity = tree.entities[child];
      std::optional<double> key;
      if (kind == Kind::kResponseTime) {
        key = Elapsed(entity);
      } else if (finder->SubtreeHas(child, 0)) {
        key = entity.end_time.value_or(entity.start_time);
      }
      if (key && (!best || *key > best_key)) {
        best = child;
        best_key = *key;
      }
    }
    if (!best) {
      break;
    }
    path.push_back(*best);
    seen.insert(*best);
  }
  return path;
}

RootCauseEntity EntityOf(const Entity& entity, Kind kind, double root_time) {
  RootCauseEntity out;
  out.name = entity.name;
  out.remote = entity.remote_call || entity.inferred;
  if (kind == Kind::kResponseTime) {
    out.coverage = root_time > 0 ? Elapsed(entity).value_or(0) / root_time : 0;
    return out;
  }
  auto cause = entity.json->find("cause");
  if (entity.inferred || cause == entity.json->end() || !cause->is_object()) {
    return out;
  }
  auto exceptions = cause->find("exceptions");
  if (exceptions == cause->end() || !exceptions->is_array()) {
    return out;
  }
  for (const Json& exception : *exceptions) {
    if (!exception.is_object()) {
      continue;
    }
    RootCauseException item;
    if (const std::string* type = StringAt(exception, {"type"})) {
      item.name = *type;
    }
    if (const std::string* message = StringAt(exception, {"message"})) {
      item.message = *message;
    }
    out.remote = out.remote || TrueAt(exception, {"remote"});
    out.exceptions.push_back(std::move(item));
  }
  return out;
}

std::optional<RootCause> Compute(const TraceTree& tree, Kind kind) {
  const std::size_t root = *tree.root;
  const Entity& root_entity = tree.entities[root];
  const std::optional<double> root_time = Elapsed(root_entity);
  if (kind == Kind::kResponseTime ? !root_time : !Finder(tree, kind).SubtreeHas(root, 0)) {
    return std::nullopt;
  }
  RootCause cause;
  cause.client_impacting = kind == Kind::kResponseTime || Has(root_entity, kind);
  for (std::size_t index : Descend(tree, root, kind)) {
    const Entity& entity = tree.entities[index];
    if (entity.segment || cause.services.empty()) {
      RootCauseService service;
      service.node = entity.node;
      service.inferred = entity.inferred;
      cause.services.push_back(std::move(service));
    }
    cause.services.back().entity_path.push_back(EntityOf(entity, kind, root_time.value_or(0)));
  }
  return cause;
}

}  // namespace

void ComputeRootCauses(const TraceTree& tree, TraceModel* model) {
  if (!tree.root) {
    return;
  }
  if (std::optional<RootCause> cause = Compute(tree, Kind::kFault)) {
    model->fault_root_causes.push_back(std::move(*cause));
  }
  if (std::optional<RootCause> cause = Compute(tree, Kind::kError)) {
    model->error_root_causes.push_back(std::move(*cause));
  }
  if (std::optional<RootCause> cause = Compute(tree, Kind::kResponseTime)) {
    model->response_time_root_causes.push_back(std::move(*cause));
  }
}

}  // namespace xrayd::query::internal
