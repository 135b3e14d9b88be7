#include "storage/document_dictionaries.h"

#include <zdict.h>
#include <zstd.h>

#include <chrono>
#include <map>
#include <vector>

#include "storage/document_codec.h"
#include "storage/document_frame.h"
#include "storage/frame_encoder.h"

namespace xrayd::storage {
namespace {

constexpr int kMaxTrainingFailures = 3;

constexpr std::string_view kSelectNewest =
    "SELECT dict_id, content FROM zstd_dictionaries ORDER BY created_at DESC LIMIT 1";
constexpr std::string_view kSelectById = "SELECT content FROM zstd_dictionaries WHERE dict_id = ?1";
constexpr std::string_view kInsert =
    "INSERT INTO zstd_dictionaries(dict_id, created_at, content) VALUES(?1, ?2, ?3)";

struct DDictFree {
  void operator()(ZSTD_DDict* dict) const noexcept { ZSTD_freeDDict(dict); }
};
struct DctxFree {
  void operator()(ZSTD_DCtx* ctx) const noexcept { ZSTD_freeDCtx(ctx); }
};

}  // namespace

struct DocumentDictionaries::Impl {
  explicit Impl(Database& database) : db(database) {}

  Database& db;
  std::unique_ptr<ZSTD_DCtx, DctxFree> dctx{ZSTD_createDCtx()};
  // Writing: compresses with the store's dictionary once it is loaded or trained.
  bool writing_loaded = false;
  std::shared_ptr<FrameEncoder> writing = std::make_shared<FrameEncoder>();
  // Reading: dictionaries by id, loaded on first use (a store has one or a few).
  std::map<unsigned, std::unique_ptr<ZSTD_DDict, DDictFree>> reading;
  // Training samples, concatenated, and their sizes.
  std::string samples;
  std::vector<std::size_t> sample_sizes;
  int training_failures = 0;

  bool EnoughSamples() const {
    return sample_sizes.size() >= kDictionarySamples || samples.size() >= kDictionarySampleBytes;
  }

  Status LoadWriting() {
    writing_loaded = true;
    XRAYD_TRY_ASSIGN(Statement stmt, db.Prepare(kSelectNewest));
    XRAYD_TRY_ASSIGN(const bool row, stmt.Step());
    if (row) {
      writing->Publish(stmt.ColumnText(1));
    }
    return {};
  }

  void LoadWritingOnce() {
    if (!writing_loaded) {
      (void)LoadWriting();  // Unreadable: compress without; the next TrainWhenReady may store.
    }
  }

  void KeepSample(std::string_view json) {
    if (!json.empty() && !writing->HasDictionary() && training_failures < kMaxTrainingFailures &&
        !EnoughSamples()) {
      const std::string_view sample = json.substr(0, kDictionarySampleMaxBytes);
      samples.append(sample);
      sample_sizes.push_back(sample.size());
    }
  }

  Result<const ZSTD_DDict*> Reading(unsigned id) {
    if (auto it = reading.find(id); it != reading.end()) {
      return it->second.get();
    }
    XRAYD_TRY_ASSIGN(Statement stmt, db.Prepare(kSelectById));
    XRAYD_TRY(stmt.BindInt64(1, id));
    XRAYD_TRY_ASSIGN(const bool row, stmt.Step());
    if (!row) {
      return internal::CorruptDocument("its dictionary " + std::to_string(id) +
                                       " is not in the store");
    }
    const std::string_view content = stmt.ColumnText(0);
    std::unique_ptr<ZSTD_DDict, DDictFree> dict(ZSTD_createDDict(content.data(), content.size()));
    if (dict == nullptr) {
      return internal::CorruptDocument("its dictionary " + std::to_string(id) + " does not load");
    }
    return reading.emplace(id, std::move(dict)).first->second.get();
  }
};

DocumentDictionaries::DocumentDictionaries(Database& db) : impl_(std::make_unique<Impl>(db)) {}

DocumentDictionaries::~DocumentDictionaries() = default;

bool DocumentDictionaries::HasWritingDictionary() const {
  return impl_->writing->HasDictionary();
}

std::shared_ptr<const FrameEncoder> DocumentDictionaries::SharedEncoder() {
  impl_->LoadWritingOnce();
  return impl_->writing;
}

Result<std::string> DocumentDictionaries::Decode(std::string_view blob, const RowFields* fields) {
  return internal::DecodeStored(
      blob, fields, [this](std::string_view frame) -> Result<std::string> {
        const unsigned id = ZSTD_getDictID_fromFrame(frame.data(), frame.size());
        if (id == 0) {
          return DecodeDocument(frame);
        }
        XRAYD_TRY_ASSIGN(const ZSTD_DDict* dict, impl_->Reading(id));
        return internal::DecodeFrame(frame, impl_->dctx.get(), dict);
      });
}

std::string DocumentDictionaries::Encode(std::string_view json, const RowFields* fields) {
  impl_->LoadWritingOnce();
  impl_->KeepSample(json);
  return impl_->writing->Encode(json, fields);
}

std::string_view DocumentDictionaries::Encode(std::string_view json, std::string_view encoded,
                                              std::string& scratch, const RowFields* fields) {
  impl_->LoadWritingOnce();
  // A document whose text is still here was encoded before the dictionary was published (the
  // shared encoder releases the text once it has one): compress it again, with the dictionary.
  if (encoded.empty() || (!json.empty() && impl_->writing->HasDictionary())) {
    scratch = Encode(json, fields);
    return scratch;
  }
  impl_->KeepSample(json);
  return encoded;
}

Status DocumentDictionaries::TrainWhenReady() {
  Impl& impl = *impl_;
  if (impl.writing->HasDictionary() || !impl.EnoughSamples()) {
    return {};
  }
  std::string dict(kDictionaryBytes, '\0');
  const std::size_t size =
      ZDICT_trainFromBuffer(dict.data(), dict.size(), impl.samples.data(), impl.sample_sizes.data(),
                            static_cast<unsigned>(impl.sample_sizes.size()));
  const unsigned id = ZDICT_isError(size) ? 0 : ZDICT_getDictID(dict.data(), size);
  if (id == 0) {
    ++impl.training_failures;
    impl.samples.clear();
    impl.sample_sizes.clear();
    return {};
  }
  dict.resize(size);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  XRAYD_TRY(impl.db.Exec("BEGIN IMMEDIATE"));
  Status stored = [&]() -> Status {
    XRAYD_TRY_ASSIGN(Statement stmt, impl.db.Prepare(kInsert));
    XRAYD_TRY(stmt.BindInt64(1, id));
    XRAYD_TRY(stmt.BindDouble(2, now));
    XRAYD_TRY(stmt.BindBlob(3, dict));
    XRAYD_TRY(stmt.Run());
    return impl.db.Exec("COMMIT");
  }();
  if (!stored) {
    (void)impl.db.Exec("ROLLBACK");
    return stored;
  }
  // Only a committed dictionary is used: a frame never names one that a reader cannot find.
  impl.writing->Publish(dict);
  impl.samples = std::string();
  impl.sample_sizes = std::vector<std::size_t>();
  return {};
}

}  // namespace xrayd::storage
