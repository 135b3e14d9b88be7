// Rule "links" of docs/otlp-mapping.md: OTLP span links -> the segment document's `links`.
#include <algorithm>

#include "daemon/otlp/span_mapper.h"

namespace xrayd::daemon::otlp {

nlohmann::json MapLinks(const Span& span) {
  nlohmann::json links = nlohmann::json::array();
  const auto all_zero = [](const std::string& bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
  };
  for (const auto& link : span.links()) {
    if (link.trace_id().size() != 16 || all_zero(link.trace_id()) || link.span_id().size() != 8 ||
        all_zero(link.span_id())) {
      continue;
    }
    nlohmann::json out = {{"trace_id", XrayTraceId(link.trace_id())}, {"id", Hex(link.span_id())}};
    if (link.attributes_size() > 0) {
      nlohmann::json attributes = nlohmann::json::object();
      const Attributes view(link.attributes());
      for (const auto& [key, value] : view.All()) {
        attributes[key] = ToJson(*value);
      }
      out["attributes"] = std::move(attributes);
    }
    links.push_back(std::move(out));
  }
  return links;
}

}  // namespace xrayd::daemon::otlp
