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
constexpr std::string_view kCount = "SELECT count(*) FROM zstd_dictionaries";
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
  std::int64_t stored_dictionaries = 0;
  // Training samples, concatenated, and their sizes.
  std::string samples;
  std::vector<std::size_t> sample_sizes;
  int training_failures = 0;
  // Retraining (see the header): the current window, the published dictionary's baseline (bytes
  // stored per byte of JSON; 0 until its first window ends) and whether samples are being taken.
  struct Window {
    std::size_t documents = 0;
    std::uint64_t json_bytes = 0;
    std::uint64_t stored_bytes = 0;
  } window;
  double baseline = 0;
  double resampled_ratio = 0;  // The window that started the sampling.
  bool resampling = false;

  bool EnoughSamples() const {
    return sample_sizes.size() >= kDictionarySamples || samples.size() >= kDictionarySampleBytes;
  }

  void Publish(std::string_view content) {
    writing->Publish(content);
    window = {};
    baseline = 0;
  }

  Status LoadWriting() {
    writing_loaded = true;
    XRAYD_TRY_ASSIGN(stored_dictionaries, db.QueryInt(kCount));
    XRAYD_TRY_ASSIGN(Statement stmt, db.Prepare(kSelectNewest));
    XRAYD_TRY_ASSIGN(const bool row, stmt.Step());
    if (row) {
      Publish(stmt.ColumnText(1));
    }
    return {};
  }

  // Adds one stored document to the current window; starts sampling when the window ends worse
  // than the baseline.
  void Measure(std::size_t json_size, std::size_t stored_size) {
    window.documents += 1;
    window.json_bytes += json_size;
    window.stored_bytes += stored_size;
    if (window.documents < kRetrainWindowDocuments) {
      return;
    }
    const double ratio = window.json_bytes == 0 ? 0
                                                : static_cast<double>(window.stored_bytes) /
                                                      static_cast<double>(window.json_bytes);
    window = {};
    if (baseline == 0) {
      baseline = ratio;
    } else if (ratio >= baseline * kRetrainRatioGrowth) {
      resampling = true;
      resampled_ratio = ratio;
    }
  }

  void AddSample(std::string_view json) {
    const std::string_view sample = json.substr(0, kDictionarySampleMaxBytes);
    samples.append(sample);
    sample_sizes.push_back(sample.size());
  }

  void ClearSamples() {
    samples = std::string();
    sample_sizes = std::vector<std::size_t>();
  }

  void LoadWritingOnce() {
    if (!writing_loaded) {
      (void)LoadWriting();  // Unreadable: compress without; the next TrainWhenReady may store.
    }
  }

  void KeepSample(std::string_view json) {
    if (!json.empty() && !writing->HasDictionary() && training_failures < kMaxTrainingFailures &&
        !EnoughSamples()) {
      AddSample(json);
    }
  }

  // Stores `dict` (id `id`) in a transaction of its own.
  Status Store(unsigned id, std::string_view dict) {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    XRAYD_TRY(db.Exec("BEGIN IMMEDIATE"));
    Status stored = [&]() -> Status {
      XRAYD_TRY_ASSIGN(Statement stmt, db.Prepare(kInsert));
      XRAYD_TRY(stmt.BindInt64(1, id));
      XRAYD_TRY(stmt.BindDouble(2, now));
      XRAYD_TRY(stmt.BindBlob(3, dict));
      XRAYD_TRY(stmt.Run());
      return db.Exec("COMMIT");
    }();
    if (!stored) {
      (void)db.Exec("ROLLBACK");
      return stored;
    }
    ++stored_dictionaries;
    return {};
  }

  // Whether `candidate` compresses the samples from `first` on at least kRetrainMinGain smaller
  // than the published dictionary, and is not one the store has (its id).
  bool Improves(std::string_view candidate, unsigned id, std::size_t first) {
    if (Reading(id)) {
      return false;
    }
    FrameEncoder trial;
    trial.Publish(candidate);
    std::size_t current_bytes = 0;
    std::size_t candidate_bytes = 0;
    std::size_t offset = 0;
    for (std::size_t i = 0; i < sample_sizes.size(); ++i) {
      const std::string_view sample = std::string_view(samples).substr(offset, sample_sizes[i]);
      offset += sample_sizes[i];
      if (i >= first) {
        current_bytes += writing->Encode(sample, nullptr).size();
        candidate_bytes += trial.Encode(sample, nullptr).size();
      }
    }
    return static_cast<double>(candidate_bytes) <=
           static_cast<double>(current_bytes) * (1 - kRetrainMinGain);
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

std::string_view DocumentDictionaries::Encode(const proto::Document& doc, std::string& scratch,
                                              const RowFields* fields) {
  Impl& impl = *impl_;
  impl.LoadWritingOnce();
  const std::string_view json = doc.raw;
  std::string_view stored = doc.stored_raw;
  // A document whose text is still here was encoded before the dictionary was published (the
  // shared encoder releases the text once it has one): compress it again, with the dictionary.
  if (stored.empty() || (!json.empty() && impl.writing->HasDictionary())) {
    scratch = Encode(json, fields);
    stored = scratch;
  } else {
    impl.KeepSample(json);
  }
  if (!impl.writing->HasDictionary() || impl.stored_dictionaries >= kMaxDictionaries) {
    return stored;
  }
  if (!impl.resampling) {
    impl.Measure(proto::JsonSize(doc), stored.size());
  } else if (!impl.EnoughSamples()) {
    if (!json.empty()) {
      impl.AddSample(json);
    } else if (Result<std::string> text = Decode(stored, fields)) {
      impl.AddSample(*text);
    }
  }
  return stored;
}

Status DocumentDictionaries::TrainWhenReady() {
  Impl& impl = *impl_;
  const bool retraining = impl.writing->HasDictionary();
  if ((retraining && !impl.resampling) || !impl.EnoughSamples()) {
    return {};
  }
  // Retraining holds the last sixth of the samples out, to compare the candidate with the current
  // dictionary on documents neither was trained on.
  const std::size_t count = impl.sample_sizes.size();
  const std::size_t trained = retraining ? count - count / 6 : count;
  std::string dict(kDictionaryBytes, '\0');
  const std::size_t size =
      ZDICT_trainFromBuffer(dict.data(), dict.size(), impl.samples.data(), impl.sample_sizes.data(),
                            static_cast<unsigned>(trained));
  const unsigned id = ZDICT_isError(size) ? 0 : ZDICT_getDictID(dict.data(), size);
  if (id != 0) {
    dict.resize(size);
  }
  if (retraining) {
    if (id == 0 || !impl.Improves(dict, id, trained)) {
      // Not kept: the documents are what they are; measure from the worse window on.
      impl.baseline = impl.resampled_ratio;
      impl.resampling = false;
      impl.ClearSamples();
      return {};
    }
  } else if (id == 0) {
    ++impl.training_failures;
    impl.ClearSamples();
    return {};
  }
  Status stored = impl.Store(id, dict);
  if (!stored && !retraining) {
    return stored;  // The samples stay: the next call tries again.
  }
  if (stored) {
    // Only a committed dictionary is used: a frame never names one that a reader cannot find.
    impl.Publish(dict);
  }
  // A retrained dictionary that could not be stored is given up; a later window may start again.
  impl.resampling = false;
  impl.ClearSamples();
  return stored;
}

}  // namespace xrayd::storage
