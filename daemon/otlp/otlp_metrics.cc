#include "daemon/otlp/otlp_metrics.h"

#include <utility>

namespace xrayd::daemon::otlp {

namespace {

constexpr const char* kRefusalNames[kRequestRefusalCount] = {
    "unsupported_media_type", "bad_gzip", "too_large", "bad_protobuf", "bad_json", "queue_full"};

using Transports = std::array<std::pair<const char*, const OtlpMetrics*>, 2>;

void Header(std::string& out, const char* name, const char* help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" counter\n");
}

// One sample: name{transport="...",extra} value.
void Sample(std::string& out, const char* name, const char* transport, const std::string& extra,
            std::uint64_t value) {
  out.append(name).append("{transport=\"").append(transport).append("\"");
  if (!extra.empty()) {
    out.append(",").append(extra);
  }
  out.append("} ").append(std::to_string(value)).append("\n");
}

// A counter with one sample per transport, read by `field`.
template <typename Field>
void Counter(std::string& out, const Transports& transports, const char* name, const char* help,
             Field field) {
  Header(out, name, help);
  for (const auto& [transport, metrics] : transports) {
    Sample(out, name, transport, "", field(*metrics).load());
  }
}

}  // namespace

std::string RenderOtlpMetrics(const OtlpMetrics& http, const OtlpMetrics& grpc) {
  const Transports transports{{{"http", &http}, {"grpc", &grpc}}};
  std::string out;
  Counter(
      out, transports, "xrayd_otlp_requests_total", "OTLP export requests received.",
      [](const OtlpMetrics& m) -> const auto& { return m.requests; });
  Counter(
      out, transports, "xrayd_otlp_spans_received_total", "Spans in decoded OTLP requests.",
      [](const OtlpMetrics& m) -> const auto& { return m.spans_received; });
  Counter(
      out, transports, "xrayd_otlp_spans_accepted_total", "OTLP spans stored as segment documents.",
      [](const OtlpMetrics& m) -> const auto& { return m.spans_accepted; });
  const char* rejected = "xrayd_otlp_spans_rejected_total";
  Header(out, rejected, "OTLP spans rejected (partial success).");
  for (const auto& [transport, metrics] : transports) {
    Sample(out, rejected, transport, "reason=\"invalid_span\"", metrics->spans_invalid.load());
    Sample(out, rejected, transport, "reason=\"invalid_document\"", metrics->spans_refused.load());
  }
  const char* refused = "xrayd_otlp_requests_refused_total";
  Header(out, refused, "OTLP requests refused whole, by reason.");
  for (const auto& [transport, metrics] : transports) {
    for (std::size_t i = 0; i < kRequestRefusalCount; ++i) {
      Sample(out, refused, transport, std::string("reason=\"") + kRefusalNames[i] + "\"",
             metrics->refused[i].load());
    }
  }
  return out;
}

}  // namespace xrayd::daemon::otlp
