#pragma once
// Internal to proto/ (includes simdjson): validates one top-level (sub)segment object and its
// embedded subsegments (docs/segment-document.md,
// docs/segment-document.md#in-progress-documents-and-duplicates) and extracts the Document fields.
// Stateless.

#include <simdjson.h>

#include <tl/expected.hpp>

#include "proto/document.h"
#include "proto/rejection.h"

namespace xrayd::proto::internal {

// Decodes a segment or independent subsegment. `array_element`: the object came from the
// array-of-subsegments form, so it must carry "type":"subsegment". Fills every Document field
// except `raw`, which the caller owns. Returns the first problem found, depth-first, in document
// order.
tl::expected<Document, Rejection> DecodeEntity(simdjson::dom::object object, bool array_element);

}  // namespace xrayd::proto::internal
