#pragma once
// FrameEncoder: makes a document's stored form (the `raw` column, storage/document_codec.h) on any
// thread, with the store's compression dictionary once the writer has one
// (storage/document_dictionaries.h). Receivers use it so that the storage writer, the ingest
// pipeline's one serial stage, does not spend its time compressing.

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "proto/document.h"
#include "storage/document_ids.h"

namespace xrayd::storage {

class FrameEncoder {
 public:
  FrameEncoder();
  ~FrameEncoder();
  FrameEncoder(const FrameEncoder&) = delete;
  FrameEncoder& operator=(const FrameEncoder&) = delete;

  // The stored form of `json` (row values `fields`, null: none known): a frame made with the
  // published dictionary, or EncodeDocument(json, fields) before one is published. Thread-safe.
  [[nodiscard]] std::string Encode(std::string_view json, const RowFields* fields) const;

  // Sets doc.stored_raw to Encode(doc.raw) with the document's row values (none when its ids do
  // not parse: the store rejects it then). Once a dictionary is published (the store takes no
  // more training samples, which need the text) it also releases doc.raw, keeping its length in
  // doc.released_raw_size, so that a queued document holds only its compressed form; the store
  // decodes stored_raw where it needs the text. Thread-safe.
  void EncodeAndRelease(proto::Document& doc) const;

  // Makes `content`, a dictionary already committed to the store, the one Encode uses from now on:
  // a frame never names a dictionary that readers cannot find. Called by the writer.
  void Publish(std::string_view content);

  [[nodiscard]] bool HasDictionary() const;

 private:
  struct Dictionary;
  std::atomic<std::shared_ptr<const Dictionary>> dictionary_;
};

}  // namespace xrayd::storage
