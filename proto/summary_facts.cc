#include "proto/summary_facts.h"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>

namespace xrayd::proto::internal {
namespace {

// The value of the last member `key` of `value` when it is an object (JSON null included).
std::optional<simdjson::dom::element> LastMember(simdjson::dom::element value,
                                                 std::string_view key) {
  simdjson::dom::object object;
  if (value.get(object) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  std::optional<simdjson::dom::element> found;
  for (const auto member : object) {
    if (member.key == key) {
      found = member.value;
    }
  }
  return found;
}

std::optional<simdjson::dom::element> At(simdjson::dom::element value,
                                         std::initializer_list<std::string_view> path) {
  std::optional<simdjson::dom::element> current = value;
  for (std::string_view key : path) {
    current = LastMember(*current, key);
    if (!current) {
      break;
    }
  }
  return current;
}

std::optional<std::string_view> StringAt(simdjson::dom::element value,
                                         std::initializer_list<std::string_view> path) {
  std::string_view text;
  const auto found = At(value, path);
  if (!found || found->get(text) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> StringCopyAt(simdjson::dom::element value,
                                        std::initializer_list<std::string_view> path) {
  const auto text = StringAt(value, path);
  return text ? std::optional<std::string>(*text) : std::nullopt;
}

// An integral number in [0, INT_MAX], whatever its JSON spelling (200, 200.0, 2e2).
std::optional<int> StatusAt(simdjson::dom::element value,
                            std::initializer_list<std::string_view> path) {
  const auto found = At(value, path);
  double number = 0;
  if (!found || !found->is_number() || found->get(number) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  if (std::trunc(number) != number || number < 0 || number > std::numeric_limits<int>::max()) {
    return std::nullopt;
  }
  return static_cast<int>(number);
}

}  // namespace

void ReadSegmentFacts(const EntityFields& fields, SummaryFacts* facts) {
  if (fields.Has(Field::kHttp)) {
    const simdjson::dom::element http = fields.Get(Field::kHttp);
    facts->http_url = StringCopyAt(http, {"request", "url"});
    facts->http_method = StringCopyAt(http, {"request", "method"});
    facts->http_user_agent = StringCopyAt(http, {"request", "user_agent"});
    facts->http_client_ip = StringCopyAt(http, {"request", "client_ip"});
    facts->http_status = StatusAt(http, {"response", "status"});
  }
  if (const auto user = fields.String(Field::kUser)) {
    facts->user = std::string(*user);
  }
  if (const auto arn = fields.String(Field::kResourceArn)) {
    facts->resource_arn = std::string(*arn);
  }
  if (fields.Has(Field::kAws)) {
    const simdjson::dom::element aws = fields.Get(Field::kAws);
    facts->instance_id = StringCopyAt(aws, {"ec2", "instance_id"});
    facts->availability_zone = StringCopyAt(aws, {"ec2", "availability_zone"});
  }
}

std::string InferredServiceName(const EntityFields& fields, std::string_view name, bool aws) {
  if (!aws || !fields.Has(Field::kAws)) {
    return std::string(name);
  }
  const simdjson::dom::element object = fields.Get(Field::kAws);
  if (const auto table = StringAt(object, {"table_name"})) {
    return std::string(*table);
  }
  if (const auto queue_url = StringAt(object, {"queue_url"})) {
    const std::size_t slash = queue_url->find_last_of('/');
    return std::string(slash == std::string_view::npos ? *queue_url : queue_url->substr(slash + 1));
  }
  simdjson::dom::array names;
  std::string_view first;
  if (const auto list = At(object, {"resource_names"});
      list && list->get(names) == simdjson::SUCCESS && names.size() > 0 &&
      names.at(0).get(first) == simdjson::SUCCESS) {
    return std::string(first);
  }
  return std::string(name);
}

}  // namespace xrayd::proto::internal
