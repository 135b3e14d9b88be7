#include "proto/entity_decoder.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "proto/annotation_collector.h"
#include "proto/entity_fields.h"
#include "proto/ids.h"
#include "proto/name_rules.h"
#include "proto/summary_facts.h"
#include "proto/text.h"
#include "proto/utf8.h"

namespace xrayd::proto::internal {
namespace {

// How much of an offending value a rejection detail quotes.
constexpr std::size_t kMaxQuotedChars = 64;

tl::unexpected<Rejection> Reject(RejectReason reason, std::string detail) {
  return tl::unexpected<Rejection>(Rejection{reason, std::move(detail)});
}

// "name: missing", "name: not a string" or "name: 'bad value' <problem>" for a rejection detail.
std::string Describe(std::string_view field, const EntityFields& fields, Field which,
                     std::string_view problem) {
  std::string out(field);
  if (!fields.Has(which)) {
    return out + ": missing";
  }
  const auto text = fields.String(which);
  if (!text) {
    return out + ": not a string";
  }
  out += ": '";
  out += TruncateUtf8(*text, kMaxQuotedChars);
  out += "' ";
  out += problem;
  return out;
}

std::optional<double> FiniteNumber(const EntityFields& fields, Field which) {
  double value = 0;
  if (!fields.Has(which) || fields.Get(which).get(value) != simdjson::SUCCESS ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// The rules every (sub)segment shares (docs/segment-document.md#segment-fields,
// docs/segment-document.md#subsegments): id, name, start_time and exactly one of end_time or
// in_progress:true.
struct Common {
  std::string_view id;
  std::string_view name;
  double start_time = 0;
  std::optional<double> end_time;
  bool in_progress = false;
};

tl::expected<Common, Rejection> CheckCommon(const EntityFields& fields) {
  Common common;
  const auto id = fields.String(Field::kId);
  if (!id || !IsValidId(*id)) {
    return Reject(RejectReason::kInvalidId,
                  Describe("id", fields, Field::kId, "is not 16 hex digits"));
  }
  common.id = *id;
  const auto name = fields.String(Field::kName);
  if (!name || !IsValidName(*name)) {
    return Reject(RejectReason::kInvalidName,
                  Describe("name", fields, Field::kName,
                           "must be 1-200 letters, numbers, spaces or _.:/%&#=+\\-@"));
  }
  common.name = *name;
  const auto start_time = FiniteNumber(fields, Field::kStartTime);
  if (!start_time) {
    return Reject(RejectReason::kInvalidStartTime, fields.Has(Field::kStartTime)
                                                       ? "start_time: not a finite number"
                                                       : "start_time: missing");
  }
  common.start_time = *start_time;
  if (fields.Has(Field::kInProgress) &&
      fields.Get(Field::kInProgress).get(common.in_progress) != simdjson::SUCCESS) {
    return Reject(RejectReason::kInvalidField, "in_progress: not a boolean");
  }
  if (fields.Has(Field::kEndTime)) {
    common.end_time = FiniteNumber(fields, Field::kEndTime);
    if (!common.end_time) {
      return Reject(RejectReason::kInvalidEndTime, "end_time: not a finite number");
    }
    if (common.in_progress) {
      return Reject(RejectReason::kInvalidEndTime, "both end_time and in_progress:true");
    }
  } else if (!common.in_progress) {
    return Reject(RejectReason::kInvalidEndTime, "neither end_time nor in_progress:true");
  }
  return common;
}

// Optional "type": absent, or exactly "subsegment". Returns whether it said "subsegment".
tl::expected<bool, Rejection> CheckType(const EntityFields& fields) {
  if (!fields.Has(Field::kType)) {
    return false;
  }
  const auto type = fields.String(Field::kType);
  if (!type || *type != "subsegment") {
    return Reject(RejectReason::kInvalidType,
                  Describe("type", fields, Field::kType, "is not \"subsegment\""));
  }
  return true;
}

// docs/segment-document.md#errors-faults-and-causes: "cause" is an exception id (string) or an
// object. Its contents are not validated.
tl::expected<void, Rejection> CheckCause(const EntityFields& fields) {
  if (!fields.Has(Field::kCause)) {
    return {};
  }
  const auto type = fields.Get(Field::kCause).type();
  if (type != simdjson::dom::element_type::STRING && type != simdjson::dom::element_type::OBJECT) {
    return Reject(RejectReason::kInvalidField, "cause: neither a string nor an object");
  }
  return {};
}

bool Flag(const EntityFields& fields, Field which) {
  bool value = false;
  return fields.Has(which) && fields.Get(which).get(value) == simdjson::SUCCESS && value;
}

// The status flags of the document's own top level
// (docs/segment-document.md#errors-faults-and-causes).
void ExtractTopLevelFlags(const EntityFields& fields, Document* doc) {
  doc->error = Flag(fields, Field::kError);
  doc->fault = Flag(fields, Field::kFault);
  doc->throttle = Flag(fields, Field::kThrottle);
}

tl::expected<void, Rejection> WalkSubsegments(simdjson::dom::element subsegments, int depth,
                                              Document* doc);

// Records an id in Document::summary_facts, or drops the facts when the id is not written in lower
// case (the trace model matches ids by their text).
void NoteId(std::string_view id, std::uint64_t* into, Document* doc) {
  const std::optional<std::uint64_t> value = LowerHexIdValue(id);
  if (!value) {
    doc->summary_facts.reset();
    return;
  }
  *into = *value;
}

// What an aws/remote (sub)segment adds to Document::summary_facts: a call to the service the trace
// model infers for it.
void NoteRemoteCall(const EntityFields& fields, const Common& common, std::uint64_t id,
                    SummaryFacts* facts) {
  const auto ns = fields.String(Field::kNamespace);
  if (ns && (*ns == "aws" || *ns == "remote")) {
    facts->remote_calls.push_back(
        RemoteCall{id, InferredServiceName(fields, common.name, *ns == "aws")});
  }
}

void NoteEmbeddedFacts(const EntityFields& fields, const Common& common, Document* doc) {
  std::uint64_t id = 0;
  NoteId(common.id, &id, doc);
  if (doc->summary_facts) {
    doc->summary_facts->embedded_ids.push_back(id);
    NoteRemoteCall(fields, common, id, &*doc->summary_facts);
  }
}

// Annotations, cause and children: what top-level and embedded entities share after CheckCommon.
tl::expected<void, Rejection> WalkBody(const EntityFields& fields, int depth, Document* doc) {
  if (auto cause = CheckCause(fields); !cause) {
    return cause;
  }
  if (fields.Has(Field::kAnnotations)) {
    CollectAnnotations(fields.Get(Field::kAnnotations), doc);
  }
  if (fields.Has(Field::kSubsegments)) {
    return WalkSubsegments(fields.Get(Field::kSubsegments), depth + 1, doc);
  }
  return {};
}

tl::expected<void, Rejection> WalkEmbedded(simdjson::dom::element element, int depth,
                                           Document* doc) {
  simdjson::dom::object object;
  if (element.get(object) != simdjson::SUCCESS) {
    return Reject(RejectReason::kInvalidField, "not an object");
  }
  const EntityFields fields(object);
  if (auto type = CheckType(fields); !type) {
    return tl::unexpected<Rejection>(std::move(type.error()));
  }
  auto common = CheckCommon(fields);
  if (!common) {
    return tl::unexpected<Rejection>(std::move(common.error()));
  }
  ++doc->embedded_subsegments;
  doc->in_progress = doc->in_progress || common->in_progress;
  if (doc->summary_facts) {
    NoteEmbeddedFacts(fields, *common, doc);
  }
  return WalkBody(fields, depth, doc);
}

// `depth` is the nesting level of the elements of `subsegments`: 1 for a segment's own children.
tl::expected<void, Rejection> WalkSubsegments(simdjson::dom::element subsegments, int depth,
                                              Document* doc) {
  simdjson::dom::array array;
  if (subsegments.get(array) != simdjson::SUCCESS) {
    return Reject(RejectReason::kInvalidField, "subsegments: not an array");
  }
  std::size_t index = 0;
  for (const simdjson::dom::element element : array) {
    if (depth > kMaxSubsegmentDepth) {
      return Reject(RejectReason::kTooDeep, "subsegments nested deeper than " +
                                                std::to_string(kMaxSubsegmentDepth) + " levels");
    }
    if (auto walked = WalkEmbedded(element, depth, doc); !walked) {
      // Build the path on the way out only: the success path never formats strings.
      walked.error().detail = "subsegments[" + std::to_string(index) + "]." + walked.error().detail;
      return walked;
    }
    ++index;
  }
  return {};
}

}  // namespace

tl::expected<Document, Rejection> DecodeEntity(simdjson::dom::object object, bool array_element) {
  const EntityFields fields(object);
  const auto is_subsegment = CheckType(fields);
  if (!is_subsegment) {
    return tl::unexpected<Rejection>(is_subsegment.error());
  }
  if (array_element && !*is_subsegment) {
    return Reject(RejectReason::kInvalidType,
                  "type: array elements must be independent subsegments (\"type\":\"subsegment\")");
  }
  const auto trace_id = fields.String(Field::kTraceId);
  if (!trace_id || !IsValidTraceId(*trace_id)) {
    return Reject(RejectReason::kInvalidTraceId,
                  Describe("trace_id", fields, Field::kTraceId, "is not 1-<8 hex>-<24 hex>"));
  }
  auto common = CheckCommon(fields);
  if (!common) {
    return tl::unexpected<Rejection>(std::move(common.error()));
  }
  const auto parent_id = fields.String(Field::kParentId);
  const bool parent_required = *is_subsegment;
  if ((fields.Has(Field::kParentId) || parent_required) && !(parent_id && IsValidId(*parent_id))) {
    return Reject(RejectReason::kInvalidParentId,
                  Describe("parent_id", fields, Field::kParentId, "is not 16 hex digits"));
  }

  Document doc;
  doc.kind = *is_subsegment ? DocumentKind::kSubsegment : DocumentKind::kSegment;
  doc.trace_id = LowerHex(*trace_id);
  doc.id = LowerHex(common->id);
  if (parent_id) {
    doc.parent_id = LowerHex(*parent_id);
  }
  doc.name = std::string(common->name);
  doc.start_time = common->start_time;
  doc.end_time = common->end_time;
  doc.in_progress = common->in_progress;
  ExtractTopLevelFlags(fields, &doc);
  doc.summary_facts.emplace();
  NoteId(common->id, &doc.summary_facts->id, &doc);
  if (parent_id && doc.summary_facts) {
    NoteId(*parent_id, &doc.summary_facts->parent_id, &doc);
  }
  if (doc.summary_facts) {
    if (*is_subsegment) {
      NoteRemoteCall(fields, *common, doc.summary_facts->id, &*doc.summary_facts);
    } else {
      ReadSegmentFacts(fields, &*doc.summary_facts);
    }
  }
  if (auto walked = WalkBody(fields, 0, &doc); !walked) {
    return tl::unexpected<Rejection>(std::move(walked.error()));
  }
  return doc;
}

}  // namespace xrayd::proto::internal
