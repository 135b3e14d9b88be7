// search_bench: trace search (query/trace_search.h) over a large file-backed store.
// Builds a store of N traces (default 1,000,000) spread over 24 hours: one root segment each with
// an embedded DynamoDB subsegment (an inferred node), http fields, a user, 2 annotations
// ("username" = alice for 1% of traces, "tier" a number); 10% respond in more than 3 s, 4% fault.
// Then summarizes every trace (the daemon's SummaryWorker does this in the background) and times:
//   A. annotation.username = "alice" over random one-hour windows: first page (100 summaries).
//   B. responsetime > 3 over the whole day, every page, ids only: traces in range per second.
//   C. responsetime > 3: first page with summaries.
//   D. service("orders") { fault } over one hour, every page, ids only: evaluated in C++.
//   E. annotation.username = "nobody" (no trace) over the whole day, every page, with
//      GetTraceSummaries' time budget of 100 ms per call: the longest call and the total.
//   F. annotation.username = "user1234" (~200 traces) over the whole day, first page (100
//      summaries): a value few traces have, read from the annotation index.
// Only queries are timed separately from building; figures are per operation, to compare runs.
//
// Usage: search_bench [--traces N] [--dir PATH] [--keep] [--reuse]

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "proto/document_decoder.h"
#include "query/filter_parser.h"
#include "query/summarizer.h"
#include "query/trace_search.h"
#include "storage/trace_store.h"

namespace {

constexpr double kBase = 1790000000;  // Epoch seconds of the first trace.
constexpr double kSpan = 86400;

struct Options {
  std::size_t traces = 1000000;
  std::string dir;
  bool keep = false;
  bool reuse = false;
};

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU seconds of this process: on a shared machine, wall time also counts other processes' turns.
double Cpu() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string Document(std::size_t i, std::size_t n, std::mt19937_64& rng) {
  const double start = kBase + kSpan * static_cast<double>(i) / static_cast<double>(n);
  std::uniform_real_distribution<double> unit(0, 1);
  const double roll = unit(rng);
  const double response = roll < 0.10 ? 3.0 + 4 * unit(rng) : 0.01 + 0.5 * unit(rng);
  const bool fault = unit(rng) < 0.04;
  static const char* kServices[] = {"orders", "payments", "catalog", "users", "search"};
  const char* service = kServices[rng() % 5];
  const std::string user = (rng() % 100 == 0) ? "alice" : "user" + std::to_string(rng() % 5000);
  char trace_id[40];
  std::snprintf(trace_id, sizeof trace_id, "1-%08x-%024" PRIx64, static_cast<unsigned>(start),
                static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull >> 8);
  char id[17];
  std::snprintf(id, sizeof id, "%016" PRIx64, rng() | 1);
  char sub_id[17];
  std::snprintf(sub_id, sizeof sub_id, "%016" PRIx64, rng() | 1);
  char buffer[2048];
  std::snprintf(
      buffer, sizeof buffer,
      R"({"trace_id":"%s","id":"%s","name":"%s","start_time":%.6f,"end_time":%.6f,%s)"
      R"("origin":"AWS::EC2::Instance","user":"%s",)"
      R"("http":{"request":{"method":"GET","url":"https://%s.example.com/api/%zu"},)"
      R"("response":{"status":%d}},"annotations":{"username":"%s","tier":%d},)"
      R"("subsegments":[{"id":"%s","name":"DynamoDB","namespace":"aws","start_time":%.6f,)"
      R"("end_time":%.6f,"aws":{"operation":"GetItem","table_name":"orders"}}]})",
      trace_id, id, service, start, start + response, fault ? "\"fault\":true," : "", user.c_str(),
      service, i % 1000, fault ? 500 : 200, user.c_str(), static_cast<int>(rng() % 4), sub_id,
      start + 0.001, start + response * 0.8);
  return buffer;
}

void Populate(xrayd::storage::TraceStore& store, std::size_t n) {
  xrayd::proto::DocumentDecoder decoder;
  std::mt19937_64 rng(42);
  std::vector<xrayd::proto::Document> batch;
  const double t0 = Now();
  double put_seconds = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto docs = decoder.Decode(Document(i, n, rng));
    if (!docs) {
      std::fprintf(stderr, "bad generated document: %s\n", docs.error().detail.c_str());
      std::exit(1);
    }
    for (auto& d : *docs)
      batch.push_back(std::move(d));
    if (batch.size() == 4000 || i + 1 == n) {
      const double p0 = Now();
      if (!store.PutDocuments(batch, kBase + kSpan)) {
        std::fprintf(stderr, "PutDocuments failed\n");
        std::exit(1);
      }
      put_seconds += Now() - p0;
      batch.clear();
    }
  }
  std::printf("populate: %zu traces in %.1f s (PutDocuments %.2f us/trace)\n", n, Now() - t0,
              put_seconds * 1e6 / static_cast<double>(n));
  const double s0 = Now();
  const double c0 = Cpu();
  std::size_t summarized = 0;
  for (;;) {
    auto done = xrayd::query::SummarizeStaleTraces(store, 1e12, 1024);
    if (!done) {
      std::fprintf(stderr, "summarize failed: %s\n", done.error().message.c_str());
      std::exit(1);
    }
    if (*done == 0)
      break;
    summarized += *done;
  }
  const double s = Now() - s0;
  const double cpu = Cpu() - c0;
  std::printf("summaries: %zu in %.1f s wall, %.1f us CPU/trace\n", summarized, s,
              cpu * 1e6 / static_cast<double>(std::max<std::size_t>(summarized, 1)));
}

struct Walk {
  double seconds = 0;
  double cpu = 0;
  std::size_t pages = 0;
  std::size_t matches = 0;
  std::uint64_t examined = 0;
  std::uint64_t evaluated = 0;
  std::uint64_t scanned = 0;
  double longest_page_seconds = 0;
};

Walk WalkAll(xrayd::storage::TraceStore& store, const std::string& expression, double start,
             double end, bool models, bool first_page_only,
             std::chrono::milliseconds time_budget = {}) {
  auto filter = xrayd::query::ParseFilter(expression);
  if (!filter) {
    std::fprintf(stderr, "bad filter: %s\n", filter.error().message.c_str());
    std::exit(1);
  }
  xrayd::query::SearchRequest request;
  request.filter = &*filter;
  request.time_range_type = xrayd::query::TimeRangeType::kEvent;
  request.start = start;
  request.end = end;
  request.with_models = models;
  request.max_examined = 1u << 30;
  request.time_budget = time_budget;
  Walk walk;
  const double t0 = Now();
  const double c0 = Cpu();
  for (;;) {
    const double page_t0 = Now();
    auto page = xrayd::query::SearchTraces(store, request);
    walk.longest_page_seconds = std::max(walk.longest_page_seconds, Now() - page_t0);
    if (!page) {
      std::fprintf(stderr, "search failed: %s\n", page.error().message.c_str());
      std::exit(1);
    }
    ++walk.pages;
    walk.matches += page->matches.size();
    walk.examined += page->examined;
    walk.evaluated += page->evaluated;
    walk.scanned += page->scanned;
    if (first_page_only || page->next_token.empty())
      break;
    request.next_token = page->next_token;
  }
  walk.seconds = Now() - t0;
  walk.cpu = Cpu() - c0;
  return walk;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--traces" && i + 1 < argc)
      options.traces = std::strtoull(argv[++i], nullptr, 10);
    else if (arg == "--dir" && i + 1 < argc)
      options.dir = argv[++i];
    else if (arg == "--keep")
      options.keep = true;
    else if (arg == "--reuse")
      options.reuse = true;
    else {
      std::fprintf(stderr, "usage: search_bench [--traces N] [--dir PATH] [--keep] [--reuse]\n");
      return 2;
    }
  }
  if (options.dir.empty()) {
    options.dir = (std::filesystem::temp_directory_path() / "xrayd-search-bench").string();
  }
  std::filesystem::create_directories(options.dir);
  const std::string path = options.dir + "/traces.db";
  const bool exists = std::filesystem::exists(path);
  if (exists && !options.reuse)
    std::filesystem::remove(path);
  {
    auto writer = xrayd::storage::TraceStore::Open(path, xrayd::storage::OpenMode::kReadWrite);
    if (!writer) {
      std::fprintf(stderr, "open: %s\n", writer.error().message.c_str());
      return 1;
    }
    if (!(exists && options.reuse))
      Populate(**writer, options.traces);
  }
  auto reader = xrayd::storage::TraceStore::Open(path, xrayd::storage::OpenMode::kReadOnly);
  if (!reader)
    return 1;
  xrayd::storage::TraceStore& store = **reader;

  std::mt19937_64 rng(7);
  std::vector<double> a_ms;
  std::vector<double> a_cpu;
  std::size_t a_matches = 0;
  for (int run = 0; run < 21; ++run) {
    const double start = kBase + static_cast<double>(rng() % 23) * 3600;
    Walk w = WalkAll(store, R"(annotation.username = "alice")", start, start + 3600, true, true);
    a_ms.push_back(w.seconds * 1e3);
    a_cpu.push_back(w.cpu * 1e3);
    a_matches += w.matches;
  }
  std::printf(
      "A annotation.username = \"alice\", 1 h window, first page: median %.1f ms wall "
      "(%.1f ms CPU), p90 %.1f ms wall (%.0f summaries per page)\n",
      Percentile(a_ms, 0.5), Percentile(a_cpu, 0.5), Percentile(a_ms, 0.9),
      static_cast<double>(a_matches) / 21);

  Walk b = WalkAll(store, "responsetime > 3", kBase, kBase + kSpan, false, false);
  std::printf(
      "B responsetime > 3, 24 h, all pages, ids only: %.2f s wall, %.2f s CPU for %zu "
      "traces in range = %.0f traces/s by CPU (%zu matches, %zu evaluated in C++)\n",
      b.seconds, b.cpu, options.traces, static_cast<double>(options.traces) / b.cpu, b.matches,
      static_cast<std::size_t>(b.evaluated));

  std::vector<double> c_ms;
  std::vector<double> c_cpu;
  for (int run = 0; run < 11; ++run) {
    Walk w = WalkAll(store, "responsetime > 3", kBase, kBase + kSpan, true, true);
    c_ms.push_back(w.seconds * 1e3);
    c_cpu.push_back(w.cpu * 1e3);
  }
  std::printf(
      "C responsetime > 3, 24 h, first page with summaries: median %.1f ms wall "
      "(%.1f ms CPU)\n",
      Percentile(c_ms, 0.5), Percentile(c_cpu, 0.5));

  const double d_start = kBase + 12 * 3600;
  Walk d = WalkAll(store, R"(service("orders") { fault })", d_start, d_start + 3600, false, false);
  std::printf("D service(\"orders\") { fault }, 1 h, all pages: %.2f s wall, %.2f s CPU, %" PRIu64
              " candidates evaluated in C++ = %.0f traces/s by CPU (%zu matches)\n",
              d.seconds, d.cpu, d.evaluated, static_cast<double>(d.evaluated) / d.cpu, d.matches);
  Walk e = WalkAll(store, R"(annotation.username = "nobody")", kBase, kBase + kSpan, true, false,
                   std::chrono::milliseconds(100));
  std::printf(
      "E annotation.username = \"nobody\", 24 h, all pages, 100 ms budget: %zu pages, "
      "longest %.0f ms wall; %.2f s wall, %.2f s CPU for %" PRIu64
      " traces scanned (%zu "
      "matches)\n",
      e.pages, e.longest_page_seconds * 1e3, e.seconds, e.cpu, e.scanned, e.matches);
  std::vector<double> f_ms;
  std::vector<double> f_cpu;
  std::size_t f_matches = 0;
  for (int run = 0; run < 11; ++run) {
    Walk w = WalkAll(store, R"(annotation.username = "user1234")", kBase, kBase + kSpan, true, true,
                     std::chrono::milliseconds(100));
    f_ms.push_back(w.seconds * 1e3);
    f_cpu.push_back(w.cpu * 1e3);
    f_matches = w.matches;
  }
  std::printf(
      "F annotation.username = \"user1234\", 24 h, first page: median %.1f ms wall (%.1f ms CPU) "
      "(%zu summaries)\n",
      Percentile(f_ms, 0.5), Percentile(f_cpu, 0.5), f_matches);
  reader->reset();
  if (!options.keep)
    std::filesystem::remove_all(options.dir);
  return 0;
}
