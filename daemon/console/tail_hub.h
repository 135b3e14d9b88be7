#pragma once
// TailHub: the console's live tail as server-sent events (README "Console"). GET
// /ui/api/tail?filter=EXPR answers text/event-stream and pushes each trace as it is summarized
// (the moment a trace appears in TraceSummaries, which is what the tail shows), newest first per
// round, each (trace, revision) once per connection.
//
// Cost is bounded and independent of ingestion: one hub thread serves every stream; it runs a
// stream's search only after the summary worker reported new summaries (Notify), at most once per
// `min_round_interval` per stream and at most `max_pages` pages of TraceSummaries per round,
// through the API's own handler (so the filter means what it means there). Idle streams get a
// comment line every `heartbeat` so a dead peer is noticed by a failed write. Beyond
// `max_streams` open streams a request is answered 503.
//
// Every event's id is a resume point (epoch seconds): a client that reconnects with it (the
// Last-Event-ID header or ?lastEventId=) gets every trace summarized since, again if it already
// had it (clients keep the newest revision of each trace), from at most `max_resume` back.
// Thread-safe. Stop() before the HTTP server is destroyed.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "daemon/api/api_router.h"
#include "daemon/console/tail_request.h"

namespace xrayd::daemon::console {

struct TailOptions {
  std::size_t max_streams = 16;
  std::chrono::milliseconds heartbeat{15000};
  std::chrono::milliseconds min_round_interval{500};
  double window_seconds = 60;  // A new tail starts with the traces of the last minute.
  double max_resume_seconds = 600;
  int max_pages = 5;             // TraceSummaries pages per round (100 traces each).
  std::size_t max_seen = 20000;  // (trace, revision) pairs remembered per stream.
};

class TailHub : public std::enable_shared_from_this<TailHub> {
 public:
  // `search` answers a POST /TraceSummaries request (the API router's Handle); it is called on
  // the hub's thread and must be thread-safe.
  TailHub(ApiRouter::Handler search, TailOptions options = {});
  ~TailHub();
  TailHub(const TailHub&) = delete;
  TailHub& operator=(const TailHub&) = delete;

  void Start();
  // Ends every stream (closing its connection) and joins the thread; later requests get 503.
  void Stop();

  // New summaries were stored. Any thread; cheap (no search runs here).
  void Notify();

  // The route's handler: a streamed text/event-stream response, or 503 beyond the limit.
  HttpResponse Handle(const HttpRequest& request);

  // Streams open now (tests, metrics).
  std::size_t OpenStreams() const;

 private:
  class Connection;
  struct Stream {
    TailRequest request;
    std::shared_ptr<EventStreamWriter> writer;  // Null until the headers are written.
    double since = 0;                           // Traces whose time is from here on are read.
    std::unordered_map<std::string, std::int64_t> seen;  // Trace id -> revision sent.
    bool dirty = true;  // A round is due (new summaries, or never ran).
    std::chrono::steady_clock::time_point last_round{};
    std::chrono::steady_clock::time_point last_write{};
  };

  void Opened(std::uint64_t id, std::shared_ptr<EventStreamWriter> writer);
  void Closed(std::uint64_t id);
  void Run();
  // One round for `stream` (hub thread, mu_ not held). False when the stream should end.
  bool Round(Stream& stream);

  const ApiRouter::Handler search_;
  const TailOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                                     // GUARDED_BY(mu_)
  std::uint64_t next_id_ = 1;                                 // GUARDED_BY(mu_)
  std::map<std::uint64_t, std::shared_ptr<Stream>> streams_;  // GUARDED_BY(mu_)
  std::thread thread_;
};

// Registers GET /ui/api/tail on `router`, answered by `hub`, and HEAD /ui/api/tail (its headers,
// no stream).
void RegisterTailRoute(ApiRouter& router, std::shared_ptr<TailHub> hub);

}  // namespace xrayd::daemon::console
