#include "daemon/console/tail_hub.h"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/core/thread_priority.h"

namespace xrayd::daemon::console {

namespace {

using SteadyClock = std::chrono::steady_clock;

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string FormatSeconds(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", seconds);
  return buffer;
}

constexpr std::string_view kHeartbeat = ": heartbeat\n\n";

}  // namespace

// The server's handle on one stream; tells the hub when its connection opens and closes.
class TailHub::Connection : public EventStream {
 public:
  Connection(std::shared_ptr<TailHub> hub, std::uint64_t id) : hub_(std::move(hub)), id_(id) {}
  ~Connection() override { hub_->Closed(id_); }
  void Open(std::shared_ptr<EventStreamWriter> writer) override {
    hub_->Opened(id_, std::move(writer));
  }
  void Closed() override { hub_->Closed(id_); }

 private:
  const std::shared_ptr<TailHub> hub_;
  const std::uint64_t id_;
};

TailHub::TailHub(ApiRouter::Handler search, TailOptions options)
    : search_(std::move(search)), options_(options) {}

TailHub::~TailHub() {
  Stop();
}

void TailHub::Start() {
  std::lock_guard lock(mu_);
  if (!thread_.joinable() && !stopping_) {
    thread_ = std::thread([this] { Run(); });
  }
}

void TailHub::Stop() {
  std::map<std::uint64_t, std::shared_ptr<Stream>> streams;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    streams.swap(streams_);
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  for (auto& entry : streams) {
    if (entry.second->writer) {
      entry.second->writer->Close();
    }
  }
}

void TailHub::Notify() {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    for (auto& entry : streams_) {
      Stream& stream = *entry.second;
      // Only the first notification after a round wakes the thread: a burst of summaries costs
      // one round per stream, not one per trace.
      if (stream.writer && !stream.dirty) {
        stream.dirty = true;
        wake = true;
      }
    }
  }
  if (wake) {
    wake_.notify_one();
  }
}

HttpResponse TailHub::Handle(const HttpRequest& request) {
  auto stream = std::make_shared<Stream>();
  stream->request = ParseTailRequest(request);
  const double now = WallSeconds();
  stream->since = stream->request.resume
                      ? std::max(*stream->request.resume, now - options_.max_resume_seconds)
                      : now - options_.window_seconds;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !thread_.joinable()) {
      return JsonError(503, "ServiceUnavailableException", "the live tail is not running");
    }
    if (streams_.size() >= options_.max_streams) {
      HttpResponse busy =
          JsonError(503, "ServiceUnavailableException",
                    "too many live tails are open (" + std::to_string(options_.max_streams) +
                        "); close one or use the traces page");
      busy.headers.emplace_back("Retry-After", "5");
      return busy;
    }
    id = next_id_++;
    streams_.emplace(id, stream);
  }
  HttpResponse response;
  response.content_type = "text/event-stream; charset=utf-8";
  response.headers.emplace_back("Cache-Control", "no-store");
  response.stream = std::make_shared<Connection>(shared_from_this(), id);
  return response;
}

std::size_t TailHub::OpenStreams() const {
  std::lock_guard lock(mu_);
  return streams_.size();
}

void TailHub::Opened(std::uint64_t id, std::shared_ptr<EventStreamWriter> writer) {
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(id);
    if (it != streams_.end()) {
      Stream& stream = *it->second;
      stream.writer = writer;
      stream.dirty = true;
      stream.last_write = SteadyClock::now();
      writer.reset();
    }
  }
  if (writer) {
    writer->Close();  // Stopped, or closed before it opened.
    return;
  }
  wake_.notify_one();
}

void TailHub::Closed(std::uint64_t id) {
  std::shared_ptr<Stream> gone;  // Released outside the lock: it may hold the last writer.
  std::lock_guard lock(mu_);
  if (auto it = streams_.find(id); it != streams_.end()) {
    gone = std::move(it->second);
    streams_.erase(it);
  }
}

void TailHub::Run() {
  // Its searches are queries like the API's: below the UDP receivers and the storage writer.
  LowerThisThreadPriority(kQueryThreadNice);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const SteadyClock::time_point now = SteadyClock::now();
    SteadyClock::time_point next = now + options_.heartbeat;
    std::vector<std::pair<std::shared_ptr<Stream>, bool>> due;  // (stream, round or heartbeat)
    for (auto& entry : streams_) {
      Stream& stream = *entry.second;
      if (!stream.writer) {
        continue;
      }
      const SteadyClock::time_point round_at = stream.last_round + options_.min_round_interval;
      const SteadyClock::time_point beat_at = stream.last_write + options_.heartbeat;
      if (stream.dirty && now >= round_at) {
        stream.dirty = false;
        due.emplace_back(entry.second, true);
      } else if (now >= beat_at) {
        due.emplace_back(entry.second, false);
      } else {
        next = std::min(next, stream.dirty ? std::min(round_at, beat_at) : beat_at);
      }
    }
    if (due.empty()) {
      wake_.wait_until(lock, next);
      continue;
    }
    lock.unlock();
    for (auto& [stream, round] : due) {
      const bool ok = round ? Round(*stream) : stream->writer->Write(std::string(kHeartbeat));
      stream->last_write = SteadyClock::now();
      if (round) {
        stream->last_round = stream->last_write;
      }
      if (!ok) {
        stream->writer->Close();
      }
    }
    due.clear();
    lock.lock();
  }
}

bool TailHub::Round(Stream& stream) {
  const double now = WallSeconds();
  const double start = stream.since;
  // Every event of this round names its start as the resume point: a client that reconnects
  // after any of them reads the whole round again rather than miss a part of it.
  const std::string cursor = FormatSeconds(start);
  std::string token;
  for (int page = 0; page < options_.max_pages; ++page) {
    nlohmann::json body{{"StartTime", start}, {"EndTime", now + 1}, {"Sampling", false}};
    if (!stream.request.filter.empty()) {
      body["FilterExpression"] = stream.request.filter;
    }
    if (!token.empty()) {
      body["NextToken"] = token;
    }
    HttpRequest request;
    request.method = "POST";
    request.target = "/TraceSummaries";
    request.headers["content-type"] = "application/json";
    request.body = body.dump();
    const HttpResponse answer = search_(request);
    nlohmann::json parsed = nlohmann::json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
    if (answer.status != 200 || !parsed.is_object()) {
      // A filter the API refuses ends the stream with the API's own error, which the page shows
      // as it shows a search's.
      nlohmann::json problem{{"status", answer.status}};
      if (parsed.is_object()) {
        problem["type"] = parsed.value("__type", "");
        problem["message"] = parsed.value("message", "");
      }
      stream.writer->Write(FormatEvent("", "problem", problem.dump()));
      return false;
    }
    const nlohmann::json& summaries = parsed["TraceSummaries"];
    for (const nlohmann::json& summary : summaries.is_array() ? summaries : nlohmann::json()) {
      if (!summary.is_object() || !summary.contains("Id") || !summary["Id"].is_string()) {
        continue;
      }
      const std::int64_t revision = summary.value("Revision", std::int64_t{0});
      auto [it, inserted] = stream.seen.try_emplace(summary["Id"].get<std::string>(), revision);
      if (!inserted && it->second >= revision) {
        continue;
      }
      it->second = revision;
      if (!stream.writer->Write(FormatEvent(cursor, "", summary.dump()))) {
        return false;
      }
    }
    const auto next = parsed.find("NextToken");
    if (next == parsed.end() || !next->is_string()) {
      break;
    }
    token = next->get<std::string>();
  }
  stream.since = std::max(stream.since, now - options_.window_seconds);
  if (stream.seen.size() > options_.max_seen) {
    // Forgetting only costs resending: the page keeps the newest revision of each trace.
    stream.seen.clear();
  }
  return true;
}

void RegisterTailRoute(ApiRouter& router, std::shared_ptr<TailHub> hub) {
  router.Add("GET", "/ui/api/tail",
             [hub = std::move(hub)](const HttpRequest& request) { return hub->Handle(request); });
  // A HEAD gets the stream's headers and opens nothing.
  router.Add("HEAD", "/ui/api/tail", [](const HttpRequest&) {
    HttpResponse response;
    response.content_type = "text/event-stream; charset=utf-8";
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  });
}

}  // namespace xrayd::daemon::console
