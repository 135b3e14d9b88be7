#pragma once
// The typed model of one validated X-Ray segment document (docs/segment-document.md), as the ingest
// path needs it. Plain values: safe to move across threads. The raw JSON is kept verbatim for
// storage and forwarding; the other fields are what storage indexes and what trace assembly needs.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xrayd::proto {

// 64 KiB: the X-Ray segment document limit (docs/segment-document.md).
inline constexpr std::size_t kMaxDocumentSize = 65536;
// Largest UDP payload over IPv4; the receive buffer is at least this big.
inline constexpr std::size_t kMaxDatagramSize = 65507;
// Embedded subsegment nesting limit; deeper documents are rejected (kTooDeep).
inline constexpr int kMaxSubsegmentDepth = 64;

enum class DocumentKind : std::uint8_t {
  kSegment = 0,     // A segment (no "type", or any document that is not an independent subsegment).
  kSubsegment = 1,  // An independent subsegment: "type":"subsegment" with trace_id and parent_id.
};

struct AnnotationValue {
  enum class Type : std::uint8_t { kString = 0, kNumber = 1, kBool = 2 };
  Type type = Type::kString;
  std::string string_value;  // Set when type == kString.
  double number_value = 0;   // Set when type == kNumber.
  bool bool_value = false;   // Set when type == kBool.

  friend bool operator==(const AnnotationValue&, const AnnotationValue&) = default;
};

// One annotation found anywhere in the document (its own "annotations" or an embedded
// subsegment's). Only annotations that can be indexed are listed: keys matching
// ^[A-Za-z0-9_]{1,500}$ and values that are strings (<= 1000 chars), finite numbers or booleans.
// Others stay in `raw` only and are counted in Document::unindexed_annotations
// (docs/segment-document.md#annotations: never a reason to reject).
struct Annotation {
  std::string key;
  AnnotationValue value;

  friend bool operator==(const Annotation&, const Annotation&) = default;
};

// An embedded (or independent) subsegment of namespace "aws" or "remote": a call to another
// service (docs/service-graph.md). `id` is the subsegment's id as a number; `service` the name of
// the node the trace model infers for it when no segment of the trace names it as its parent.
struct RemoteCall {
  std::uint64_t id = 0;
  std::string service;

  friend bool operator==(const RemoteCall&, const RemoteCall&) = default;
};

// What a new trace's summary needs from one of its documents, read during the ingest parse with the
// rules the query layer's trace model applies to stored documents (query/trace_summary_row.h
// combines the facts of all the trace's documents into its summary row). Strings are complete (not
// truncated); an absent member was absent or not of the right JSON type. The segment members stay
// empty for an independent subsegment.
struct SummaryFacts {
  // http.request.* strings; http.response.status when an integral number in [0, INT_MAX].
  std::optional<std::string> http_url;
  std::optional<std::string> http_method;
  std::optional<std::string> http_user_agent;
  std::optional<std::string> http_client_ip;
  std::optional<int> http_status;
  std::optional<std::string> user;
  std::optional<std::string> resource_arn;
  std::optional<std::string> instance_id;        // aws.ec2.instance_id
  std::optional<std::string> availability_zone;  // aws.ec2.availability_zone
  // The document's own id and parent_id (0: none) as numbers, and the ids of its embedded
  // subsegments (all depths), which other documents may name as their parent.
  std::uint64_t id = 0;
  std::uint64_t parent_id = 0;
  std::vector<std::uint64_t> embedded_ids;
  // The document itself (an independent subsegment) and its embedded subsegments of namespace aws
  // or remote, depth-first.
  std::vector<RemoteCall> remote_calls;

  friend bool operator==(const SummaryFacts&, const SummaryFacts&) = default;
};

struct Document {
  DocumentKind kind = DocumentKind::kSegment;
  std::string trace_id;   // Lower-cased, validated: 1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx.
  std::string id;         // Lower-cased, 16 hex.
  std::string parent_id;  // Lower-cased 16 hex, or empty when absent (root segments).
  std::string name;
  double start_time = 0;           // Epoch seconds.
  std::optional<double> end_time;  // Absent iff in_progress.
  bool in_progress = false;        // Also true if any embedded subsegment is in progress.

  // Top-level status flags and fields (segment or independent subsegment itself, not children).
  bool error = false;
  bool fault = false;
  bool throttle = false;

  std::vector<Annotation> annotations;      // Document order, depth-first.
  std::uint32_t unindexed_annotations = 0;  // Annotations kept in raw but not indexable.
  std::uint32_t embedded_subsegments = 0;   // Subsegments nested in this document, all depths.

  // Set when every id in the document (its id, parent_id and embedded subsegments' ids) is written
  // in lower case, as the trace model compares ids by their text.
  std::optional<SummaryFacts> summary_facts;

  // The document's JSON text: the body byte-for-byte minus trailing whitespace; for an element of
  // the array form, the element re-serialized minified (same JSON value, not the same bytes).
  std::string raw;

  // raw as the store keeps it (storage/document_codec.h), when a receiver made it off the storage
  // writer's thread (storage::FrameEncoder); empty: the writer makes it. Opaque outside storage/.
  std::string stored_raw;

  // Set when the receiver released `raw` (empty from then on) because `stored_raw` holds the same
  // JSON: raw's length. Storage decodes stored_raw where it needs the text (JsonSize, below).
  std::size_t released_raw_size = 0;

  friend bool operator==(const Document&, const Document&) = default;
};

// What a trace's summary reads of one document (query/trace_summary_row.h) besides its name and
// facts.
struct SummaryBasics {
  DocumentKind kind = DocumentKind::kSegment;
  bool has_parent = false;  // parent_id present.
  bool in_progress = false;
  bool error = false;
  bool fault = false;
  bool throttle = false;
  double start_time = 0;
  std::optional<double> end_time;
};

// All a trace's summary reads of one document, as values the storage writer keeps for a trace
// that may gain documents in later batches: its summary is then made again from these, without
// reading the stored documents back.
struct DocumentSummaryInput : SummaryBasics {
  std::string name;
  SummaryFacts facts;
};

// The same as a view of a Document or a DocumentSummaryInput, valid while its source is. `facts`
// is null for a Document without summary_facts.
struct SummaryInputRef : SummaryBasics {
  std::string_view name;
  const SummaryFacts* facts = nullptr;
};

// Inline: the storage writer makes one for every document it summarizes.
[[nodiscard]] inline SummaryBasics SummaryBasicsOf(const Document& doc) noexcept {
  return SummaryBasics{.kind = doc.kind,
                       .has_parent = !doc.parent_id.empty(),
                       .in_progress = doc.in_progress,
                       .error = doc.error,
                       .fault = doc.fault,
                       .throttle = doc.throttle,
                       .start_time = doc.start_time,
                       .end_time = doc.end_time};
}

[[nodiscard]] inline SummaryInputRef SummaryInputOf(const Document& doc) noexcept {
  return SummaryInputRef{SummaryBasicsOf(doc), doc.name,
                         doc.summary_facts ? &*doc.summary_facts : nullptr};
}

[[nodiscard]] inline SummaryInputRef SummaryInputOf(const DocumentSummaryInput& input) noexcept {
  return SummaryInputRef{input, input.name, &input.facts};
}
// A copy of what the summary reads of `doc`. REQUIRES: doc.summary_facts.
[[nodiscard]] DocumentSummaryInput KeepSummaryInput(const Document& doc);

// The length of the document's JSON text, whether `raw` holds it or was released.
[[nodiscard]] inline std::size_t JsonSize(const Document& doc) noexcept {
  return doc.raw.empty() ? doc.released_raw_size : doc.raw.size();
}

// The heap memory `input` holds, in bytes, approximately: the object, the heap buffers of its
// strings and vectors, and an allocator header per allocation. What bounds the summary facts the
// storage writer keeps (storage::TraceStore::kMaxKeptFactsMemory).
[[nodiscard]] std::size_t ApproximateMemory(const DocumentSummaryInput& input) noexcept;

}  // namespace xrayd::proto
