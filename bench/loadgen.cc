// loadgen: sends realistic X-Ray segment documents over UDP to a local xrayd at a paced rate, then
// polls its /metrics until everything is stored and reports loss, drain time and daemon CPU/RSS.
// Loopback only: refuses any --target or --metrics address that is not 127.0.0.0/8 or ::1.
// Single-threaded; plain POSIX sockets (sendmmsg), no Boost. Usage: see Usage() or bench/README.md.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kHeader = "{\"format\":\"json\",\"version\":1}\n";
constexpr int kMaxBatch = 256;

// ---------------------------------------------------------------- options and addresses

struct Options {
  std::string target = "127.0.0.1:2000";
  std::string metrics_url;   // empty: do not poll
  double rate = 50000;       // documents per second
  double duration = 30;      // seconds of sending
  double wait_timeout = 10;  // seconds to wait for the daemon to store everything
  long pid = 0;
  uint64_t seed = 1;
  bool expect_zero_loss = false;
  bool single_segment = false;  // Every document a new, complete single-segment trace.
  int streamed_traces = 0;      // > 0: that many traces' documents interleave (DocumentGenerator).
  double idle_timeout = 120;    // Seconds to wait for the daemon's CPU to go idle after storing.
};

void Usage() {
  std::fprintf(stderr,
               "usage: loadgen --target 127.0.0.1:PORT [--rate DOCS_PER_S] [--duration S]\n"
               "               [--metrics http://127.0.0.1:PORT/metrics] [--pid PID] [--seed N]\n"
               "               [--wait-timeout S] [--expect-zero-loss] [--single-segment]\n"
               "               [--streamed-traces N] [--idle-timeout S]\n"
               "Only loopback targets (127.0.0.0/8, ::1) are accepted.\n");
}

// Parses "host:port" or "[v6]:port" into a loopback sockaddr; nullopt for anything else.
std::optional<sockaddr_storage> ParseLoopback(const std::string& hostport, socklen_t* len) {
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) {
    return std::nullopt;
  }
  std::string host = hostport.substr(0, colon);
  char* end = nullptr;
  long port = std::strtol(hostport.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port <= 0 || port > 65535) {
    return std::nullopt;
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  sockaddr_storage ss{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    if ((ntohl(v4->sin_addr.s_addr) >> 24) != 127) {
      return std::nullopt;
    }
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in);
    return ss;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    if (!IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) {
      return std::nullopt;
    }
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in6);
    return ss;
  }
  return std::nullopt;
}

bool ParseOptions(int argc, char** argv, Options* opt) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--target") {
      opt->target = value();
    } else if (arg == "--metrics") {
      opt->metrics_url = value();
    } else if (arg == "--rate") {
      opt->rate = std::atof(value().c_str());
    } else if (arg == "--duration") {
      opt->duration = std::atof(value().c_str());
    } else if (arg == "--wait-timeout") {
      opt->wait_timeout = std::atof(value().c_str());
    } else if (arg == "--pid") {
      opt->pid = std::atol(value().c_str());
    } else if (arg == "--seed") {
      opt->seed = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--expect-zero-loss") {
      opt->expect_zero_loss = true;
    } else if (arg == "--single-segment") {
      opt->single_segment = true;
    } else if (arg == "--streamed-traces") {
      opt->streamed_traces = std::atoi(value().c_str());
    } else if (arg == "--idle-timeout") {
      opt->idle_timeout = std::atof(value().c_str());
    } else {
      return false;
    }
  }
  return opt->rate > 0 && opt->duration > 0 && opt->wait_timeout >= 0 && opt->idle_timeout >= 0 &&
         opt->streamed_traces >= 0;
}

// ---------------------------------------------------------------- document generator

class DocumentGenerator {
 public:
  // `single_segment`: every document is a new trace of one complete segment (embedded subsegments
  // only: no in-progress placeholder, no independent subsegments).
  // `streamed_traces` > 0: each trace's independent subsegments come before its complete segment
  // (as the SDKs stream them), and the documents of that many traces interleave, one from each in
  // turn, so a trace's documents arrive about `streamed_traces` documents apart.
  DocumentGenerator(uint64_t seed, bool single_segment, int streamed_traces)
      : rng_(seed),
        single_segment_(single_segment),
        streamed_(streamed_traces > 0),
        in_flight_(static_cast<size_t>(std::max(streamed_traces, 1))) {}

  // Returns the next datagram (header line + one document). Without interleaving, traces are
  // generated whole and their documents handed out in order.
  // A complete single-segment trace (1 ms response) annotated loadgen_marker = `marker`; its
  // trace id in `trace_id`.
  std::string Marker(const std::string& marker, std::string* trace_id) {
    const double now = Now();
    char epoch[16];
    std::snprintf(epoch, sizeof(epoch), "%08" PRIx64, static_cast<uint64_t>(now));
    *trace_id = "1-" + std::string(epoch) + '-' + Hex(24);
    return std::string(kHeader) + "{\"trace_id\":\"" + *trace_id + "\",\"id\":\"" + Hex(16) +
           "\",\"name\":\"loadgen-marker\",\"start_time\":" + Num(now - 0.001) +
           ",\"end_time\":" + Num(now) + ",\"annotations\":{\"loadgen_marker\":\"" + marker +
           "\"}}";
  }

  std::string Next() {
    std::deque<std::string>& trace = in_flight_[next_slot_];
    next_slot_ = (next_slot_ + 1) % in_flight_.size();
    if (trace.empty()) {
      GenerateTrace(trace);
    }
    std::string doc = std::move(trace.front());
    trace.pop_front();
    return doc;
  }

 private:
  enum class Size { kSmall, kMedium, kLarge };

  uint64_t Bits() { return rng_(); }
  int Range(int lo, int hi) {
    return lo + static_cast<int>(Bits() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  std::string Hex(int digits) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(static_cast<size_t>(digits), '0');
    uint64_t bits = Bits();
    for (int i = 0; i < digits; ++i) {
      if (i == 16) {
        bits = Bits();
      }
      out[static_cast<size_t>(i)] = kDigits[bits & 0xf];
      bits >>= 4;
    }
    return out;
  }

  static double Now() {
    timeval tv{};
    gettimeofday(&tv, nullptr);
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  }

  static std::string Num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.6f", v);
    return buf;
  }

  std::string Annotations() {
    static constexpr const char* kKeys[] = {"customer_tier", "region_code", "cart_items",
                                            "latency_ms",    "is_retry",    "feature_flag"};
    int count = Range(1, 4);
    std::string out = "\"annotations\":{";
    int first = Range(0, 5);
    for (int i = 0; i < count; ++i) {
      int k = (first + i) % 6;
      if (i > 0) {
        out += ',';
      }
      out += '"' + std::string(kKeys[k]) + "\":";
      switch (k % 3) {
        case 0:
          out += "\"v" + std::to_string(Range(0, 20)) + '"';
          break;
        case 1:
          out += std::to_string(Range(0, 5000));
          break;
        default:
          out += Chance(0.5) ? "true" : "false";
          break;
      }
    }
    return out + '}';
  }

  std::string Http(bool remote) {
    static constexpr const char* kMethods[] = {"GET", "POST", "PUT", "DELETE"};
    static constexpr int kStatus[] = {200, 200, 200, 201, 204, 400, 404, 429, 500, 503};
    std::string out = "\"http\":{\"request\":{\"method\":\"" + std::string(kMethods[Range(0, 3)]) +
                      "\",\"url\":\"https://" + (remote ? "payments" : "shop") +
                      ".example.com/api/v1/orders/" + std::to_string(Range(1, 99999)) + '"';
    if (remote) {
      out += ",\"traced\":" + std::string(Chance(0.5) ? "true" : "false");
    } else {
      out += ",\"user_agent\":\"loadgen/1.0 (bench)\",\"client_ip\":\"10.0." +
             std::to_string(Range(0, 255)) + '.' + std::to_string(Range(1, 254)) + '"';
    }
    out += "},\"response\":{\"status\":" + std::to_string(kStatus[Range(0, 9)]) +
           ",\"content_length\":" + std::to_string(Range(-1, 20000)) + "}}";
    return out;
  }

  // Filler metadata to bring a document to about `target` bytes.
  void Pad(std::string* doc, size_t target) {
    if (doc->size() + 40 >= target) {
      return;
    }
    size_t n = target - doc->size() - 40;
    std::string blob;
    blob.reserve(n);
    while (blob.size() < n) {
      blob += "lorem-ipsum-";
      blob += Hex(8);
      blob += ' ';
    }
    blob.resize(n);
    *doc += ",\"metadata\":{\"bench\":{\"blob\":\"" + blob + "\"}}";
  }

  // One subsegment object, embedded or (with trace_id/parent_id) independent.
  std::string Subsegment(const std::string& id, double start, Size size,
                         const std::string& independent_of, const std::string& trace_id) {
    double end = start + Range(1, 50000) / 1e6;
    std::string out =
        "{\"id\":\"" + id + "\",\"start_time\":" + Num(start) + ",\"end_time\":" + Num(end);
    int kind = Range(0, 3);
    if (kind == 0) {
      out +=
          ",\"name\":\"DynamoDB\",\"namespace\":\"aws\",\"aws\":{\"operation\":\"GetItem\","
          "\"region\":\"us-east-1\",\"table_name\":\"orders\",\"request_id\":\"" +
          Hex(20) + "\",\"retries\":0}";
    } else if (kind == 1) {
      out += ",\"name\":\"payments.example.com\",\"namespace\":\"remote\"," + Http(true);
      if (Chance(0.2)) {
        out +=
            ",\"fault\":true,\"cause\":{\"working_directory\":\"/srv/"
            "app\",\"exceptions\":[{\"id\":\"" +
            Hex(16) +
            "\",\"message\":\"upstream returned 503\",\"type\":\"HttpError\",\"remote\":true}]}";
      }
    } else if (kind == 2) {
      out +=
          ",\"name\":\"orders-db\",\"namespace\":\"remote\",\"sql\":{\"url\":\"postgresql://"
          "db:5432/"
          "orders\",\"sanitized_query\":\"SELECT id, total FROM orders WHERE customer_id = $1\","
          "\"database_type\":\"PostgreSQL\",\"database_version\":\"15.4\",\"user\":\"app\","
          "\"preparation\":\"statement\"}";
    } else {
      out += ",\"name\":\"render-" + std::to_string(Range(1, 9)) + "\"," + Annotations();
    }
    if (!independent_of.empty()) {
      out += ",\"type\":\"subsegment\",\"trace_id\":\"" + trace_id + "\",\"parent_id\":\"" +
             independent_of + '"';
    }
    if (size == Size::kLarge && kind != 3) {
      out += ",\"metadata\":{\"debug\":{\"attempt\":1,\"shard\":" + std::to_string(Range(0, 63)) +
             "}}";
    }
    return out + '}';
  }

  void GenerateTrace(std::deque<std::string>& pending) {
    int roll = Range(0, 99);
    Size size = roll < 50 ? Size::kSmall : roll < 85 ? Size::kMedium : Size::kLarge;
    size_t target = size == Size::kSmall    ? static_cast<size_t>(Range(300, 600))
                    : size == Size::kMedium ? static_cast<size_t>(Range(800, 2000))
                                            : static_cast<size_t>(Range(2500, 4000));
    double now = Now();
    char epoch[16];
    std::snprintf(epoch, sizeof(epoch), "%08" PRIx64, static_cast<uint64_t>(now));
    std::string trace_id = "1-" + std::string(epoch) + '-' + Hex(24);
    std::string root_id = Hex(16);
    double start = now - Range(0, 500000) / 1e6;

    std::string head = "{\"trace_id\":\"" + trace_id + "\",\"id\":\"" + root_id +
                       "\",\"name\":\"shop-" + std::to_string(Range(1, 5)) +
                       "\",\"start_time\":" + Num(start) + ",\"origin\":\"AWS::ECS::Container\"," +
                       "\"user\":\"user" + std::to_string(Range(1, 500)) + "\"," + Annotations() +
                       ",\"service\":{\"version\":\"1.4.2\"}";
    if (size != Size::kSmall) {
      head += ',' + Http(false);
      head += ",\"aws\":{\"ecs\":{\"container\":\"shop-" + Hex(6) +
              "\"},\"xray\":{\"sdk\":\"loadgen\"}}";
    }
    std::vector<std::string> embedded_ids;
    int embedded = size == Size::kSmall    ? Range(0, 1)
                   : size == Size::kMedium ? Range(1, 3)
                                           : Range(2, 5);
    std::string subs;
    for (int i = 0; i < embedded; ++i) {
      embedded_ids.push_back(Hex(16));
      if (i > 0) {
        subs += ',';
      }
      subs += Subsegment(embedded_ids.back(), start + i * 0.001, size, "", "");
    }
    std::string body = std::move(head);
    if (!subs.empty()) {
      body.append(",\"subsegments\":[").append(subs).append("]");
    }

    if (!single_segment_ && Chance(0.03)) {  // in_progress placeholder first, complete later
      std::string partial = body + ",\"in_progress\":true";
      Pad(&partial, target / 2);
      pending.push_back(std::string(kHeader) + partial + '}');
    }
    std::string complete = body + ",\"end_time\":" + Num(start + Range(1000, 900000) / 1e6);
    Pad(&complete, target);
    pending.push_back(std::string(kHeader) + complete + '}');

    if (!single_segment_ && Chance(0.3)) {  // independent subsegments: parent = root or embedded
      int n = Range(1, 2);
      for (int i = 0; i < n; ++i) {
        const std::string& parent = embedded_ids.empty() || Chance(0.5)
                                        ? root_id
                                        : embedded_ids[static_cast<size_t>(Range(0, embedded - 1))];
        std::string sub(kHeader);
        sub += Subsegment(Hex(16), start + 0.002, size, parent, trace_id);
        if (streamed_) {
          pending.insert(pending.end() - 1, std::move(sub));  // Before the complete segment.
        } else {
          pending.push_back(std::move(sub));
        }
      }
    }
  }

  std::mt19937_64 rng_;
  const bool single_segment_;
  const bool streamed_;
  std::vector<std::deque<std::string>> in_flight_;  // One slot without interleaving.
  size_t next_slot_ = 0;
};

// ---------------------------------------------------------------- /metrics and /proc

using Metrics =
    std::map<std::string, double>;  // "name" or "name{labels}" -> value, plus "name:sum"

// One HTTP/1.1 request with Connection: close (a GET when `body` is null, else a JSON POST);
// returns the response body of a 200, else nullopt.
std::optional<std::string> HttpRequest(const sockaddr_storage& addr, socklen_t len,
                                       const std::string& host, const std::string& path,
                                       const std::string* body = nullptr) {
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return std::nullopt;
  }
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  std::string response;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), len) == 0) {
    std::string req = (body == nullptr ? "GET " : "POST ") + path + " HTTP/1.1\r\nHost: " + host +
                      "\r\nConnection: close\r\n";
    if (body != nullptr) {
      req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body->size()) +
             "\r\n\r\n" + *body;
    } else {
      req += "\r\n";
    }
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[16384];
      ssize_t n;
      while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
        response.append(buf, static_cast<size_t>(n));
      }
    }
  }
  close(fd);
  auto start = response.find("\r\n\r\n");
  if (response.compare(0, 12, "HTTP/1.1 200") != 0 || start == std::string::npos) {
    return std::nullopt;
  }
  return response.substr(start + 4);
}

Metrics ParseMetrics(const std::string& text) {
  Metrics m;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    auto space = line.rfind(' ');
    if (space == std::string::npos) {
      continue;
    }
    std::string key = line.substr(0, space);
    double value = std::atof(line.c_str() + space + 1);
    m[key] = value;
    m[key.substr(0, key.find('{')) + ":sum"] += value;
  }
  return m;
}

struct MetricsEndpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string host;
  std::string path;

  std::optional<Metrics> Fetch() const {
    auto body = HttpRequest(addr, len, host, path);
    return body ? std::optional<Metrics>(ParseMetrics(*body)) : std::nullopt;
  }

  // Whether GetTraceSummaries (POST /TraceSummaries on the same address) returns trace `trace_id`
  // with a ResponseTime for `annotation.loadgen_marker = "<marker>"` over the last ten minutes.
  // `marker`: letters, digits and dashes.
  bool SummaryFound(const std::string& marker, const std::string& trace_id) const {
    const double now = static_cast<double>(std::time(nullptr));
    const std::string request =
        "{\"StartTime\":" + std::to_string(now - 600) + ",\"EndTime\":" + std::to_string(now + 60) +
        ",\"FilterExpression\":\"annotation.loadgen_marker = \\\"" + marker + "\\\"\"}";
    auto body = HttpRequest(addr, len, host, "/TraceSummaries", &request);
    return body && body->find("\"Id\":\"" + trace_id + '"') != std::string::npos &&
           body->find("\"ResponseTime\":") != std::string::npos;
  }
};

std::optional<MetricsEndpoint> ParseMetricsUrl(const std::string& url) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    return std::nullopt;
  }
  auto slash = url.find('/', scheme.size());
  MetricsEndpoint ep;
  ep.host = url.substr(scheme.size(),
                       slash == std::string::npos ? std::string::npos : slash - scheme.size());
  ep.path = slash == std::string::npos ? "/metrics" : url.substr(slash);
  auto addr = ParseLoopback(ep.host, &ep.len);
  if (!addr) {
    return std::nullopt;
  }
  ep.addr = *addr;
  return ep;
}

// utime+stime of a process in seconds, from /proc/PID/stat; negative if unreadable.
double ProcessCpuSeconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto paren = stat.rfind(')');
  if (paren == std::string::npos) {
    return -1;
  }
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double utime = 0;
  double stime = 0;
  // After "pid (comm) ", field 3 (state) is index 0; utime is field 14, stime field 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) {
      utime = std::atof(field.c_str());
    } else if (i == 15) {
      stime = std::atof(field.c_str());
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// VmHWM (peak resident set) of a process in KiB; -1 if unreadable.
long PeakRssKib(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, 6, "VmHWM:") == 0) {
      return std::atol(line.c_str() + 6);
    }
  }
  return -1;
}

// System-wide UDP receive-buffer overflows (/proc/net/snmp "Udp: ... RcvbufErrors").
long UdpRcvbufErrors() {
  std::ifstream in("/proc/net/snmp");
  std::string names;
  std::string values;
  while (std::getline(in, names)) {
    if (names.compare(0, 4, "Udp:") == 0 && std::getline(in, values)) {
      std::istringstream n(names);
      std::istringstream v(values);
      std::string name;
      std::string value;
      while (n >> name && v >> value) {
        if (name == "RcvbufErrors") {
          return std::atol(value.c_str());
        }
      }
    }
  }
  return -1;
}

// ---------------------------------------------------------------- sending

struct SendStats {
  uint64_t datagrams = 0;  // accepted by sendmmsg
  uint64_t bytes = 0;
  uint64_t send_errors = 0;
  double seconds = 0;
};

// Sends for `duration` seconds at `rate` datagrams/s: a token bucket refilled from the wall clock,
// one sendmmsg batch per ~1 ms tick, at most 10 ms worth of burst after a stall.
SendStats SendPaced(int fd, DocumentGenerator& gen, double rate, double duration) {
  SendStats stats;
  const auto start = Clock::now();
  const auto stop = start + std::chrono::duration<double>(duration);
  const double max_tokens = std::max(64.0, rate / 100);
  double tokens = 0;
  auto last = start;
  std::vector<std::string> docs(kMaxBatch);
  std::vector<iovec> iov(kMaxBatch);
  std::vector<mmsghdr> msgs(kMaxBatch);
  for (auto now = start; now < stop; now = Clock::now()) {
    tokens =
        std::min(max_tokens, tokens + rate * std::chrono::duration<double>(now - last).count());
    last = now;
    if (tokens < 1) {
      std::this_thread::sleep_for(std::chrono::microseconds(500));
      continue;
    }
    int batch = std::min(kMaxBatch, static_cast<int>(tokens));
    for (int i = 0; i < batch; ++i) {
      docs[static_cast<size_t>(i)] = gen.Next();
      iov[static_cast<size_t>(i)] = {docs[static_cast<size_t>(i)].data(),
                                     docs[static_cast<size_t>(i)].size()};
      msgs[static_cast<size_t>(i)] = {};
      msgs[static_cast<size_t>(i)].msg_hdr.msg_iov = &iov[static_cast<size_t>(i)];
      msgs[static_cast<size_t>(i)].msg_hdr.msg_iovlen = 1;
    }
    int done = 0;
    while (done < batch) {
      int n = sendmmsg(fd, msgs.data() + done, static_cast<unsigned>(batch - done), 0);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        ++stats.send_errors;  // e.g. ECONNREFUSED from an earlier ICMP: skip this datagram
        ++done;
        continue;
      }
      for (int i = done; i < done + n; ++i) {
        stats.bytes += docs[static_cast<size_t>(i)].size();
      }
      stats.datagrams += static_cast<uint64_t>(n);
      done += n;
    }
    tokens -= batch;
  }
  stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return stats;
}

double Delta(const Metrics& after, const Metrics& before, const std::string& key) {
  auto a = after.find(key);
  auto b = before.find(key);
  return (a == after.end() ? 0 : a->second) - (b == before.end() ? 0 : b->second);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!ParseOptions(argc, argv, &opt)) {
    Usage();
    return 2;
  }
  socklen_t target_len = 0;
  auto target = ParseLoopback(opt.target, &target_len);
  if (!target) {
    std::fprintf(stderr, "loadgen: --target %s is not a loopback host:port; refusing\n",
                 opt.target.c_str());
    return 2;
  }
  std::optional<MetricsEndpoint> metrics;
  if (!opt.metrics_url.empty()) {
    metrics = ParseMetricsUrl(opt.metrics_url);
    if (!metrics) {
      std::fprintf(stderr, "loadgen: --metrics %s is not http://<loopback>:PORT/...; refusing\n",
                   opt.metrics_url.c_str());
      return 2;
    }
  }

  int fd = socket(target->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int sndbuf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
  if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr*>(&*target), target_len) != 0) {
    std::perror("loadgen: socket/connect");
    return 1;
  }

  Metrics before;
  if (metrics) {
    auto m = metrics->Fetch();
    if (!m) {
      std::fprintf(stderr, "loadgen: cannot GET %s\n", opt.metrics_url.c_str());
      return 1;
    }
    before = *m;
  }
  const double cpu_before = opt.pid > 0 ? ProcessCpuSeconds(opt.pid) : -1;
  const long rcvbuf_errors_before = UdpRcvbufErrors();

  DocumentGenerator gen(opt.seed, opt.single_segment, opt.streamed_traces);
  std::printf("loadgen: sending to %s at %.0f docs/s for %.1f s\n", opt.target.c_str(), opt.rate,
              opt.duration);
  std::fflush(stdout);
  SendStats sent = SendPaced(fd, gen, opt.rate, opt.duration);
  // The last datagram: a trace the load does not make, found by GetTraceSummaries once the daemon
  // has stored and summarized it.
  std::string marker_trace_id;
  const std::string marker = std::to_string(opt.seed) + '-' + std::to_string(getpid()) + '-' +
                             std::to_string(time(nullptr));
  if (metrics) {
    const std::string datagram = gen.Marker(marker, &marker_trace_id);
    if (send(fd, datagram.data(), datagram.size(), 0) == static_cast<ssize_t>(datagram.size())) {
      ++sent.datagrams;
      sent.bytes += datagram.size();
    } else {
      ++sent.send_errors;
      marker_trace_id.clear();
    }
  }
  const auto send_end = Clock::now();
  close(fd);
  double findable_seconds = -1;
  auto probe_marker = [&](Clock::time_point now) {
    if (findable_seconds < 0 && !marker_trace_id.empty() &&
        metrics->SummaryFound(marker, marker_trace_id)) {
      findable_seconds = std::chrono::duration<double>(now - send_end).count();
    }
  };

  // Wait until everything sent is stored, or storage has stopped growing for 1 s, or the bound.
  Metrics after = before;
  double drain_seconds = -1;
  bool metrics_ok = true;
  if (metrics) {
    const auto deadline = send_end + std::chrono::duration<double>(opt.wait_timeout);
    double last_stored = -1;
    auto last_growth = send_end;
    for (;;) {
      auto m = metrics->Fetch();
      auto now = Clock::now();
      if (!m) {
        metrics_ok = false;
        break;
      }
      after = *m;
      probe_marker(now);
      double stored = Delta(after, before, "xrayd_segments_stored_total");
      if (stored != last_stored) {
        last_stored = stored;
        last_growth = now;
      }
      if (stored >= static_cast<double>(sent.datagrams)) {
        drain_seconds = std::chrono::duration<double>(now - send_end).count();
        break;
      }
      if (now - last_growth > std::chrono::seconds(1) || now > deadline) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // A summary written after its documents is asked for 3 s more, every 100 ms: the queries are
    // the daemon's CPU too.
    const Clock::time_point probe_end = Clock::now() + std::chrono::seconds(3);
    const auto probe_deadline = probe_end < deadline ? probe_end : deadline;
    while (findable_seconds < 0 && !marker_trace_id.empty() && Clock::now() < probe_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      probe_marker(Clock::now());
    }
  }
  const double cpu_stored = opt.pid > 0 ? ProcessCpuSeconds(opt.pid) : -1;
  // Background work (summaries, checkpoints) continues after the last document is stored: the
  // daemon's CPU is counted until it is idle, i.e. two 250 ms samples each under 1 % of a core.
  double idle_seconds = -1;
  if (opt.pid > 0 && cpu_stored >= 0) {
    const auto idle_start = Clock::now();
    const auto idle_deadline = idle_start + std::chrono::duration<double>(opt.idle_timeout);
    double last = cpu_stored;
    int quiet_samples = 0;
    while (quiet_samples < 2 && Clock::now() < idle_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      const double now_cpu = ProcessCpuSeconds(opt.pid);
      quiet_samples = now_cpu - last < 0.0025 ? quiet_samples + 1 : 0;
      last = now_cpu;
    }
    if (quiet_samples >= 2) {
      idle_seconds = std::chrono::duration<double>(Clock::now() - idle_start).count();
    }
  }
  const double cpu_after = opt.pid > 0 ? ProcessCpuSeconds(opt.pid) : -1;
  const long peak_rss_kib = opt.pid > 0 ? PeakRssKib(opt.pid) : -1;
  const long rcvbuf_errors = UdpRcvbufErrors() - rcvbuf_errors_before;

  const double received = Delta(after, before, "xrayd_datagrams_received_total");
  const double accepted = Delta(after, before, "xrayd_segments_accepted_total");
  const double stored = Delta(after, before, "xrayd_segments_stored_total");
  const double rejected = Delta(after, before, "xrayd_segments_rejected_total:sum");
  const double dropped = Delta(after, before, "xrayd_segments_dropped_total:sum");
  const double lost = metrics ? static_cast<double>(sent.datagrams) - stored : 0;
  const double achieved = static_cast<double>(sent.datagrams) / sent.seconds;
  const double cpu = cpu_before >= 0 && cpu_after >= 0 ? cpu_after - cpu_before : -1;
  const double cpu_us_per_segment = cpu >= 0 && stored > 0 ? cpu * 1e6 / stored : -1;
  const double cpu_to_store = cpu_before >= 0 && cpu_stored >= 0 ? cpu_stored - cpu_before : -1;

  std::printf("sent       %" PRIu64 " documents (%" PRIu64 " datagrams, %.1f MB, %" PRIu64
              " send errors) in %.2f s = %.0f docs/s (target %.0f)\n",
              sent.datagrams, sent.datagrams, static_cast<double>(sent.bytes) / 1e6,
              sent.send_errors, sent.seconds, achieved, opt.rate);
  if (metrics) {
    std::printf(
        "daemon     received %.0f, accepted %.0f, stored %.0f, rejected %.0f, dropped %.0f%s\n",
        received, accepted, stored, rejected, dropped, metrics_ok ? "" : " (metrics fetch failed)");
    std::printf(
        "lost       %.0f (sent - stored) = %.3f%%; kernel UDP RcvbufErrors +%ld (system-wide)\n",
        lost, sent.datagrams ? 100.0 * lost / static_cast<double>(sent.datagrams) : 0.0,
        rcvbuf_errors);
    if (drain_seconds >= 0) {
      std::printf("drain      all stored %.3f s after sending ended\n", drain_seconds);
    } else {
      std::printf("drain      NOT all stored (stopped growing or %.0f s bound)\n",
                  opt.wait_timeout);
    }
    if (findable_seconds >= 0) {
      std::printf(
          "findable   the last trace sent was returned by GetTraceSummaries with its "
          "ResponseTime %.3f s after it was sent\n",
          findable_seconds);
    } else {
      std::printf(
          "findable   the last trace sent was NOT returned by GetTraceSummaries (asked until 3 s "
          "after the drain ended, within %.0f s of sending)\n",
          opt.wait_timeout);
    }
  }
  if (opt.pid > 0) {
    std::printf(
        "daemon cpu %.2f s until idle = %.1f us per stored document (%.2f s until all "
        "were stored); peak RSS %.1f MiB\n",
        cpu, cpu_us_per_segment, cpu_to_store, static_cast<double>(peak_rss_kib) / 1024);
    if (idle_seconds >= 0) {
      std::printf("idle       %.2f s after the last document was stored\n", idle_seconds);
    } else {
      std::printf("idle       NOT idle within %.0f s: the CPU figure stops there\n",
                  opt.idle_timeout);
    }
  }
  std::printf("{\"sent\":%" PRIu64 ",\"datagrams\":%" PRIu64 ",\"bytes\":%" PRIu64
              ",\"send_errors\":%" PRIu64
              ",\"send_seconds\":%.3f,\"target_rate\":%.0f,"
              "\"achieved_rate\":%.0f,\"received\":%.0f,\"accepted\":%.0f,\"stored\":%.0f,"
              "\"rejected\":%.0f,\"dropped\":%.0f,\"lost\":%.0f,\"drain_seconds\":%.3f,"
              "\"kernel_rcvbuf_errors\":%ld,\"daemon_cpu_seconds\":%.3f,"
              "\"cpu_us_per_segment\":%.2f,\"cpu_seconds_until_stored\":%.3f,"
              "\"idle_seconds\":%.3f,\"peak_rss_kib\":%ld,\"findable_seconds\":%.3f}\n",
              sent.datagrams, sent.datagrams, sent.bytes, sent.send_errors, sent.seconds, opt.rate,
              achieved, received, accepted, stored, rejected, dropped, lost, drain_seconds,
              rcvbuf_errors, cpu, cpu_us_per_segment, cpu_to_store, idle_seconds, peak_rss_kib,
              findable_seconds);
  if (opt.expect_zero_loss && (!metrics || lost > 0 || !metrics_ok)) {
    std::fprintf(stderr, "loadgen: --expect-zero-loss: %.0f documents lost\n", lost);
    return 1;
  }
  return 0;
}
