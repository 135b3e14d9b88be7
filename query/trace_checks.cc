#include "query/trace_checks.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

#include "query/filter_printer.h"

namespace xrayd::query {

namespace {

constexpr int kMaxWalkDepth = 128;  // Deeper than any stored document (proto caps nesting at 64).

// Calls `visit(node)` for every segment/subsegment object of `documents`, depth first; stops early
// when `visit` returns true. Returns whether it stopped.
template <typename Visit>
bool WalkNodes(const nlohmann::ordered_json& node, int depth, const Visit& visit) {
  if (!node.is_object() || depth > kMaxWalkDepth) {
    return false;
  }
  if (visit(node)) {
    return true;
  }
  auto subsegments = node.find("subsegments");
  if (subsegments == node.end() || !subsegments->is_array()) {
    return false;
  }
  for (const auto& child : *subsegments) {
    if (WalkNodes(child, depth + 1, visit)) {
      return true;
    }
  }
  return false;
}

template <typename Visit>
bool WalkAll(std::span<const nlohmann::ordered_json> documents, const Visit& visit) {
  for (const auto& document : documents) {
    if (WalkNodes(document, 0, visit)) {
      return true;
    }
  }
  return false;
}

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::string AnnotationText(const nlohmann::ordered_json& value) {
  if (value.is_string()) {
    return value.get<std::string>();
  }
  return value.dump();
}

double NumberField(const nlohmann::ordered_json& document, const char* key) {
  auto it = document.find(key);
  return it != document.end() && it->is_number() ? it->get<double>() : 0;
}

std::string StringField(const nlohmann::ordered_json& document, const char* key) {
  auto it = document.find(key);
  return it != document.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool CountBound::Accepts(std::size_t found) const {
  switch (op) {
    case Op::kEq:
      return found == count;
    case Op::kGe:
      return found >= count;
    case Op::kGt:
      return found > count;
    case Op::kLe:
      return found <= count;
    case Op::kLt:
      return found < count;
  }
  return false;
}

std::string CountBound::ToString() const {
  const char* text = "=";
  switch (op) {
    case Op::kEq:
      text = "=";
      break;
    case Op::kGe:
      text = ">=";
      break;
    case Op::kGt:
      text = ">";
      break;
    case Op::kLe:
      text = "<=";
      break;
    case Op::kLt:
      text = "<";
      break;
  }
  return std::string(text) + " " + std::to_string(count);
}

bool LooksLikeCountBound(std::string_view text) {
  return !text.empty() && (std::isdigit(static_cast<unsigned char>(text.front())) != 0 ||
                           text.front() == '=' || text.front() == '<' || text.front() == '>');
}

Result<CountBound> ParseCountBound(std::string_view text) {
  CountBound bound;
  std::string_view rest = text;
  auto take = [&rest](std::string_view prefix) {
    if (rest.substr(0, prefix.size()) == prefix) {
      rest.remove_prefix(prefix.size());
      return true;
    }
    return false;
  };
  if (take(">=")) {
    bound.op = CountBound::Op::kGe;
  } else if (take("<=")) {
    bound.op = CountBound::Op::kLe;
  } else if (take("==") || take("=")) {
    bound.op = CountBound::Op::kEq;
  } else if (take(">")) {
    bound.op = CountBound::Op::kGt;
  } else if (take("<")) {
    bound.op = CountBound::Op::kLt;
  } else {
    bound.op = CountBound::Op::kEq;
  }
  while (!rest.empty() && rest.front() == ' ') {
    rest.remove_prefix(1);
  }
  auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), bound.count);
  if (rest.empty() || ec != std::errc() || ptr != rest.data() + rest.size()) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid count '" + std::string(text) +
                                                      "' (examples: '>=1', '=2', '0', '<3')");
  }
  return bound;
}

bool HasNodeNamed(std::span<const nlohmann::ordered_json> documents, std::string_view name) {
  return WalkAll(documents, [name](const nlohmann::ordered_json& node) {
    auto it = node.find("name");
    return it != node.end() && it->is_string() && it->get_ref<const std::string&>() == name;
  });
}

std::vector<std::string> AnnotationValues(std::span<const nlohmann::ordered_json> documents,
                                          std::string_view key) {
  std::vector<std::string> values;
  WalkAll(documents, [&](const nlohmann::ordered_json& node) {
    auto annotations = node.find("annotations");
    if (annotations == node.end() || !annotations->is_object()) {
      return false;
    }
    auto value = annotations->find(std::string(key));
    if (value != annotations->end() && !value->is_structured() && !value->is_null()) {
      values.push_back(value->dump());
    }
    return false;
  });
  return values;
}

bool HasAnnotation(std::span<const nlohmann::ordered_json> documents, std::string_view key,
                   const std::optional<std::string>& expected) {
  bool found = false;
  WalkAll(documents, [&](const nlohmann::ordered_json& node) {
    auto annotations = node.find("annotations");
    if (annotations == node.end() || !annotations->is_object()) {
      return false;
    }
    auto value = annotations->find(std::string(key));
    if (value == annotations->end() || value->is_structured() || value->is_null()) {
      return false;
    }
    if (!expected) {
      found = true;
    } else if (value->is_number()) {
      auto number = ParseNumber(*expected);
      found = number && *number == value->get<double>();
    } else {
      found = AnnotationText(*value) == *expected;
    }
    return found;
  });
  return found;
}

TraceModel ModelFromDocuments(std::string_view trace_id,
                              std::span<const nlohmann::ordered_json> documents) {
  std::vector<storage::StoredDocument> stored;
  stored.reserve(documents.size());
  for (const auto& document : documents) {
    storage::StoredDocument doc;
    doc.trace_id = std::string(trace_id);
    doc.id = StringField(document, "id");
    doc.parent_id = StringField(document, "parent_id");
    doc.kind = StringField(document, "type") == "subsegment" ? proto::DocumentKind::kSubsegment
                                                             : proto::DocumentKind::kSegment;
    doc.in_progress = document.value("in_progress", false);
    doc.start_time = NumberField(document, "start_time");
    doc.end_time = doc.in_progress ? 0 : NumberField(document, "end_time");
    doc.raw = document.dump();
    stored.push_back(std::move(doc));
  }
  return BuildTraceModel(trace_id, stored);
}

std::vector<FilterTerm> SplitTopLevelTerms(FilterExpr filter) {
  std::vector<FilterTerm> terms;
  if (!filter.root) {
    return terms;
  }
  if (auto* conjunction = std::get_if<And>(&filter.root->kind)) {
    for (NodePtr& child : conjunction->children) {
      FilterTerm term;
      term.expr.root = std::move(child);
      term.text = PrintFilter(term.expr);
      terms.push_back(std::move(term));
    }
    return terms;
  }
  FilterTerm term;
  term.text = PrintFilter(filter);
  term.expr = std::move(filter);
  terms.push_back(std::move(term));
  return terms;
}

}  // namespace xrayd::query
