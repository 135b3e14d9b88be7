// OTLP/HTTP load generator: sends ExportTraceServiceRequests of --batch spans (protobuf, no gzip)
// to xrayd's POST /v1/traces on 127.0.0.1:--port over one keep-alive connection, as fast as the
// daemon answers (closed loop; a 503 is sent again after 20 ms), then waits until every span
// answered 200 is stored and reports spans/s and the daemon's CPU per span (see bench/README.md,
// "OTLP/HTTP benchmark").
//   otlp_loadgen --port P --metrics-port T --pid PID [--batches N] [--batch 512]
// Loopback only. Exit 1 if a request failed or a span was not stored (zero loss).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace {

using Request = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using Clock = std::chrono::steady_clock;

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// One request on `fd`; returns the HTTP status (0 on a transport error). Reads exactly the
// response (headers + Content-Length body) so the connection can be reused.
int Exchange(int fd, const std::string& request, std::string& buffer) {
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return 0;
    }
    sent += static_cast<std::size_t>(n);
  }
  buffer.clear();
  char chunk[8192];
  std::size_t end = std::string::npos;
  std::size_t length = 0;
  while (true) {
    if (end == std::string::npos && (end = buffer.find("\r\n\r\n")) != std::string::npos) {
      const std::size_t at = buffer.find("Content-Length: ");
      length = at < end ? std::strtoul(buffer.c_str() + at + 16, nullptr, 10) : 0;
    }
    if (end != std::string::npos && buffer.size() >= end + 4 + length) {
      break;
    }
    const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      return 0;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  return buffer.compare(0, 9, "HTTP/1.1 ") == 0 ? std::atoi(buffer.c_str() + 9) : 0;
}

// xrayd_segments_stored_total from /metrics on 127.0.0.1:port; -1 when unreadable.
double StoredTotal(int port) {
  const int fd = Connect(port);
  if (fd < 0) {
    return -1;
  }
  std::string buffer;
  const int status = Exchange(fd, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", buffer);
  close(fd);
  const std::string key = "\nxrayd_segments_stored_total ";
  const std::size_t at = buffer.find(key);
  return status == 200 && at != std::string::npos ? std::atof(buffer.c_str() + at + key.size())
                                                  : -1;
}

// utime+stime of `pid` in seconds (/proc/PID/stat fields 14 and 15).
double CpuSeconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double total = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) {
      total += std::atof(field.c_str());
    }
  }
  return total / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A request of `spans` SERVER spans of service "bench", 64 spans per trace, ids from `serial`.
std::string Body(int spans, std::uint64_t& serial, std::uint64_t now_nanos) {
  Request request;
  auto* rs = request.add_resource_spans();
  auto* attr = rs->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("bench");
  auto* scope = rs->add_scope_spans();
  for (int i = 0; i < spans; ++i, ++serial) {
    char trace[16] = {};
    char id[8] = {};
    const std::uint64_t trace_serial = serial / 64;
    std::memcpy(trace, "\xbe\x9c\x00\x01", 4);
    std::memcpy(trace + 8, &trace_serial, 8);
    const std::uint64_t span_serial = serial + 1;
    std::memcpy(id, &span_serial, 8);
    auto* span = scope->add_spans();
    span->set_trace_id(trace, 16);
    span->set_span_id(id, 8);
    span->set_name("GET /bench");
    span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
    span->set_start_time_unix_nano(now_nanos);
    span->set_end_time_unix_nano(now_nanos + 1'000'000);
    auto* method = span->add_attributes();
    method->set_key("http.request.method");
    method->mutable_value()->set_string_value("GET");
    auto* status = span->add_attributes();
    status->set_key("http.response.status_code");
    status->mutable_value()->set_int_value(200);
    auto* tenant = span->add_attributes();
    tenant->set_key("tenant");
    tenant->mutable_value()->set_string_value("t" + std::to_string(serial % 10));
  }
  return request.SerializeAsString();
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  int metrics_port = 0;
  long pid = 0;
  int batches = 200;
  int batch = 512;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const long value = std::atol(argv[i + 1]);
    if (flag == "--port") {
      port = static_cast<int>(value);
    } else if (flag == "--metrics-port") {
      metrics_port = static_cast<int>(value);
    } else if (flag == "--pid") {
      pid = value;
    } else if (flag == "--batches") {
      batches = static_cast<int>(value);
    } else if (flag == "--batch") {
      batch = static_cast<int>(value);
    }
  }
  if (port <= 0 || metrics_port <= 0 || pid <= 0 || batches <= 0 || batch <= 0) {
    std::fprintf(stderr,
                 "usage: otlp_loadgen --port P --metrics-port T --pid PID [--batches N] "
                 "[--batch 512]\n");
    return 2;
  }
  const auto now_nanos =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  // Bodies are built before the clock starts: the figure is the daemon's, not the encoder's.
  std::vector<std::string> requests;
  std::uint64_t serial = 0;
  for (int i = 0; i < batches; ++i) {
    const std::string body = Body(batch, serial, now_nanos);
    requests.push_back(
        "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        "application/x-protobuf\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  const double stored_before = StoredTotal(metrics_port);
  const double cpu_before = CpuSeconds(pid);
  const int fd = Connect(port);
  if (fd < 0 || stored_before < 0) {
    std::fprintf(stderr, "otlp_loadgen: cannot reach 127.0.0.1:%d or its /metrics\n", port);
    return 1;
  }
  const auto start = Clock::now();
  std::string buffer;
  long accepted = 0;
  int failed = 0;
  long retries = 0;
  for (const std::string& request : requests) {
    int status = Exchange(fd, request, buffer);
    // 503: the ingest queue is full. Sent again after 20 ms, as an OTLP client retries (without
    // waiting the whole Retry-After second), so the rate is the one the daemon sustains.
    for (int attempt = 0; status == 503 && attempt < 500; ++attempt) {
      ++retries;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      status = Exchange(fd, request, buffer);
    }
    if (status == 200) {
      accepted += batch;
    } else {
      ++failed;
    }
  }
  close(fd);
  const double sent_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  // Idle: every accepted span stored (or 60 s passed).
  double stored = 0;
  while ((stored = StoredTotal(metrics_port) - stored_before) < static_cast<double>(accepted) &&
         Clock::now() - start < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double total_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = CpuSeconds(pid) - cpu_before;
  const long spans = static_cast<long>(batches) * batch;
  std::printf(
      "sent     %ld spans in %d requests of %d (%ld retried after 503, %d failed) in %.2f s\n",
      spans, batches, batch, retries, failed, sent_seconds);
  std::printf("stored   %.0f of %ld accepted, all stored %.2f s after the first request\n", stored,
              accepted, total_seconds);
  std::printf("rate     %.0f spans/s (accepted spans / time until all stored)\n",
              static_cast<double>(accepted) / total_seconds);
  std::printf("daemon   cpu %.2f s = %.1f us per stored span\n", cpu,
              stored > 0 ? cpu * 1e6 / stored : 0.0);
  std::printf(
      "{\"spans\":%ld,\"accepted\":%ld,\"stored\":%.0f,\"failed_requests\":%d,\"seconds\":%.3f,"
      "\"retries\":%ld,\"spans_per_s\":%.0f,\"cpu_us_per_span\":%.2f}\n",
      spans, accepted, stored, failed, total_seconds, retries,
      static_cast<double>(accepted) / total_seconds, stored > 0 ? cpu * 1e6 / stored : 0.0);
  return failed == 0 && stored >= static_cast<double>(spans) ? 0 : 1;
}
