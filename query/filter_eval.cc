#include "query/filter_eval.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "query/filter_eval_rootcause.h"
#include "query/filter_eval_values.h"

namespace xrayd::query {
namespace {

using internal::RootCauseElement;

// What the comparisons of the current (sub)expression bind to (docs/filter-language.md).
struct Binding {
  enum class Kind { kTrace, kSegment, kCall, kRootCause };
  Kind kind = Kind::kTrace;
  const TraceSegment* segment = nullptr;
  const TraceCall* call = nullptr;
  const RootCauseElement* element = nullptr;
};

std::optional<double> StatusNumber(const std::optional<int>& status) {
  return status ? std::optional<double>(*status) : std::nullopt;
}

// http.* keywords over one HttpFields. Returns nullopt when `keyword` is not an http keyword.
std::optional<bool> TestHttp(const Comparison& c, const HttpFields& http) {
  switch (c.field.keyword) {
    case Keyword::kHttpStatus:
      return internal::TestNumber(c, StatusNumber(http.status));
    case Keyword::kHttpUrl:
      return internal::TestString(c, http.url);
    case Keyword::kHttpMethod:
      return internal::TestString(c, http.method);
    case Keyword::kHttpUserAgent:
      return internal::TestString(c, http.user_agent);
    case Keyword::kHttpClientIp:
      return internal::TestString(c, http.client_ip);
    default:
      return std::nullopt;
  }
}

// ok/error/fault/throttle over a derived status. nullopt when `keyword` is not one of them.
std::optional<bool> TestStatus(const Comparison& c, const DerivedStatus& status) {
  switch (c.field.keyword) {
    case Keyword::kOk:
      return internal::TestBool(c, status.ok);
    case Keyword::kError:
      return internal::TestBool(c, status.error);
    case Keyword::kFault:
      return internal::TestBool(c, status.fault);
    case Keyword::kThrottle:
      return internal::TestBool(c, status.throttle);
    default:
      return std::nullopt;
  }
}

bool IdMatches(const IdFn& id, const TraceNode& node) {
  if (node.kind == NodeKind::kClient && id.type != std::optional<std::string>("client")) {
    return false;  // The client node is selected only by asking for it.
  }
  return (!id.name || *id.name == node.name) && (!id.type || id.type == node.type) &&
         (!id.account_id || id.account_id == node.account_id);
}

bool NodeMatches(const NodeRef& ref, const TraceNode& node) {
  if (const auto* name = std::get_if<std::string>(&ref)) {
    return node.kind != NodeKind::kClient && *name == node.name;
  }
  const auto* id = std::get_if<IdFn>(&ref);
  return id != nullptr && IdMatches(*id, node);
}

bool NodeMatches(const std::optional<NodeRef>& ref, const TraceNode& node) {
  return ref ? NodeMatches(*ref, node) : node.kind != NodeKind::kClient;
}

class Evaluator {
 public:
  Evaluator(const TraceModel& trace, const EvalContext& context)
      : trace_(trace), context_(context) {}

  bool Eval(const Node& node, const Binding& binding) const {
    return std::visit(
        Overloaded{
            [&](const And& n) {
              for (const NodePtr& child : n.children) {
                if (!Eval(*child, binding)) {
                  return false;
                }
              }
              return true;
            },
            [&](const Or& n) {
              for (const NodePtr& child : n.children) {
                if (Eval(*child, binding)) {
                  return true;
                }
              }
              return false;
            },
            [&](const Not& n) { return !Eval(*n.child, binding); },
            [&](const Comparison& n) { return Compare(n, binding); },
            [&](const ServiceFn& n) { return Service(n.node, n.block.get()); },
            [&](const EdgeFn& n) { return Edge(n); },
            [&](const IdFn& n) { return Service(NodeRef(n), nullptr); },
            [&](const GroupRef& n) { return Group(n); },
            [&](const RootCauseRef& n) { return RootCauses(n); },
            [&](const RootCauseJson& n) { return internal::MatchesRootCauseJson(n.value, trace_); },
        },
        node.kind);
  }

 private:
  bool Compare(const Comparison& c, const Binding& binding) const {
    switch (binding.kind) {
      case Binding::Kind::kTrace:
        return CompareTrace(c);
      case Binding::Kind::kSegment:
        return CompareSegment(c, *binding.segment);
      case Binding::Kind::kCall:
        return CompareCall(c, *binding.call);
      case Binding::Kind::kRootCause:
        return internal::TestRootCauseKeyword(c, *binding.element, trace_);
    }
    return false;
  }

  bool CompareTrace(const Comparison& c) const {
    static const DerivedStatus kNoRoot{
        .ok = false, .error = false, .fault = false, .throttle = false};
    const TraceSegment* root = trace_.root_segment && *trace_.root_segment < trace_.segments.size()
                                   ? &trace_.segments[*trace_.root_segment]
                                   : nullptr;
    if (std::optional<bool> result = TestStatus(c, root != nullptr ? root->status : kNoRoot)) {
      return *result;
    }
    if (std::optional<bool> result = TestHttp(c, trace_.http)) {
      return *result;
    }
    switch (c.field.keyword) {
      case Keyword::kResponseTime:
        return internal::TestNumber(c, trace_.response_time);
      case Keyword::kDuration:
        return internal::TestNumber(c, trace_.duration);
      case Keyword::kPartial:
        return internal::TestBool(c, trace_.is_partial);
      case Keyword::kInferred:
        return internal::TestBool(c, trace_.has_inferred);
      case Keyword::kUser:
        for (const TraceUser& user : trace_.users) {
          if (internal::TestString(c, &user.name)) {
            return true;
          }
        }
        return false;
      case Keyword::kAvailabilityZone:
        return internal::TestAnyString(c, trace_.availability_zones);
      case Keyword::kInstanceId:
        return internal::TestAnyString(c, trace_.instance_ids);
      case Keyword::kResourceArn:
        return internal::TestAnyString(c, trace_.resource_arns);
      case Keyword::kAnnotation:
        for (const TraceAnnotation& annotation : trace_.annotations) {
          if (annotation.key == c.field.annotation_key) {
            return internal::TestAnnotation(c, &annotation);
          }
        }
        return false;
      default:
        return false;  // Scoped keywords never reach the top level (parser invariant).
    }
  }

  bool CompareSegment(const Comparison& c, const TraceSegment& segment) const {
    if (std::optional<bool> result = TestStatus(c, segment.status)) {
      return *result;
    }
    if (std::optional<bool> result = TestHttp(c, segment.http)) {
      return *result;
    }
    const TraceNode* node =
        segment.node < trace_.nodes.size() ? &trace_.nodes[segment.node] : nullptr;
    switch (c.field.keyword) {
      case Keyword::kResponseTime:
        return internal::TestNumber(c, segment.response_time);
      case Keyword::kDuration:
        return internal::TestNumber(c, segment.duration);
      case Keyword::kUser:
        return internal::TestString(c, segment.user);
      case Keyword::kAvailabilityZone:
        return internal::TestString(c, segment.availability_zone);
      case Keyword::kInstanceId:
        return internal::TestString(c, segment.instance_id);
      case Keyword::kResourceArn:
        return internal::TestString(c, segment.resource_arn);
      case Keyword::kPartial:
        return internal::TestBool(c, segment.in_progress);
      case Keyword::kInferred:
        return internal::TestBool(c, segment.inferred);
      case Keyword::kRoot:
        return internal::TestBool(c, segment.root);
      case Keyword::kName:
        return node != nullptr && internal::TestString(c, &node->name);
      case Keyword::kType:
        return node != nullptr && internal::TestString(c, node->type);
      default:
        return false;  // annotation.* and root-cause keywords are rejected in service blocks.
    }
  }

  bool CompareCall(const Comparison& c, const TraceCall& call) const {
    if (std::optional<bool> result = TestStatus(c, call.status)) {
      return *result;
    }
    if (std::optional<bool> result = TestHttp(c, call.http)) {
      return *result;
    }
    if (c.field.keyword == Keyword::kResponseTime) {
      return internal::TestNumber(c, call.response_time);
    }
    return false;  // Nothing else is allowed in edge blocks.
  }

  // service(ref) [{ block }]: a matching node, and with a block one of its segments satisfying it.
  bool Service(const std::optional<NodeRef>& ref, const Node* block) const {
    if (block == nullptr) {
      for (const TraceNode& node : trace_.nodes) {
        if (NodeMatches(ref, node)) {
          return true;
        }
      }
      return false;
    }
    for (const TraceSegment& segment : trace_.segments) {
      if (segment.node < trace_.nodes.size() && NodeMatches(ref, trace_.nodes[segment.node])) {
        Binding binding;
        binding.kind = Binding::Kind::kSegment;
        binding.segment = &segment;
        if (Eval(*block, binding)) {
          return true;
        }
      }
    }
    return false;
  }

  // edge(from, to) [{ block }]: a call between matching nodes, satisfying the block if any.
  bool Edge(const EdgeFn& edge) const {
    for (const TraceCall& call : trace_.calls) {
      if (call.from >= trace_.nodes.size() || call.to >= trace_.nodes.size() ||
          !NodeMatches(edge.from, trace_.nodes[call.from]) ||
          !NodeMatches(edge.to, trace_.nodes[call.to])) {
        continue;
      }
      if (edge.block == nullptr) {
        return true;
      }
      Binding binding;
      binding.kind = Binding::Kind::kCall;
      binding.call = &call;
      if (Eval(*edge.block, binding)) {
        return true;
      }
    }
    return false;
  }

  bool Group(const GroupRef& ref) const {
    return context_.is_member ? context_.is_member(ref) : IsDefaultGroupRef(ref);
  }

  bool RootCauses(const RootCauseRef& ref) const {
    if (ref.block == nullptr) {
      return !internal::RootCausesOf(trace_, ref.kind).empty();
    }
    return internal::AnyRootCauseElement(trace_, ref.kind, ref.level,
                                         [&](const RootCauseElement& element) {
                                           Binding binding;
                                           binding.kind = Binding::Kind::kRootCause;
                                           binding.element = &element;
                                           return Eval(*ref.block, binding);
                                         });
  }

  const TraceModel& trace_;
  const EvalContext& context_;
};

}  // namespace

bool IsDefaultGroupRef(const GroupRef& ref) noexcept {
  constexpr std::string_view kDefault = "Default";
  constexpr std::string_view kDefaultArnSuffix = ":group/Default";
  return ref.by == GroupRef::By::kName ? ref.value == kDefault
                                       : ref.value.ends_with(kDefaultArnSuffix);
}

bool MatchesFilter(const FilterExpr& filter, const TraceModel& trace,
                   const EvalContext& context) noexcept {
  if (filter.root == nullptr) {
    return true;
  }
  // Exception firewall for the checker: none of these can happen on a tree built by the parser
  // (no valueless variants, is_member is called only when set, JSON types are checked first).
  try {
    return Evaluator(trace, context).Eval(*filter.root, Binding{});
  } catch (const std::bad_variant_access&) {
    return false;
  } catch (const std::bad_function_call&) {
    return false;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace xrayd::query
