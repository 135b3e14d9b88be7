#include "query/filter_eval_rootcause.h"

#include <optional>
#include <span>
#include <string>
#include <variant>

#include "query/filter_eval_values.h"

namespace xrayd::query::internal {
namespace {

using Json = nlohmann::json;

const TraceNode* NodeOf(const RootCauseService* service, const TraceModel& trace) {
  if (service == nullptr || service->node >= trace.nodes.size()) {
    return nullptr;
  }
  return &trace.nodes[service->node];
}

// Pattern elements matched in order against elements of `values` (a subsequence). Greedy
// leftmost matching finds an embedding whenever one exists.
template <class T, class Match>
bool Subsequence(const Json& pattern, std::span<const T> values, Match match) {
  if (!pattern.is_array()) {
    return false;
  }
  std::size_t next = 0;
  for (const Json& wanted : pattern) {
    while (next < values.size() && !match(wanted, values[next])) {
      ++next;
    }
    if (next == values.size()) {
      return false;
    }
    ++next;
  }
  return true;
}

bool MatchString(const Json& pattern, const std::string& value) {
  return pattern.is_string() && pattern.get_ref<const std::string&>() == value;
}

bool MatchOptionalString(const Json& pattern, const std::optional<std::string>& value) {
  if (pattern.is_null()) {
    return !value;
  }
  return value && MatchString(pattern, *value);
}

bool MatchBool(const Json& pattern, bool value) {
  return pattern.is_boolean() && pattern.get<bool>() == value;
}

bool MatchOptionalNumber(const Json& pattern, const std::optional<double>& value) {
  if (pattern.is_null()) {
    return !value;
  }
  return pattern.is_number() && value && pattern.get<double>() == *value;
}

bool MatchException(const Json& pattern, const RootCauseException& exception) {
  if (!pattern.is_object()) {
    return false;
  }
  for (const auto& [key, wanted] : pattern.items()) {
    bool ok = false;
    if (key == "Name") {
      ok = MatchString(wanted, exception.name);
    } else if (key == "Message") {
      ok = MatchOptionalString(wanted, exception.message);
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool MatchEntity(const Json& pattern, const RootCauseEntity& entity) {
  if (!pattern.is_object()) {
    return false;
  }
  for (const auto& [key, wanted] : pattern.items()) {
    bool ok = false;
    if (key == "Name") {
      ok = MatchString(wanted, entity.name);
    } else if (key == "Remote") {
      ok = MatchBool(wanted, entity.remote);
    } else if (key == "Coverage") {
      ok = MatchOptionalNumber(wanted, entity.coverage);
    } else if (key == "Exceptions") {
      // Response-time entities have no Exceptions member in the API shape.
      ok = wanted.is_null() ? entity.coverage.has_value()
                            : !entity.coverage &&
                                  Subsequence(wanted, std::span(entity.exceptions), MatchException);
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool MatchService(const Json& pattern, const RootCauseService& service, const TraceModel& trace) {
  const TraceNode* node = NodeOf(&service, trace);
  if (!pattern.is_object() || node == nullptr) {
    return false;
  }
  for (const auto& [key, wanted] : pattern.items()) {
    bool ok = false;
    if (key == "Name") {
      ok = MatchString(wanted, node->name);
    } else if (key == "Names") {
      ok = Subsequence(wanted, std::span(&node->name, 1), MatchString);
    } else if (key == "AccountId") {
      ok = MatchOptionalString(wanted, node->account_id);
    } else if (key == "Type") {
      ok = MatchOptionalString(wanted, node->type);
    } else if (key == "Inferred") {
      ok = MatchBool(wanted, service.inferred);
    } else if (key == "EntityPath") {
      ok = Subsequence(wanted, std::span(service.entity_path), MatchEntity);
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool MatchCause(const Json& pattern, const RootCause& cause, const TraceModel& trace) {
  if (!pattern.is_object()) {
    return false;
  }
  for (const auto& [key, wanted] : pattern.items()) {
    bool ok = false;
    if (key == "Services") {
      ok = Subsequence(
          wanted, std::span(cause.services),
          [&](const Json& p, const RootCauseService& s) { return MatchService(p, s, trace); });
    } else if (key == "ClientImpacting") {
      ok = MatchBool(wanted, cause.client_impacting);
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool AnyCauseMatches(const Json& pattern, const TraceModel& trace) {
  for (RootCauseKind kind :
       {RootCauseKind::kFault, RootCauseKind::kError, RootCauseKind::kResponseTime}) {
    for (const RootCause& cause : RootCausesOf(trace, kind)) {
      if (MatchCause(pattern, cause, trace)) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

const std::vector<RootCause>& RootCausesOf(const TraceModel& trace, RootCauseKind kind) {
  switch (kind) {
    case RootCauseKind::kFault:
      return trace.fault_root_causes;
    case RootCauseKind::kError:
      return trace.error_root_causes;
    case RootCauseKind::kResponseTime:
      break;
  }
  return trace.response_time_root_causes;
}

bool TestRootCauseKeyword(const Comparison& c, const RootCauseElement& element,
                          const TraceModel& trace) {
  const TraceNode* node = NodeOf(element.service, trace);
  const bool service_level = element.level == RootCauseLevel::kService;
  const bool entity_level = element.level == RootCauseLevel::kEntity;
  switch (c.field.keyword) {
    case Keyword::kIndex:
      return TestNumber(c, static_cast<double>(element.index));
    case Keyword::kFirst:
      return TestBool(c, element.index == 0);
    case Keyword::kLast:
      return TestBool(c, element.last);
    case Keyword::kName:
      if (service_level) {
        return node != nullptr && TestString(c, &node->name);
      }
      if (entity_level) {
        return element.entity != nullptr && TestString(c, &element.entity->name);
      }
      return element.exception != nullptr && TestString(c, &element.exception->name);
    case Keyword::kType:
      return service_level && node != nullptr && TestString(c, node->type);
    case Keyword::kAccountId:
      return service_level && node != nullptr && TestString(c, node->account_id);
    case Keyword::kInferred:
      return service_level && element.service != nullptr && TestBool(c, element.service->inferred);
    case Keyword::kRemote:
      return entity_level && element.entity != nullptr && TestBool(c, element.entity->remote);
    case Keyword::kCoverage:
      return entity_level && element.entity != nullptr && TestNumber(c, element.entity->coverage);
    case Keyword::kMessage:
      return element.level == RootCauseLevel::kException && element.exception != nullptr &&
             TestString(c, element.exception->message);
    default:
      return false;  // Not a root-cause keyword: the parser rejects it in these blocks.
  }
}

bool MatchesRootCauseJson(const nlohmann::json& pattern, const TraceModel& trace) {
  if (!pattern.is_array()) {
    return false;
  }
  for (const Json& wanted : pattern) {
    if (!AnyCauseMatches(wanted, trace)) {
      return false;
    }
  }
  return true;
}

}  // namespace xrayd::query::internal
