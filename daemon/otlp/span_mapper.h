#pragma once
// Span -> X-Ray segment document, following the rules of the OpenTelemetry Collector's awsxray
// exporter (docs/otlp-mapping.md lists every rule). Pure: no I/O, no logging, thread-safe (no
// shared state). The result is segment document JSON text that the ingest path then decodes and
// validates like any document received over UDP.

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "daemon/otlp/attributes.h"

#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace xrayd::daemon::otlp {

using Span = opentelemetry::proto::trace::v1::Span;
using Resource = opentelemetry::proto::resource::v1::Resource;

struct MappingOptions {
  // Attribute keys (span or resource, as written by the sender) that become annotations
  // (--otlp-index-attribute).
  std::set<std::string, std::less<>> indexed_attributes;
  bool index_all = false;  // --otlp-index-all: every attribute with a scalar value.
};

// The segment documents for `span` (of a ResourceSpans whose resource is `resource`), as minified
// JSON: one, or two for a local root that calls out (aws.span.kind = LOCAL_ROOT on a CLIENT,
// PRODUCER or CONSUMER span): the dependency subsegment first, then the service segment that is
// its parent (docs/otlp-mapping.md, rule "local root"). Fails with a message (for
// partialSuccess.errorMessage) when the span cannot be a document: a trace id that is not 16 bytes
// or is all zero, a span id that is not 8 bytes or is all zero, a parent span id of another
// length, no start time.
tl::expected<std::vector<std::string>, std::string> MapSpanDocuments(const Span& span,
                                                                     const Resource& resource,
                                                                     const MappingOptions& options);

// The one segment document for `span`, without the local-root split (see MapSpanDocuments; same
// failures). A LOCAL_ROOT span of another kind is a segment even when it has a parent.
tl::expected<std::string, std::string> MapSpan(const Span& span, const Resource& resource,
                                               const MappingOptions& options);

// Whether MapSpanDocuments splits `span` in two: aws.span.kind = LOCAL_ROOT on a CLIENT, PRODUCER
// or CONSUMER span.
bool IsLocalRootDependency(const Span& span);

// `1-xxxxxxxx-yyyyyyyyyyyyyyyyyyyyyyyy` for the 16 bytes of an OTLP trace id (no epoch check:
// W3C random ids are kept as they are). REQUIRES: bytes.size() == 16.
std::string XrayTraceId(std::string_view bytes);

// A segment name from `text`: characters X-Ray does not allow dropped, at most 200 bytes (cut on a
// character boundary), "span" when nothing is left.
std::string CleanName(std::string_view text);

// An annotation key from an attribute key: every character outside [A-Za-z0-9_] becomes '_'.
std::string AnnotationKey(std::string_view key);

// Parts of MapSpan, in their own files, exposed for the tests.
// What a span becomes: decided by kind, parent and aws.span.kind (kBySpan), or forced by the
// local-root split.
enum class DocumentRole { kBySpan, kSegment, kSubsegment };
// The document of MapSpan as a JSON object, in the role `role`.
tl::expected<nlohmann::json, std::string> MapSpanJson(const Span& span, const Resource& resource,
                                                      const MappingOptions& options,
                                                      DocumentRole role);
// A document as minified JSON text (invalid UTF-8 replaced).
std::string Dump(const nlohmann::json& doc);
// The segment document's `links` from the span's links: [{trace_id (X-Ray form), id, attributes}]
// (attributes only when there are some; values as metadata values are). A link whose trace id is
// not 16 bytes or whose span id is not 8 bytes (or either is all zero) is left out. An empty array
// when nothing is left.
nlohmann::json MapLinks(const Span& span);
// cause.exceptions from `exception` events, or from span status ERROR with a message; null when
// there is none. `language` is telemetry.sdk.language (stack trace format). `remote` marks the
// exceptions as coming from the called service (CLIENT and PRODUCER spans).
nlohmann::json MapCause(const Span& span, std::string_view language, bool remote);
// Stack frames ({label, path, line}) parsed from an exception.stacktrace in the format of
// `language` (java, python, nodejs/javascript; anything else: an empty array).
nlohmann::json ParseStack(std::string_view stacktrace, std::string_view language);
// The `aws` object and `origin` from resource attributes (cloud.*, host.*, container.*, k8s.*,
// aws.ecs.*, aws.log.group.*, telemetry.sdk.*) and span attributes (aws.operation / rpc.method,
// aws.account_id, aws.region, aws.request_id, aws.queue_url, aws.table_name). Resource keys are
// only read when cloud.provider is aws; consumed keys are marked on both views.
struct AwsContext {
  nlohmann::json aws = nlohmann::json::object();  // Empty object: nothing to say.
  std::string origin;                             // Empty: none.
};
AwsContext MapAws(Attributes& resource, Attributes& span, bool is_segment);

}  // namespace xrayd::daemon::otlp
