#include "proto/document_decoder.h"

#include <simdjson.h>

#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "proto/entity_decoder.h"

namespace xrayd::proto {
namespace {

tl::unexpected<Rejection> Reject(RejectReason reason, std::string detail) {
  return tl::unexpected<Rejection>(Rejection{reason, std::move(detail)});
}

bool IsJsonWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

RejectReason ReasonFor(simdjson::error_code error) {
  switch (error) {
    case simdjson::DEPTH_ERROR:
      return RejectReason::kTooDeep;
    case simdjson::CAPACITY:
      return RejectReason::kOversize;
    default:
      return RejectReason::kMalformedJson;
  }
}

}  // namespace

struct DocumentDecoder::Impl {
  simdjson::dom::parser parser{kMaxDocumentSize};
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: documents are copied here first.
  std::unique_ptr<char[]> buffer =
      std::make_unique<char[]>(kMaxDocumentSize + simdjson::SIMDJSON_PADDING);

  tl::expected<std::vector<Document>, Rejection> Decode(std::string_view body);
  static tl::expected<std::vector<Document>, Rejection> DecodeArray(simdjson::dom::array array);
};

DocumentDecoder::DocumentDecoder() : impl_(std::make_unique<Impl>()) {
  // Size the parser once so the hot path never allocates parser memory.
  if (impl_->parser.allocate(kMaxDocumentSize) != simdjson::SUCCESS) {
    throw std::bad_alloc();
  }
}

DocumentDecoder::~DocumentDecoder() = default;

tl::expected<std::vector<Document>, Rejection> DocumentDecoder::Decode(
    std::string_view body) noexcept {
  // Exception firewall: simdjson is used through error codes, but Document building allocates and
  // a library surprise must cost one document, not the process.
  try {
    return impl_->Decode(body);
  } catch (const std::bad_alloc&) {
    std::terminate();  // Out of memory ends the process (STYLE §5).
  } catch (...) {
    return Reject(RejectReason::kMalformedJson, "internal error while decoding the document");
  }
}

tl::expected<std::vector<Document>, Rejection> DocumentDecoder::Impl::Decode(
    std::string_view body) {
  // raw is the body verbatim minus trailing whitespace (the datagram's own newline, typically).
  std::size_t end = body.size();
  while (end > 0 && IsJsonWhitespace(body[end - 1])) {
    --end;
  }
  const std::string_view text = body.substr(0, end);
  if (text.empty()) {
    return Reject(RejectReason::kEmptyBody, "empty document");
  }
  if (text.size() > kMaxDocumentSize) {
    return Reject(RejectReason::kOversize,
                  "document of " + std::to_string(text.size()) + " bytes exceeds 65536");
  }
  std::memcpy(buffer.get(), text.data(), text.size());
  std::memset(buffer.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);

  simdjson::dom::element root;
  if (const auto error = parser.parse(buffer.get(), text.size(), false).get(root);
      error != simdjson::SUCCESS) {
    return Reject(ReasonFor(error), std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  simdjson::dom::object object;
  if (root.get(object) == simdjson::SUCCESS) {
    auto doc = internal::DecodeEntity(object, /*array_element=*/false);
    if (!doc) {
      return tl::unexpected<Rejection>(std::move(doc.error()));
    }
    doc->raw = std::string(text);
    std::vector<Document> docs;
    docs.push_back(std::move(*doc));
    return docs;
  }
  simdjson::dom::array array;
  if (root.get(array) == simdjson::SUCCESS) {
    return DecodeArray(array);
  }
  return Reject(RejectReason::kNotAnObject, "document is neither an object nor an array");
}

tl::expected<std::vector<Document>, Rejection> DocumentDecoder::Impl::DecodeArray(
    simdjson::dom::array array) {
  if (array.size() == 0) {
    return Reject(RejectReason::kEmptyArray, "empty array of subsegments");
  }
  std::vector<Document> docs;
  docs.reserve(array.size());
  for (const simdjson::dom::element element : array) {
    const auto where = [&docs] { return "[" + std::to_string(docs.size()) + "]"; };
    simdjson::dom::object object;
    if (element.get(object) != simdjson::SUCCESS) {
      return Reject(RejectReason::kNotAnObject, where() + ": array element is not an object");
    }
    auto doc = internal::DecodeEntity(object, /*array_element=*/true);
    if (!doc) {
      doc.error().detail = where() + "." + doc.error().detail;
      return tl::unexpected<Rejection>(std::move(doc.error()));
    }
    // The element's bytes are not kept by the DOM; its minified text is an equivalent document.
    doc->raw = simdjson::minify(element);
    docs.push_back(std::move(*doc));
  }
  return docs;
}

}  // namespace xrayd::proto
