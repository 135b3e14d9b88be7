#pragma once
// Compression dictionaries of one store (schema.h, "Dictionaries"). Segment documents are small
// and alike (the same keys, services and names over and over): a zstd dictionary trained on the
// store's first documents makes their frames several times smaller and faster to produce than
// frames made without one. The writer trains the store's first dictionary from the first
// kDictionarySamples documents it stores and compresses every later document with it; every
// connection that reads a frame naming a dictionary loads that dictionary from the store once.
//
// Retraining: the documents a store receives change (a new service, OpenTelemetry spans next to
// SDK segments), and a dictionary trained on other documents compresses them less. The writer
// measures the bytes stored per byte of JSON over every kRetrainWindowDocuments documents; the
// first window after a dictionary is published is its baseline. A window kRetrainRatioGrowth times
// the baseline or more makes the writer take kDictionarySamples new samples (decoding the frames
// receivers made) and train a candidate on five sixths of them. The candidate is kept (stored, then
// used for every later document) only when it compresses the held-out sixth at least
// kRetrainMinGain smaller than the current dictionary; otherwise the worse window becomes the
// baseline, so that documents that are merely less compressible do not retrain again and again.
// Frames name their dictionary, so documents stored with earlier ones read as before; a store keeps
// at most kMaxDictionaries (16 KiB each) and stops retraining there.
// One instance per connection, used by the connection's thread only.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proto/document.h"
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
inline constexpr std::size_t kRetrainWindowDocuments = 10000;
inline constexpr double kRetrainRatioGrowth = 1.25;
inline constexpr double kRetrainMinGain = 0.10;
inline constexpr std::int64_t kMaxDictionaries = 64;

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

  // Writer side. The stored form of `doc`, whose `stored_raw` another thread may have made with
  // SharedEncoder() (empty: it did not): returns `doc.stored_raw`, or encodes `doc.raw` into
  // `scratch` and returns that, also when `doc.stored_raw` was made before this store's dictionary
  // existed. `doc.raw` is empty when the other thread released the text
  // (FrameEncoder::EncodeAndRelease). Keeps training samples and measures the stored size for
  // retraining (see above).
  [[nodiscard]] std::string_view Encode(const proto::Document& doc, std::string& scratch,
                                        const RowFields* fields);

  // Writer side. What Encode compresses with, for other threads to make stored forms with: it
  // follows the store's dictionary as it is loaded or trained.
  [[nodiscard]] std::shared_ptr<const FrameEncoder> SharedEncoder();

  // Writer side, outside any transaction: once enough samples are kept, trains the
  // store's dictionary (or a candidate to replace it, see above), stores it in a transaction of
  // its own and compresses with it from then on. A first training that fails (too few distinct
  // samples) starts gathering again; after three failures the store stays without a dictionary.
  // kIOError/kResourceExhausted when it cannot be stored: a first dictionary's samples are kept
  // and the next call tries again; a retrained one is given up (a later window may start again).
  [[nodiscard]] Status TrainWhenReady();

  // True once Encode uses a dictionary.
  [[nodiscard]] bool HasWritingDictionary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xrayd::storage
