// libFuzzer target for the UDP ingest path: ParseDatagram, then DocumentDecoder::Decode on the body
// (or on the whole input when the header is refused, which is the PutTraceSegments path: bodies
// without a header line). On success it checks every Document invariant the decoder promises and
// decodes each Document::raw again, which must give the same document. The decoded documents are
// packed as the ingest queue packs them and must unpack equal, also into slots that held the last
// input's documents; the input itself, read as packed bytes, must be refused or unpacked, never
// crash.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/annotation_rules.h"
#include "proto/datagram.h"
#include "proto/document.h"
#include "proto/document_decoder.h"
#include "proto/document_pack.h"
#include "proto/ids.h"
#include "proto/name_rules.h"
#include "proto/rejection.h"

namespace {

using xrayd::proto::Document;

// Aborts (a crash libFuzzer reports) when `condition` is false.
void Check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

bool IsLowerHex(std::string_view text) {
  for (const char c : text) {
    if (c >= 'A' && c <= 'F') {
      return false;
    }
  }
  return true;
}

void CheckDocument(const Document& doc) {
  Check(xrayd::proto::IsValidTraceId(doc.trace_id) && IsLowerHex(doc.trace_id));
  Check(xrayd::proto::IsValidId(doc.id) && IsLowerHex(doc.id));
  Check(doc.parent_id.empty() ||
        (xrayd::proto::IsValidId(doc.parent_id) && IsLowerHex(doc.parent_id)));
  Check(doc.kind != xrayd::proto::DocumentKind::kSubsegment || !doc.parent_id.empty());
  Check(xrayd::proto::IsValidName(doc.name));
  Check(std::isfinite(doc.start_time));
  Check(!doc.end_time || std::isfinite(*doc.end_time));
  Check(doc.end_time || doc.in_progress);  // Embedded in_progress may set it with end_time too.
  Check(!doc.raw.empty());
  for (const auto& annotation : doc.annotations) {
    Check(xrayd::proto::IsIndexableAnnotationKey(annotation.key));
    if (annotation.value.type == xrayd::proto::AnnotationValue::Type::kNumber) {
      Check(std::isfinite(annotation.value.number_value));
    } else if (annotation.value.type == xrayd::proto::AnnotationValue::Type::kString) {
      Check(xrayd::proto::IsIndexableAnnotationString(annotation.value.string_value));
    }
  }
}

void CheckRoundTrip(xrayd::proto::DocumentDecoder& decoder, const Document& doc) {
  const auto again = decoder.Decode(doc.raw);
  if (doc.raw.size() > xrayd::proto::kMaxDocumentSize) {
    // Minifying an array element can in theory grow it (number spelling); then it is oversize.
    Check(!again && again.error().reason == xrayd::proto::RejectReason::kOversize);
    return;
  }
  Check(again.has_value() && again->size() == 1);
  const Document& copy = again->front();
  Check(copy.trace_id == doc.trace_id && copy.id == doc.id && copy.parent_id == doc.parent_id);
  Check(copy.kind == doc.kind && copy.name == doc.name && copy.in_progress == doc.in_progress);
  Check(copy.annotations == doc.annotations);
  Check(copy.unindexed_annotations == doc.unindexed_annotations);
  Check(copy.embedded_subsegments == doc.embedded_subsegments);
}

void CheckPackRoundTrip(const std::vector<Document>& decoded) {
  static std::vector<Document> slots;  // Keeps the last input's documents: reused slots.
  std::string packed;
  xrayd::proto::PackDocuments(decoded, packed);
  Check(packed.size() == xrayd::proto::PackedSize(decoded));
  slots.resize(decoded.size());
  Check(xrayd::proto::UnpackDocuments(packed, slots));
  Check(slots == decoded);
}

void DecodeAndCheck(xrayd::proto::DocumentDecoder& decoder, std::string_view body) {
  auto docs = decoder.Decode(body);
  if (!docs) {
    Check(!xrayd::proto::RejectReasonName(docs.error().reason).empty());
    return;
  }
  Check(!docs->empty());
  // Decode reuses its buffers: copy the results before decoding raw again.
  const std::vector<Document> decoded = std::move(*docs);
  for (const Document& doc : decoded) {
    CheckDocument(doc);
    CheckRoundTrip(decoder, doc);
  }
  CheckPackRoundTrip(decoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > xrayd::proto::kMaxDatagramSize) {
    return 0;  // The UDP receive buffer never holds more.
  }
  static xrayd::proto::DocumentDecoder decoder;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<Document> unpacked(size % 4);
  (void)xrayd::proto::UnpackDocuments(bytes, unpacked);
  const auto datagram = xrayd::proto::ParseDatagram(bytes);
  if (!datagram) {
    DecodeAndCheck(decoder, bytes);
    return 0;
  }
  Check(datagram->header.data() == bytes.data());
  Check(datagram->header.size() + 1 + datagram->body.size() == bytes.size());
  DecodeAndCheck(decoder, datagram->body);
  return 0;
}
