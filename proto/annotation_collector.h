#pragma once
// Internal to proto/ (includes simdjson): turns one "annotations" value into Document::annotations
// and Document::unindexed_annotations (docs/segment-document.md#annotations). Never rejects.

#include <simdjson.h>

#include <string_view>

#include "proto/document.h"

namespace xrayd::proto::internal {

// Appends the indexable annotations of `annotations` to doc->annotations, in document order, and
// counts the others. A value that is not an object counts as one unindexed annotation.
// REQUIRES: doc != nullptr.
void CollectAnnotations(simdjson::dom::element annotations, Document* doc);

}  // namespace xrayd::proto::internal
