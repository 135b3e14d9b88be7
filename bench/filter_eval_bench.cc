// filter_eval_bench: cost of the C++ half of trace search
// (docs/filter-language.md#how-search-evaluates-filters phase 2).
// 1. BuildTraceModel per trace (stored documents -> TraceModel), traces/s.
// 2. MatchesFilter per prebuilt TraceModel for a few filters, traces/s.
// Traces look like SDK output: a root segment with http, user and 2-4 annotations; 1-4 embedded
// subsegments (DynamoDB with or without a table, remote http, local work); a third of the traces
// have an instrumented downstream service segment; ~10% fault, ~10% error, some slow calls.
//
// Usage: filter_eval_bench [--traces N] [--rounds R] [--seed S]

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "query/filter_eval.h"
#include "query/filter_parser.h"
#include "query/trace_model.h"
#include "storage/trace_store.h"

namespace {

using Json = nlohmann::ordered_json;
using xrayd::storage::StoredDocument;

struct Options {
  std::size_t traces = 20000;
  int rounds = 20;
  std::uint64_t seed = 1;
};

struct Trace {
  std::string id;
  std::vector<StoredDocument> docs;
};

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  Trace Next(std::size_t n) {
    Trace trace;
    char id[40];
    std::snprintf(id, sizeof(id), "1-6553f100-%024zu", n);
    trace.id = id;
    const double start = 1700000000.0 + static_cast<double>(n) * 0.01;
    const double rt = 0.05 + Real() * 6;  // 0.05 .. 6.05 s.
    const bool fault = Uniform(0, 9) == 0;
    const bool error = !fault && Uniform(0, 9) == 0;
    const std::string root_id = HexId();

    Json root = {
        {"trace_id", trace.id},           {"id", root_id},       {"name", kServices[Uniform(0, 3)]},
        {"origin", "AWS::EC2::Instance"}, {"start_time", start}, {"end_time", start + rt},
        {"user", kUsers[Uniform(0, 4)]}};
    root["http"] = {{"request",
                     {{"method", Uniform(0, 1) ? "GET" : "POST"},
                      {"url", "https://api.example.com/v2/items/" + std::to_string(n % 1000)},
                      {"user_agent", "Mozilla/5.0 Firefox/45.0"},
                      {"client_ip", "10.0.0." + std::to_string(n % 250)}}},
                    {"response",
                     {{"status", fault   ? 500
                                 : error ? 404
                                         : 200}}}};
    if (fault) {
      root["fault"] = true;
    }
    Json annotations = Json::object();
    annotations["username"] = kUsers[Uniform(0, 4)];
    annotations["age"] = Uniform(18, 70);
    if (Uniform(0, 1)) {
      annotations["internal"] = Uniform(0, 1) == 1;
    }
    if (Uniform(0, 1)) {
      annotations["gameid"] = HexId().substr(0, 8);
    }
    root["annotations"] = annotations;
    root["aws"] = {{"ec2", {{"instance_id", "i-" + HexId()}, {"availability_zone", "us-east-1a"}}}};

    Json subsegments = Json::array();
    const int count = Uniform(1, 4);
    std::string downstream_parent;
    for (int i = 0; i < count; ++i) {
      const double s = start + rt * 0.1 * (i + 1);
      const double e = s + rt * (Uniform(0, 9) == 0 ? 0.8 : 0.05);
      Json sub = {{"id", HexId()}, {"start_time", s}, {"end_time", std::min(e, start + rt)}};
      switch (Uniform(0, 2)) {
        case 0:
          sub["name"] = "DynamoDB";
          sub["namespace"] = "aws";
          sub["aws"] = {{"operation", "GetItem"}, {"region", "us-east-1"}};
          if (Uniform(0, 1)) {
            sub["aws"]["table_name"] = "users";
          }
          break;
        case 1:
          sub["name"] = "backend.example.com";
          sub["namespace"] = "remote";
          sub["http"] = {{"request", {{"method", "GET"}, {"url", "http://backend/x"}}},
                         {"response", {{"status", fault && i == 0 ? 503 : 200}}}};
          if (fault && i == 0) {
            sub["fault"] = true;
          }
          if (downstream_parent.empty() && Uniform(0, 2) == 0) {
            downstream_parent = sub["id"].get<std::string>();
          }
          break;
        default:
          sub["name"] = "render";
          break;
      }
      subsegments.push_back(std::move(sub));
    }
    root["subsegments"] = std::move(subsegments);
    trace.docs.push_back(Stored(trace.id, root));

    if (!downstream_parent.empty()) {
      Json down = {{"trace_id", trace.id},
                   {"id", HexId()},
                   {"parent_id", downstream_parent},
                   {"name", "backend.example.com"},
                   {"origin", "AWS::ECS::Container"},
                   {"start_time", start + rt * 0.15},
                   {"end_time", start + rt * 0.18},
                   {"annotations", {{"shard", Uniform(0, 15)}}}};
      if (fault) {
        down["fault"] = true;
        down["cause"] = {{"exceptions", Json::array({{{"id", HexId()},
                                                      {"type", "TimeoutError"},
                                                      {"message", "upstream timed out"}}})}};
      }
      trace.docs.push_back(Stored(trace.id, down));
    }
    return trace;
  }

 private:
  static constexpr const char* kServices[] = {"api", "web-frontend", "checkout", "inventory"};
  static constexpr const char* kUsers[] = {"alice", "bob", "carol", "anonymous", "dave"};

  static StoredDocument Stored(const std::string& trace_id, const Json& json) {
    StoredDocument doc;
    doc.trace_id = trace_id;
    doc.id = json["id"].get<std::string>();
    doc.parent_id = json.value("parent_id", "");
    doc.start_time = json["start_time"].get<double>();
    doc.end_time = json["end_time"].get<double>();
    doc.received_at = doc.start_time;
    doc.raw = json.dump();
    return doc;
  }

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  double Real() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  std::string HexId() {
    char text[17];
    std::snprintf(text, sizeof(text), "%016" PRIx64, rng_());
    return text;
  }

  std::mt19937_64 rng_;
};

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Nullopt on a bad command line.
std::optional<Options> ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--traces") == 0) {
      options.traces = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (std::strcmp(argv[i], "--rounds") == 0) {
      options.rounds = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--seed") == 0) {
      options.seed = std::strtoull(argv[i + 1], nullptr, 10);
    } else {
      return std::nullopt;
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Options> parsed = ParseOptions(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "usage: filter_eval_bench [--traces N] [--rounds R] [--seed S]\n");
    return 2;
  }
  const Options& options = *parsed;
  Generator generator(options.seed);
  std::vector<Trace> traces;
  traces.reserve(options.traces);
  for (std::size_t i = 0; i < options.traces; ++i) {
    traces.push_back(generator.Next(i));
  }

  std::vector<xrayd::query::TraceModel> models;
  models.reserve(traces.size());
  const auto build_start = std::chrono::steady_clock::now();
  for (const Trace& trace : traces) {
    models.push_back(xrayd::query::BuildTraceModel(trace.id, trace.docs));
  }
  const double build_s = Seconds(std::chrono::steady_clock::now() - build_start);
  std::printf("%-58s %12.0f traces/s  (%zu traces, %.1f us/trace)\n", "BuildTraceModel",
              static_cast<double>(traces.size()) / build_s, traces.size(),
              build_s * 1e6 / static_cast<double>(traces.size()));

  const char* filters[] = {
      "responsetime > 3",
      R"(annotation.username = "alice")",
      R"(Annotation.username CONTAINS "" AND Annotation.username != "anonymous" and responsetime > 3)",
      R"(service("backend.example.com") { fault })",
      R"(rootcause.fault.entity { last and remote })",
  };
  for (const char* text : filters) {
    auto filter = xrayd::query::ParseFilter(text);
    if (!filter) {
      std::fprintf(stderr, "%s: %s\n", text, filter.error().message.c_str());
      return 1;
    }
    std::size_t matched = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int round = 0; round < options.rounds; ++round) {
      for (const auto& model : models) {
        matched += xrayd::query::MatchesFilter(*filter, model) ? 1 : 0;
      }
    }
    const double s = Seconds(std::chrono::steady_clock::now() - start);
    const double evaluated = static_cast<double>(models.size()) * options.rounds;
    std::printf("%-58.58s %12.0f traces/s  (%.1f%% match, %.0f ns/trace)\n", text, evaluated / s,
                100.0 * static_cast<double>(matched) / evaluated, s * 1e9 / evaluated);
  }
  return 0;
}
