// storage_bench: TraceStore::PutDocuments throughput into a file-backed store in a temp dir.
// Documents look like SDK output: ~5 per trace (root segment, sometimes flushed in progress first,
// a downstream service segment, independent subsegments), 300 B - 4 KB (avg ~1.5 KB), 2-3
// annotations each, traces arriving close together and sometimes straddling batches.
// With --single-segment every document is a complete root segment of a new trace instead.
// Only PutDocuments is timed; generation is not.
//
// Usage: storage_bench [--docs N] [--batch N] [--dir PATH] [--keep] [--single-segment]

#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "proto/document.h"
#include "storage/trace_store.h"

namespace {

using xrayd::proto::Annotation;
using xrayd::proto::AnnotationValue;
using xrayd::proto::Document;
using xrayd::proto::DocumentKind;

struct Options {
  std::size_t docs = 500000;
  std::size_t batch = 2000;
  std::string dir;
  bool keep = false;
  bool single_segment = false;
};

class Generator {
 public:
  Generator(std::uint64_t seed, bool single_segment)
      : rng_(seed), single_segment_(single_segment) {}

  // Appends the next `n` documents of the stream to `out`.
  void Next(std::size_t n, std::vector<Document>& out) {
    while (n > 0) {
      if (pending_.size() < 400) {
        NewTrace();
      }
      // Mostly the oldest pending documents, sometimes a later one: close, not strictly ordered.
      std::size_t pick = Uniform(0, 9) < 8 ? 0 : Uniform(0, pending_.size() - 1);
      out.push_back(std::move(pending_[pick]));
      pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(pick));
      now_ += 1.0 / 50000;  // 50k docs/s of simulated traffic.
      --n;
    }
  }

  double now() const { return now_; }

 private:
  std::size_t Uniform(std::size_t lo, std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(lo, hi)(rng_);
  }

  std::string Hex(int digits) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    s.reserve(static_cast<std::size_t>(digits));
    for (int i = 0; i < digits; ++i) {
      s.push_back(kDigits[Uniform(0, 15)]);
    }
    return s;
  }

  std::string TraceId() {
    char epoch[9];
    std::snprintf(epoch, sizeof epoch, "%08x", static_cast<unsigned>(now_));
    return std::string("1-") + epoch + "-" + Hex(24);
  }

  Annotation MakeAnnotation() {
    Annotation a;
    switch (Uniform(0, 5)) {
      case 0:
        a.key = "customer_id";
        a.value.string_value = "cust-" + std::to_string(Uniform(0, 200000));
        break;
      case 1:
        a.key = "env";
        a.value.string_value = Uniform(0, 9) == 0 ? "staging" : "prod";
        break;
      case 2:
        a.key = "order_total";
        a.value.type = AnnotationValue::Type::kNumber;
        a.value.number_value = static_cast<double>(Uniform(100, 100000)) / 100;
        break;
      case 3:
        a.key = "cache_hit";
        a.value.type = AnnotationValue::Type::kBool;
        a.value.bool_value = Uniform(0, 1) == 1;
        break;
      case 4:
        a.key = "request_id";
        a.value.string_value = Hex(32);
        break;
      default:
        a.key = "region_" + std::to_string(Uniform(0, 7));
        a.value.string_value = "eu-west-" + std::to_string(Uniform(1, 3));
        break;
    }
    return a;
  }

  static std::string AnnotationJson(const Annotation& a) {
    std::string v;
    switch (a.value.type) {
      case AnnotationValue::Type::kString:
        v = "\"" + a.value.string_value + "\"";
        break;
      case AnnotationValue::Type::kNumber:
        v = std::to_string(a.value.number_value);
        break;
      case AnnotationValue::Type::kBool:
        v = a.value.bool_value ? "true" : "false";
        break;
    }
    return "\"" + a.key + "\":" + v;
  }

  // Builds one document; its raw JSON is padded with metadata to a size drawn from the mix.
  Document Make(const std::string& trace_id, DocumentKind kind, const std::string& id,
                const std::string& parent, const std::string& name, double start, double end,
                bool in_progress) {
    Document d;
    d.kind = kind;
    d.trace_id = trace_id;
    d.id = id;
    d.parent_id = parent;
    d.name = name;
    d.start_time = start;
    d.in_progress = in_progress;
    if (!in_progress) {
      d.end_time = end;
    }
    const std::string url = "https://api.example.com/orders/" + std::to_string(Uniform(1, 99999));
    const std::size_t annotations = Uniform(2, 3);
    for (std::size_t i = 0; i < annotations; ++i) {
      d.annotations.push_back(MakeAnnotation());
    }
    std::string raw = "{\"name\":\"" + name + "\",\"id\":\"" + id + "\",\"trace_id\":\"" +
                      trace_id + "\",\"start_time\":" + std::to_string(start);
    raw += in_progress ? ",\"in_progress\":true" : ",\"end_time\":" + std::to_string(end);
    if (kind == DocumentKind::kSubsegment) {
      raw += ",\"type\":\"subsegment\",\"namespace\":\"remote\"";
    }
    if (!parent.empty()) {
      raw += ",\"parent_id\":\"" + parent + "\"";
    }
    raw +=
        ",\"http\":{\"request\":{\"method\":\"GET\",\"url\":\"" + url +
        "\"},\"response\":{\"status\":200,\"content_length\":" + std::to_string(Uniform(10, 9999)) +
        "}},\"annotations\":{";
    for (std::size_t i = 0; i < d.annotations.size(); ++i) {
      raw += (i ? "," : "") + AnnotationJson(d.annotations[i]);
    }
    raw += "},\"aws\":{\"xray\":{\"sdk\":\"X-Ray for Node.js\",\"sdk_version\":\"3.5.0\"}}";
    // Size mix: 300 B - 4 KB, skewed small, mean ~1.5 KB.
    const std::size_t target =
        300 + static_cast<std::size_t>(
                  3700.0 * std::pow(std::uniform_real_distribution<double>(0, 1)(rng_), 1.9));
    if (raw.size() + 40 < target) {
      raw += ",\"metadata\":{\"default\":{\"blob\":\"" +
             Hex(static_cast<int>(target - raw.size() - 40)) + "\"}}";
    }
    raw += "}";
    d.raw = std::move(raw);
    return d;
  }

  void NewTrace() {
    const std::string trace_id = TraceId();
    const double t0 = now_;
    const std::string root = Hex(16);
    const std::string sub1 = Hex(16);
    const std::string downstream = Hex(16);
    const std::string sub2 = Hex(16);
    if (single_segment_) {
      pending_.push_back(
          Make(trace_id, DocumentKind::kSegment, root, "", "frontend", t0, t0 + 0.025, false));
      return;
    }
    if (Uniform(0, 4) == 0) {  // Flushed in progress before close.
      pending_.push_back(Make(trace_id, DocumentKind::kSegment, root, "", "frontend", t0, 0, true));
    }
    pending_.push_back(Make(trace_id, DocumentKind::kSubsegment, sub1, root, "orders-db",
                            t0 + 0.001, t0 + 0.02, false));
    pending_.push_back(Make(trace_id, DocumentKind::kSegment, downstream, sub1, "orders",
                            t0 + 0.002, t0 + 0.018, false));
    pending_.push_back(Make(trace_id, DocumentKind::kSubsegment, sub2, downstream, "redis",
                            t0 + 0.003, t0 + 0.004, false));
    pending_.push_back(
        Make(trace_id, DocumentKind::kSegment, root, "", "frontend", t0, t0 + 0.025, false));
    if (Uniform(0, 99) == 0) {  // Rare UDP-level duplicate.
      pending_.push_back(pending_.back());
    }
  }

  std::mt19937_64 rng_;
  bool single_segment_;
  double now_ = 1.7e9;
  std::deque<Document> pending_;
};

// CPU time of this thread: the writer's cost independent of other load on the machine.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

bool ParseArgs(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--docs") {
      const char* v = value();
      if (v == nullptr)
        return false;
      options.docs = std::strtoull(v, nullptr, 10);
    } else if (arg == "--batch") {
      const char* v = value();
      if (v == nullptr)
        return false;
      options.batch = std::strtoull(v, nullptr, 10);
    } else if (arg == "--dir") {
      const char* v = value();
      if (v == nullptr)
        return false;
      options.dir = v;
    } else if (arg == "--keep") {
      options.keep = true;
    } else if (arg == "--single-segment") {
      options.single_segment = true;
    } else {
      return false;
    }
  }
  return options.batch > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseArgs(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: storage_bench [--docs N] [--batch N] [--dir PATH] [--keep] "
                 "[--single-segment]\n");
    return 2;
  }
  std::string dir = options.dir;
  if (dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "storage_bench.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = tmpl;
  }
  const std::string path = dir + "/traces.db";
  auto store = xrayd::storage::TraceStore::Open(path, xrayd::storage::OpenMode::kReadWrite);
  if (!store) {
    std::fprintf(stderr, "open: %s\n", store.error().message.c_str());
    return 1;
  }
  Generator generator(42, options.single_segment);
  std::vector<Document> batch;
  xrayd::storage::PutStats total;
  std::chrono::nanoseconds elapsed{0};
  std::uint64_t bytes = 0;
  std::chrono::nanoseconds worst{0};
  double cpu_seconds = 0;
  for (std::size_t done = 0; done < options.docs;) {
    batch.clear();
    const std::size_t n = std::min(options.batch, options.docs - done);
    generator.Next(n, batch);
    for (const Document& d : batch) {
      bytes += d.raw.size();
    }
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = ThreadCpuSeconds();
    auto stats = (*store)->PutDocuments(batch, generator.now());
    cpu_seconds += ThreadCpuSeconds() - cpu_start;
    const auto took = std::chrono::steady_clock::now() - start;
    if (!stats) {
      std::fprintf(stderr, "put: %s\n", stats.error().message.c_str());
      return 1;
    }
    elapsed += took;
    worst = std::max(worst, std::chrono::duration_cast<std::chrono::nanoseconds>(took));
    total.inserted += stats->inserted;
    total.replaced += stats->replaced;
    total.duplicates += stats->duplicates;
    total.stale_in_progress += stats->stale_in_progress;
    total.annotations_indexed += stats->annotations_indexed;
    total.annotations_over_limit += stats->annotations_over_limit;
    done += n;
  }
  const double seconds = std::chrono::duration<double>(elapsed).count();
  store->reset();  // Close (checkpoints the WAL) before measuring the file.
  std::error_code ec;
  const auto db_size = std::filesystem::file_size(path, ec);
  std::printf("docs=%zu batch=%zu avg_doc=%.0fB put_time=%.3fs\n", options.docs, options.batch,
              static_cast<double>(bytes) / static_cast<double>(options.docs), seconds);
  std::printf("throughput: %.0f docs/s, %.2f us/doc, %.1f MB/s raw; slowest batch %.1f ms\n",
              static_cast<double>(options.docs) / seconds,
              seconds * 1e6 / static_cast<double>(options.docs),
              static_cast<double>(bytes) / seconds / 1e6,
              std::chrono::duration<double, std::milli>(worst).count());
  std::printf("cpu: %.0f docs/s per core, %.2f us/doc cpu (put_cpu=%.3fs)\n",
              static_cast<double>(options.docs) / cpu_seconds,
              cpu_seconds * 1e6 / static_cast<double>(options.docs), cpu_seconds);
  std::printf("inserted=%" PRIu64 " replaced=%" PRIu64 " duplicates=%" PRIu64 " stale=%" PRIu64
              " annotations_indexed=%" PRIu64 " over_limit=%" PRIu64 " db_bytes=%ju\n",
              total.inserted, total.replaced, total.duplicates, total.stale_in_progress,
              total.annotations_indexed, total.annotations_over_limit,
              static_cast<std::uintmax_t>(ec ? 0 : db_size));
  if (!options.keep && options.dir.empty()) {
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}
