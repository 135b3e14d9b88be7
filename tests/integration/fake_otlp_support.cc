#include "tests/integration/fake_otlp_support.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "daemon/otlp/otlp_decode.h"

namespace xrayd::testing_support {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out.push_back(kDigits[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kDigits[static_cast<unsigned char>(c) & 15]);
  }
  return out;
}

// Reads one request: headers (lower-case names) and the Content-Length body. False on EOF/error.
bool ReadRequest(int fd, std::map<std::string, std::string>& headers, std::string& body) {
  std::string buffer;
  char chunk[65536];
  std::size_t end = 0;
  while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
    if (got <= 0) {
      return false;
    }
    buffer.append(chunk, static_cast<std::size_t>(got));
  }
  const std::string head = buffer.substr(0, end);
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos < head.size()) {
    pos += 2;
    std::size_t next = head.find("\r\n", pos);
    const std::string line =
        head.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      headers[Lower(line.substr(0, colon))] = value;
    }
    pos = next;
  }
  const std::size_t length =
      headers.count("content-length") ? std::stoul(headers["content-length"]) : 0;
  body = buffer.substr(end + 4);
  while (body.size() < length) {
    const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
    if (got <= 0) {
      return false;
    }
    body.append(chunk, static_cast<std::size_t>(got));
  }
  return true;
}

void Answer(int fd, int status, const std::string& content_type, const std::string& body) {
  const std::string response =
      "HTTP/1.1 " + std::to_string(status) + " Status\r\nContent-Type: " + content_type +
      "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::size_t sent = 0;
  while (sent < response.size()) {
    const ssize_t n = ::send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return;
    }
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace

FakeOtlp::FakeOtlp() {
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FakeOtlp::~FakeOtlp() {
  stopping_.store(true);
  if (acceptor_.joinable()) {
    acceptor_.join();
  }
}

std::string FakeOtlp::Url() const {
  return "http://127.0.0.1:" + std::to_string(Port()) + "/v1/traces";
}

void FakeOtlp::FailNext(int n, int status) {
  std::lock_guard lock(mu_);
  fail_next_ = n;
  fail_status_ = status;
}

void FakeOtlp::SetDown(bool down) {
  if (down) {
    listener_.Down();
  } else {
    listener_.Up();
  }
}

std::vector<FakeOtlp::Received> FakeOtlp::Accepted() const {
  std::lock_guard lock(mu_);
  return accepted_;
}

std::vector<std::string> FakeOtlp::SpanIds() const {
  std::set<std::string> seen;
  std::vector<std::string> ids;
  for (const Received& r : Accepted()) {
    for (const auto& rs : r.request.resource_spans()) {
      for (const auto& ss : rs.scope_spans()) {
        for (const auto& span : ss.spans()) {
          if (seen.insert(Hex(span.span_id())).second) {
            ids.push_back(Hex(span.span_id()));
          }
        }
      }
    }
  }
  return ids;
}

void FakeOtlp::AcceptLoop() {
  // One request per connection, served on this thread: the exporter's requests are sequential
  // per sender thread and small. A connection that sends nothing (a stray client on a reused port)
  // is given up after 2 s, so it cannot hold up the exporter's requests queued behind it.
  while (!stopping_.load()) {
    const int fd = listener_.Accept(std::chrono::milliseconds(50));
    if (fd >= 0) {
      const timeval timeout{2, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      Serve(fd);
      ::close(fd);
    }
  }
}

void FakeOtlp::Serve(int fd) {
  Received received;
  std::string body;
  if (!ReadRequest(fd, received.headers, body)) {
    return;
  }
  requests_.fetch_add(1);
  {
    std::lock_guard lock(mu_);
    if (fail_next_ > 0) {
      --fail_next_;
      Answer(fd, fail_status_, "text/plain", "injected failure");
      return;
    }
  }
  if (received.headers["content-encoding"] == "gzip") {
    auto unpacked = daemon::otlp::Gunzip(body, 64u << 20);
    if (!unpacked) {
      Answer(fd, 400, "text/plain", "bad gzip");
      return;
    }
    body = std::move(*unpacked);
  }
  const bool json = received.headers["content-type"].rfind("application/json", 0) == 0;
  auto decoded = json ? daemon::otlp::DecodeJson(body) : daemon::otlp::DecodeProtobuf(body);
  if (!decoded) {
    Answer(fd, 400, "text/plain", decoded.error().message);
    return;
  }
  received.request = std::move(*decoded);
  if (json) {
    received.json = nlohmann::json::parse(body, nullptr, false);
  }
  {
    std::lock_guard lock(mu_);
    accepted_.push_back(std::move(received));
  }
  if (json) {
    Answer(fd, 200, "application/json", "{}");
  } else {
    Answer(fd, 200, "application/x-protobuf", "");
  }
}

}  // namespace xrayd::testing_support
