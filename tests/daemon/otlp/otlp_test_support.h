#pragma once
// Builders of OTLP messages for the otlp tests: spans with attributes and events, requests, gzip.

#include <cstdint>
#include <string>
#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace xrayd::daemon::otlp::testing {

using SpanProto = opentelemetry::proto::trace::v1::Span;
using RequestProto = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using KeyValues = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

// Bytes of the hex text `hex` (REQUIRES: even length, hex digits).
std::string Bytes(std::string_view hex);

void AddString(KeyValues* list, const std::string& key, const std::string& value);
void AddInt(KeyValues* list, const std::string& key, std::int64_t value);
void AddDouble(KeyValues* list, const std::string& key, double value);
void AddBool(KeyValues* list, const std::string& key, bool value);
void AddStrings(KeyValues* list, const std::string& key, std::initializer_list<std::string> values);

// A span of trace 5759e988bd862e3fe1be46a994272793 with id 53995c3f42cd8ad8, named "op",
// 1.5 s long from 2026-01-01T00:00:00Z, of `kind`, with `parent_hex` as parent (none if empty).
SpanProto MakeSpan(SpanProto::SpanKind kind, std::string_view parent_hex = "");

// One ResourceSpans with resource service.name = `service` holding `span`.
RequestProto MakeRequest(const SpanProto& span, const std::string& service = "checkout");

// `bytes` compressed as one gzip member.
std::string Gzip(std::string_view bytes);

}  // namespace xrayd::daemon::otlp::testing
