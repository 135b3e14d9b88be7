#pragma once
// Decodes and validates segment documents (docs/segment-document.md) into proto::Document. Not
// thread-safe: one decoder per thread (it owns a reusable parser and buffers, so the hot path does
// not allocate per call beyond the Documents it returns). No I/O, no logging.

#include <memory>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "proto/document.h"
#include "proto/rejection.h"

namespace xrayd::proto {

class DocumentDecoder {
 public:
  DocumentDecoder();
  ~DocumentDecoder();
  DocumentDecoder(const DocumentDecoder&) = delete;
  DocumentDecoder& operator=(const DocumentDecoder&) = delete;

  // Decodes one document body: a segment, an independent subsegment, or a JSON array of independent
  // subsegments (one Document per element). All or nothing: if any element is invalid the whole
  // body is rejected with the first problem found. Trailing whitespace is ignored; an empty body is
  // kEmptyBody, one over kMaxDocumentSize is kOversize. Every rule and reason: proto/FORMAT.md.
  // The returned Documents own their data; `body` may die after the call.
  [[nodiscard]] tl::expected<std::vector<Document>, Rejection> Decode(
      std::string_view body) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xrayd::proto
