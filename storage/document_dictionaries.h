#pragma once
// Compression dictionaries of one store (schema.h, "Dictionaries"). Segment documents are small
// and alike (the same keys, services and names over and over): a zstd dictionary trained on the
// store's first documents makes their frames several times smaller and faster to produce than
// frames made without one. The writer trains one dictionary per store from the first
// kDictionarySamples documents it stores and compresses every later document with it; every
// connection that reads a frame naming a dictionary loads that dictionary from the store once.
// One instance per connection, used by the connection's thread only.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proto/result.h"
#include "storage/database.h"
#include "storage/frame_encoder.h"

namespace xrayd::storage {

// Training takes the first this-many documents (about 1 MiB of typical segments, ~80 ms once), or
// fewer when their samples reach kDictionarySampleBytes: each sample is the first
// kDictionarySampleMaxBytes of a document, so large documents never hold much memory.
inline constexpr std::size_t kDictionarySamples = 1000;
inline constexpr std::size_t kDictionarySampleMaxBytes = 2048;
inline constexpr std::size_t kDictionarySampleBytes = 1u << 20;
inline constexpr std::size_t kDictionaryBytes = 16384;

class DocumentDictionaries {
 public:
  // `db` must outlive this object.
  explicit DocumentDictionaries(Database& db);
  ~DocumentDictionaries();
  DocumentDictionaries(const DocumentDictionaries&) = delete;
  DocumentDictionaries& operator=(const DocumentDictionaries&) = delete;

  // The JSON of a stored blob, as DecodeDocument (storage/document_codec.h) but also for frames
  // made with one of the store's dictionaries. `fields`: the row values the document was stored
  // with (an elided frame needs them). kMalformed when a frame does not decode or names a
  // dictionary the store does not have; kIOError when the dictionary cannot be read.
  [[nodiscard]] Result<std::string> Decode(std::string_view blob, const RowFields* fields);

  // Writer side. The stored form of `json` (row values `fields`, null: none known): compressed
  // with the store's dictionary once there is one (loaded from the store on the first call), else
  // as EncodeDocument. Until then `json` is also kept as a training sample.
  [[nodiscard]] std::string Encode(std::string_view json, const RowFields* fields);

  // Writer side. As Encode, for a document whose stored form `encoded` another thread may have made
  // with SharedEncoder() (empty: it did not): keeps the training sample and returns `encoded`, or
  // encodes `json` into `scratch` and returns that, also when `encoded` was made before this
  // store's dictionary existed. `json` is empty when the other thread released the text
  // (FrameEncoder::EncodeAndRelease); no sample is kept then.
  [[nodiscard]] std::string_view Encode(std::string_view json, std::string_view encoded,
                                        std::string& scratch, const RowFields* fields);

  // Writer side. What Encode compresses with, for other threads to make stored forms with: it
  // follows the store's dictionary as it is loaded or trained.
  [[nodiscard]] std::shared_ptr<const FrameEncoder> SharedEncoder();

  // Writer side, outside any transaction: once enough samples are kept, trains the
  // store's dictionary, stores it in a transaction of its own and compresses with it from then on.
  // A training that fails (too few distinct samples) starts gathering again; after three failures
  // the store stays without a dictionary. kIOError/kResourceExhausted when it cannot be stored: the
  // samples are kept and the next call tries again.
  [[nodiscard]] Status TrainWhenReady();

  // True once Encode uses a dictionary.
  [[nodiscard]] bool HasWritingDictionary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xrayd::storage
