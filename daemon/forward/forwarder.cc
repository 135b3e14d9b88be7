#include "daemon/forward/forwarder.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/forward/forward_batch.h"
#include "daemon/core/log_limiter.h"
#include "daemon/aws/sigv4.h"
#include "storage/forward_queue.h"

namespace xrayd::daemon {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A batch covers every spooled row with seq in (previous batch's last_seq, last_seq].
struct Batch {
  std::int64_t last_seq = 0;
  std::vector<std::string> raws;
  std::int64_t bytes = 0;           // Of `raws`: the request size.
  std::int64_t rows = 0;            // Spool rows covered, `missing` ones included.
  std::int64_t spooled_bytes = 0;   // Their sizes as spooled (what the cap counts).
  double first_received_at = 0;
  SteadyClock::time_point opened{};
};

// The spool rows (previous key, key] and whether they are done (forwarded, refused or dropped).
struct Range {
  std::int64_t documents = 0;
  std::int64_t bytes = 0;
  double received_at = 0;
  bool done = false;
};

enum class Outcome { kAccepted, kRetry, kRejected, kStopping };

// Forwarding threads yield the CPU to the UDP receivers and the storage writer (Linux applies nice
// per thread): under CPU pressure the spool absorbs the lag, whereas a writer that falls behind
// makes receivers drop. Failure leaves the default priority.
void LowerThreadPriority(int nice) {
  if (nice > 0) {
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice);
  }
}

double NowEpochSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

struct Forwarder::Impl {
  Impl(ForwarderOptions o, CredentialsProvider& c, Metrics& m)
      : options(std::move(o)), credentials(c), metrics(m), fm(m.forward) {}

  ForwarderOptions options;
  CredentialsProvider& credentials;
  Metrics& metrics;
  ForwardMetrics& fm;
  ParsedUrl url;
  std::string put_url;
  std::unique_ptr<storage::ForwardQueueReader> reader;  // Dispatcher thread only.

  std::mutex mu;
  std::condition_variable work_cv;      // Senders: a batch is ready, or stopping.
  std::condition_variable dispatch_cv;  // Dispatcher and sleepers: progress, or stopping.
  std::deque<Batch> ready;              // GUARDED_BY(mu)
  std::map<std::int64_t, Range> ranges;  // GUARDED_BY(mu), key = last seq of the range.
  Batch open;                           // GUARDED_BY(mu)
  std::int64_t cursor = 0;              // GUARDED_BY(mu): last seq read from the spool.
  int in_flight = 0;                    // GUARDED_BY(mu)
  std::int64_t released_bytes = 0;      // GUARDED_BY(mu): bytes of done ranges.
  std::int64_t released_documents = 0;  // GUARDED_BY(mu)
  std::int64_t base_bytes = 0;          // Spooled before this run (Start).
  std::int64_t base_documents = 0;
  std::atomic<std::int64_t> acked{0};
  std::atomic<bool> stopping{false};
  std::thread dispatcher;
  std::vector<std::thread> senders;

  std::size_t BatchLimit() const {
    return std::clamp<std::size_t>(options.max_batch_documents, 1, kMaxSegmentsPerRequest);
  }

  // REQUIRES: mu held.
  void FinishOpen() {
    if (open.rows == 0) {
      return;
    }
    ranges[open.last_seq] = Range{.documents = open.rows,
                                  .bytes = open.spooled_bytes,
                                  .received_at = open.first_received_at,
                                  .done = false};
    if (open.raws.empty()) {
      MarkDone(open.last_seq);  // Only rows whose document is gone: nothing to send.
      open = Batch{};
      return;
    }
    ready.push_back(std::move(open));
    open = Batch{};
    work_cv.notify_one();
  }

  // REQUIRES: mu held.
  void MarkDone(std::int64_t last_seq) {
    auto it = ranges.find(last_seq);
    if (it == ranges.end() || it->second.done) {
      return;
    }
    it->second.done = true;
    released_bytes += it->second.bytes;
    released_documents += it->second.documents;
    while (!ranges.empty() && ranges.begin()->second.done) {
      acked.store(ranges.begin()->first, std::memory_order_release);
      ranges.erase(ranges.begin());
    }
  }

  // REQUIRES: mu held.
  std::int64_t SpooledBytes() const {
    return base_bytes + static_cast<std::int64_t>(fm.spooled_in_bytes.load()) - released_bytes;
  }
  std::int64_t SpooledDocuments() const {
    return base_documents + static_cast<std::int64_t>(fm.spooled.load()) - released_documents;
  }

  // REQUIRES: mu held.
  void UpdateGauges() {
    fm.spooled_bytes.store(std::max<std::int64_t>(SpooledBytes(), 0));
    const std::int64_t documents = std::max<std::int64_t>(SpooledDocuments(), 0);
    fm.spooled_documents.store(documents);
    double oldest = 0;
    if (!ranges.empty()) {
      oldest = ranges.begin()->second.received_at;
    } else if (open.rows > 0) {
      oldest = open.first_received_at;
    }
    const double age = documents > 0 && oldest > 0 ? NowEpochSeconds() - oldest : 0;
    fm.oldest_age_ms.store(static_cast<std::int64_t>(std::max(age, 0.0) * 1000));
  }

  // Drops the oldest waiting documents while the spool is over its cap. Dispatcher thread.
  void EnforceCap(LogLimiter& limiter) {
    std::int64_t dropped = 0;
    std::int64_t excess = 0;
    {
      std::lock_guard lock(mu);
      excess = SpooledBytes() - static_cast<std::int64_t>(options.spool_max_bytes);
      if (excess <= 0) {
        return;
      }
      FinishOpen();
      // Batches not yet sent are the oldest that can still be dropped (in-flight ones are kept).
      while (excess > 0 && !ready.empty()) {
        Batch& b = ready.front();
        excess -= b.spooled_bytes;
        dropped += b.rows;
        MarkDone(b.last_seq);
        ready.pop_front();
      }
    }
    while (excess > 0 && !stopping.load()) {
      std::int64_t after = 0;
      {
        std::lock_guard lock(mu);
        after = cursor;
      }
      auto sizes = reader->SizesAfter(after, 4096);
      if (!sizes || sizes->empty()) {
        break;
      }
      Range range;
      std::int64_t last = after;
      for (const storage::SpooledSize& s : *sizes) {
        range.documents += 1;
        range.bytes += s.bytes;
        last = s.seq;
        excess -= s.bytes;
        if (excess <= 0) {
          break;
        }
      }
      std::lock_guard lock(mu);
      ranges[last] = range;
      cursor = last;
      dropped += range.documents;
      MarkDone(last);
    }
    if (dropped > 0) {
      fm.dropped_spool_full.fetch_add(static_cast<std::uint64_t>(dropped));
      if (auto suppressed = limiter.Admit(1, SteadyClock::now())) {
        spdlog::warn(
            "forward: spool over its cap of {} bytes: dropped the {} oldest waiting documents "
            "({} dropped in all)",
            options.spool_max_bytes, dropped, fm.dropped_spool_full.load());
      }
    }
  }

  void Dispatch() {
    LowerThreadPriority(options.thread_nice);
    LogLimiter limiter(std::chrono::seconds(10));
    const std::size_t read_ahead = static_cast<std::size_t>(options.concurrency) * 2 + 2;
    while (!stopping.load()) {
      EnforceCap(limiter);
      std::size_t want = 0;
      std::int64_t after = 0;
      {
        std::lock_guard lock(mu);
        const std::size_t backlog = ready.size() + static_cast<std::size_t>(in_flight);
        want = backlog < read_ahead ? (read_ahead - backlog) * BatchLimit() : 0;
        after = cursor;
      }
      std::vector<storage::SpooledDocument> rows;
      if (want > 0) {
        auto read = reader->ReadAfter(after, want, 16u << 20);
        if (!read) {
          if (auto s = limiter.Admit(2, SteadyClock::now())) {
            spdlog::error("forward: cannot read the spool: {}", read.error().message);
          }
        } else {
          rows = std::move(*read);
        }
      }
      std::int64_t missing = 0;
      std::unique_lock lock(mu);
      const auto now = SteadyClock::now();
      for (storage::SpooledDocument& row : rows) {
        const auto bytes = static_cast<std::int64_t>(row.raw.size());
        if (!open.raws.empty() &&
            open.bytes + bytes > static_cast<std::int64_t>(options.max_batch_bytes)) {
          FinishOpen();
        }
        if (open.rows == 0) {
          open.opened = now;
          open.first_received_at = row.received_at;
        }
        if (row.missing) {
          ++missing;
        } else {
          open.raws.push_back(std::move(row.raw));
          open.bytes += bytes;
        }
        ++open.rows;
        open.spooled_bytes += row.bytes;
        open.last_seq = row.seq;
        cursor = row.seq;
        if (open.raws.size() >= BatchLimit()) {
          FinishOpen();
        }
      }
      if (open.rows > 0 && (open.raws.empty() || now - open.opened >= options.idle_flush)) {
        FinishOpen();
      }
      if (missing > 0) {
        // Retention deleted these documents before they could be sent (an outage longer than the
        // retention period, or a store over its size limit): they cannot be forwarded.
        fm.dropped_spool_full.fetch_add(static_cast<std::uint64_t>(missing));
        if (auto s = limiter.Admit(3, SteadyClock::now())) {
          spdlog::warn("forward: {} spooled documents were deleted from the store before they "
                       "could be forwarded (retention): dropped", missing);
        }
      }
      UpdateGauges();
      if (rows.empty() || want == 0) {
        dispatch_cv.wait_for(lock, options.poll_interval, [&] { return stopping.load(); });
      }
    }
  }

  // Sleeps `d` unless stopping; false if stopping.
  bool SleepFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mu);
    return !dispatch_cv.wait_for(lock, d, [&] { return stopping.load(); });
  }

  // One PutTraceSegments attempt. On kAccepted, `unprocessed` holds X-Ray's list.
  Outcome SendOnce(HttpClient& client, const std::vector<std::string_view>& raws,
                   std::vector<UnprocessedSegment>& unprocessed, LogLimiter& limiter) {
    if (stopping.load()) {
      return Outcome::kStopping;
    }
    auto creds = credentials.Get();
    if (!creds) {
      fm.CountError(ForwardErrorKind::kCredentials);
      if (auto s = limiter.Admit(10, SteadyClock::now())) {
        spdlog::error("forward: no credentials to sign with ({}): retrying", creds.error().message);
      }
      return Outcome::kRetry;
    }
    std::string body = BuildPutTraceSegmentsBody(raws);
    SigningRequest signing;
    signing.host = url.HostHeader();
    signing.path = "/TraceSegments";
    signing.headers = {{"content-type", "application/json"}};
    signing.body = body;
    auto signed_headers =
        SignRequest(signing, *creds, options.region, "xray", std::chrono::system_clock::now());
    if (!signed_headers) {
      fm.CountError(ForwardErrorKind::kCredentials);
      if (auto s = limiter.Admit(11, SteadyClock::now())) {
        spdlog::error("forward: cannot sign: {}", signed_headers.error().message);
      }
      return Outcome::kRetry;
    }
    ClientRequest request;
    request.method = "POST";
    request.url = put_url;
    request.timeout = options.request_timeout;
    request.headers.emplace_back("Host", signing.host);
    request.headers.emplace_back("Content-Type", "application/json");
    request.headers.emplace_back("User-Agent", "xrayd/" XRAYD_VERSION " xray-agent/xrayd");
    for (auto& [name, value] : *signed_headers) {
      request.headers.emplace_back(name, value);
    }
    request.body = std::move(body);
    fm.requests.fetch_add(1, std::memory_order_relaxed);
    auto response = client.Send(request);
    if (!response) {
      const HttpErrorKind kind = response.error().kind;
      fm.CountError(ForwardErrorKindOf(kind));
      if (auto s = limiter.Admit(20 + static_cast<int>(kind), SteadyClock::now())) {
        spdlog::warn("forward: PutTraceSegments failed ({}: {}); retrying{}",
                     HttpErrorKindName(kind), response.error().message,
                     *s > 0 ? fmt::format(" ({} more)", *s) : std::string());
      }
      return Outcome::kRetry;
    }
    if (response->status >= 200 && response->status < 300) {
      auto parsed = ParseUnprocessed(response->body);
      if (parsed) {
        unprocessed = std::move(*parsed);
      }
      return Outcome::kAccepted;
    }
    const bool server = response->status >= 500;
    fm.CountError(server ? ForwardErrorKind::kHttp5xx : ForwardErrorKind::kHttp4xx);
    std::string type = response->Header("x-amzn-ErrorType");
    if (type.empty()) {
      const auto json = nlohmann::json::parse(response->body, nullptr, false);
      if (json.is_object() && json.contains("__type") && json["__type"].is_string()) {
        type = json["__type"].get<std::string>();
      }
    }
    const bool retry = IsRetryableStatus(response->status, type);
    if (auto s = limiter.Admit(100 + response->status, SteadyClock::now())) {
      spdlog::warn("forward: PutTraceSegments answered HTTP {} {}{}{}", response->status, type,
                   retry ? "; retrying" : "; not retryable",
                   *s > 0 ? fmt::format(" ({} more)", *s) : std::string());
    }
    return retry ? Outcome::kRetry : Outcome::kRejected;
  }

  void LogRefused(std::string_view raw, std::string_view code, std::string_view message,
                  LogLimiter& limiter) {
    fm.unprocessed.fetch_add(1, std::memory_order_relaxed);
    const DocumentIds ids = ExtractIds(raw);
    if (auto s = limiter.Admit(200, SteadyClock::now())) {
      spdlog::error("forward: X-Ray refused segment {} of trace {}: {} {}{}", ids.id, ids.trace_id,
                    code, message, *s > 0 ? fmt::format(" ({} more refused)", *s) : std::string());
    }
  }

  // Sends `raws` until X-Ray took them (or refused them for good); false only when stopping.
  bool SendWithRetry(HttpClient& client, const std::vector<std::string_view>& raws,
                     std::mt19937_64& random, LogLimiter& limiter) {
    int attempt = 0;
    while (true) {
      std::vector<UnprocessedSegment> unprocessed;
      switch (SendOnce(client, raws, unprocessed, limiter)) {
        case Outcome::kStopping:
          return false;
        case Outcome::kRetry:
          fm.retried.fetch_add(1, std::memory_order_relaxed);
          if (!SleepFor(Backoff(attempt++, options.backoff_initial, options.backoff_max, random))) {
            return false;
          }
          continue;
        case Outcome::kRejected:
          if (raws.size() > 1) {
            // A request-level refusal (e.g. one bad document makes the request invalid): halve
            // until the culprit is alone, so the others still go.
            const std::size_t half = raws.size() / 2;
            std::vector<std::string_view> left(raws.begin(), raws.begin() + half);
            std::vector<std::string_view> right(raws.begin() + half, raws.end());
            return SendWithRetry(client, left, random, limiter) &&
                   SendWithRetry(client, right, random, limiter);
          }
          LogRefused(raws.front(), "InvalidRequest", "request refused", limiter);
          return true;
        case Outcome::kAccepted:
          return HandleUnprocessed(client, raws, unprocessed, random, limiter);
      }
    }
  }

  bool HandleUnprocessed(HttpClient& client, const std::vector<std::string_view>& raws,
                         const std::vector<UnprocessedSegment>& unprocessed,
                         std::mt19937_64& random, LogLimiter& limiter) {
    std::size_t left_out = 0;
    std::vector<DocumentIds> ids;
    if (!unprocessed.empty()) {
      ids.reserve(raws.size());
      for (std::string_view raw : raws) {
        ids.push_back(ExtractIds(raw));
      }
    }
    std::vector<bool> taken(raws.size(), false);
    for (const UnprocessedSegment& u : unprocessed) {
      std::size_t index = raws.size();
      for (std::size_t i = 0; i < raws.size(); ++i) {
        if (!taken[i] && ids[i].id == u.id) {
          index = i;
          break;
        }
      }
      if (index == raws.size()) {
        fm.unprocessed.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("forward: X-Ray refused an unknown segment id '{}': {} {}", u.id,
                      u.error_code, u.message);
        continue;
      }
      taken[index] = true;
      ++left_out;
      if (!IsRetryableErrorCode(u.error_code)) {
        LogRefused(raws[index], u.error_code, u.message, limiter);
        continue;
      }
      if (!RetryOne(client, raws[index], random, limiter)) {
        return false;
      }
    }
    fm.forwarded.fetch_add(raws.size() - std::min(left_out, raws.size()),
                           std::memory_order_relaxed);
    return true;
  }

  // Retries one document X-Ray listed as unprocessed with a retryable code, alone.
  bool RetryOne(HttpClient& client, std::string_view raw, std::mt19937_64& random,
                LogLimiter& limiter) {
    const std::vector<std::string_view> one{raw};
    int attempt = 0;
    int unprocessed_attempts = 0;
    while (true) {
      fm.retried.fetch_add(1, std::memory_order_relaxed);
      if (!SleepFor(Backoff(attempt++, options.backoff_initial, options.backoff_max, random))) {
        return false;
      }
      std::vector<UnprocessedSegment> unprocessed;
      switch (SendOnce(client, one, unprocessed, limiter)) {
        case Outcome::kStopping:
          return false;
        case Outcome::kRetry:
          continue;
        case Outcome::kRejected:
          LogRefused(raw, "InvalidRequest", "request refused", limiter);
          return true;
        case Outcome::kAccepted:
          if (unprocessed.empty()) {
            fm.forwarded.fetch_add(1, std::memory_order_relaxed);
            return true;
          }
          if (!IsRetryableErrorCode(unprocessed.front().error_code) ||
              ++unprocessed_attempts >= options.unprocessed_max_attempts) {
            LogRefused(raw, unprocessed.front().error_code, unprocessed.front().message, limiter);
            return true;
          }
      }
    }
  }

  void Send(int index) {
    LowerThreadPriority(options.thread_nice);
    HttpClient client(options.http);
    std::mt19937_64 random(std::random_device{}() + static_cast<std::uint64_t>(index));
    LogLimiter limiter(std::chrono::seconds(10));
    while (true) {
      Batch batch;
      {
        std::unique_lock lock(mu);
        work_cv.wait(lock, [&] { return stopping.load() || !ready.empty(); });
        if (stopping.load()) {
          return;
        }
        batch = std::move(ready.front());
        ready.pop_front();
        ++in_flight;
      }
      std::vector<std::string_view> raws(batch.raws.begin(), batch.raws.end());
      const bool done = SendWithRetry(client, raws, random, limiter);
      std::lock_guard lock(mu);
      --in_flight;
      if (done) {
        MarkDone(batch.last_seq);
      }
      dispatch_cv.notify_all();
    }
  }
};

Forwarder::Forwarder(ForwarderOptions options, CredentialsProvider& credentials, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), credentials, metrics)) {}

Forwarder::~Forwarder() {
  Stop();
}

Status Forwarder::Start() {
  Impl& d = *impl_;
  auto url = ParseUrl(d.options.endpoint);
  if (!url) {
    return tl::unexpected<Error>(std::move(url.error()));
  }
  d.url = *url;
  d.put_url = d.options.endpoint;
  while (!d.put_url.empty() && d.put_url.back() == '/') {
    d.put_url.pop_back();
  }
  d.put_url += "/TraceSegments";
  auto reader = storage::ForwardQueueReader::Open(d.options.store_path);
  if (!reader) {
    return tl::unexpected<Error>(std::move(reader.error()));
  }
  d.reader = std::move(*reader);
  auto totals = d.reader->Totals();
  if (!totals) {
    return tl::unexpected<Error>(std::move(totals.error()));
  }
  d.base_bytes = totals->bytes;
  d.base_documents = totals->documents;
  d.acked.store(totals->first_seq > 0 ? totals->first_seq - 1 : totals->last_seq);
  d.cursor = d.acked.load();
  if (totals->documents > 0) {
    spdlog::info("forward: {} documents ({} bytes) spooled by an earlier run are sent first",
                 totals->documents, totals->bytes);
  }
  d.fm.enabled.store(1);
  d.stopping.store(false);
  d.dispatcher = std::thread([&d] { d.Dispatch(); });
  for (int i = 0; i < std::max(d.options.concurrency, 1); ++i) {
    d.senders.emplace_back([&d, i] { d.Send(i); });
  }
  return {};
}

void Forwarder::Stop() {
  Impl& d = *impl_;
  {
    std::lock_guard lock(d.mu);
    d.stopping.store(true);
  }
  d.work_cv.notify_all();
  d.dispatch_cv.notify_all();
  if (d.dispatcher.joinable()) {
    d.dispatcher.join();
  }
  for (std::thread& t : d.senders) {
    if (t.joinable()) {
      t.join();
    }
  }
  d.senders.clear();
}

const std::atomic<std::int64_t>& Forwarder::Acknowledged() const {
  return impl_->acked;
}

}  // namespace xrayd::daemon
