#pragma once
// Read-only view of an OTLP attribute list (span, resource or event attributes) by key, with the
// conversions the span mapping needs, and a record of which keys a mapping rule consumed (those
// are not repeated in metadata). The view points into the message: valid only while it lives.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "opentelemetry/proto/common/v1/common.pb.h"

namespace xrayd::daemon::otlp {

using AttributeList =
    google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;
using AnyValue = opentelemetry::proto::common::v1::AnyValue;

class Attributes {
 public:
  // Later duplicates of a key win, as in the OTLP data model. `list` must outlive the view.
  explicit Attributes(const AttributeList& list);

  // The value of `key`, or null. Does not mark the key consumed.
  const AnyValue* Find(std::string_view key) const;
  // The value of `key` as text (strings as is, numbers and booleans printed), marking it consumed;
  // nullopt when absent or an array, list or bytes.
  std::optional<std::string> Text(std::string_view key);
  // The first of `keys` present as Text (each present key found is consumed).
  std::optional<std::string> FirstText(std::initializer_list<std::string_view> keys);
  // The value of `key` as an integer (int, whole double, or decimal string), marking it consumed.
  std::optional<std::int64_t> Integer(std::string_view key);
  // Marks `key` consumed without reading it.
  void Consume(std::string_view key) { consumed_.insert(std::string(key)); }
  bool Consumed(const std::string& key) const { return consumed_.count(key) > 0; }

  const std::map<std::string, const AnyValue*, std::less<>>& All() const { return by_key_; }

 private:
  std::map<std::string, const AnyValue*, std::less<>> by_key_;
  std::set<std::string, std::less<>> consumed_;
};

// AnyValue as JSON: strings, booleans, integers, doubles (non-finite as strings), arrays and
// key-value lists recursively, bytes as base64. An unset value is null.
nlohmann::json ToJson(const AnyValue& value);

// Lower-case hex of `bytes`.
std::string Hex(std::string_view bytes);

}  // namespace xrayd::daemon::otlp
