#include "storage/frame_encoder.h"

#include <zstd.h>

#include "storage/document_codec.h"
#include "storage/document_frame.h"

namespace xrayd::storage {

struct FrameEncoder::Dictionary {
  explicit Dictionary(std::string_view content)
      : cdict(ZSTD_createCDict(content.data(), content.size(), internal::kCompressionLevel)) {}
  ~Dictionary() { ZSTD_freeCDict(cdict); }
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;

  ZSTD_CDict* cdict;  // Null when out of memory: documents are then compressed without.
};

FrameEncoder::FrameEncoder() = default;
FrameEncoder::~FrameEncoder() = default;

std::string FrameEncoder::Encode(std::string_view json, const RowFields* fields) const {
  const std::shared_ptr<const Dictionary> dictionary = dictionary_.load(std::memory_order_acquire);
  if (dictionary == nullptr || dictionary->cdict == nullptr) {
    return EncodeDocument(json, fields);
  }
  return internal::EncodeFrame(json, internal::ThreadCompressor(), dictionary->cdict, fields);
}

void FrameEncoder::EncodeAndRelease(proto::Document& doc) const {
  const bool release = HasDictionary();
  const Result<DocumentKey> key = ParseDocumentKey(doc);
  const std::optional<RowFields> fields =
      key ? std::optional<RowFields>(RowFieldsOf(*key, doc)) : std::nullopt;
  doc.stored_raw = Encode(doc.raw, fields ? &*fields : nullptr);
  if (release && !doc.raw.empty()) {
    doc.released_raw_size = doc.raw.size();
    std::string().swap(doc.raw);
  }
}

void FrameEncoder::Publish(std::string_view content) {
  dictionary_.store(std::make_shared<const Dictionary>(content), std::memory_order_release);
}

bool FrameEncoder::HasDictionary() const {
  return dictionary_.load(std::memory_order_acquire) != nullptr;
}

}  // namespace xrayd::storage
