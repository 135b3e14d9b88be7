#pragma once
// Typed reads of (sub)segment JSON fields for the trace model (query/trace_model.h). Every reader
// checks types first, so none throws on document content. Pure, thread-safe.

#include <initializer_list>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "query/trace_model.h"

namespace xrayd::query::internal {

// The string at `path` (nested object keys), or null if any step is missing or not the right type.
// The pointer is valid while `node` is.
[[nodiscard]] const std::string* StringAt(const nlohmann::ordered_json& node,
                                          std::initializer_list<const char*> path);
[[nodiscard]] std::optional<double> NumberAt(const nlohmann::ordered_json& node,
                                             std::initializer_list<const char*> path);
// True iff the value at `path` is the boolean true.
[[nodiscard]] bool TrueAt(const nlohmann::ordered_json& node,
                          std::initializer_list<const char*> path);

// http.request.{url,method,user_agent,client_ip} and integral http.response.status.
[[nodiscard]] HttpFields ReadHttp(const nlohmann::ordered_json& entity);

// docs/segment-document.md#errors-faults-and-causes derived status from the entity's own
// error/fault/throttle flags and http status.
[[nodiscard]] DerivedStatus DeriveStatus(const nlohmann::ordered_json& entity);
[[nodiscard]] DerivedStatus DeriveStatus(bool error, bool fault, bool throttle,
                                         std::optional<int> http_status);

}  // namespace xrayd::query::internal
