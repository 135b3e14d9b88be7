#include "tests/integration/fake_xray_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "daemon/aws/sigv4.h"

namespace xrayd::testing_support {
namespace {

// One connection's byte stream, plain or TLS.
struct Stream {
  int fd = -1;
  SSL* ssl = nullptr;
  std::string buffer;

  ~Stream() {
    if (ssl != nullptr) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    if (fd >= 0) {
      ::close(fd);
    }
  }
  long Read(char* data, std::size_t n) {
    if (ssl != nullptr) {
      return SSL_read(ssl, data, static_cast<int>(n));
    }
    return ::recv(fd, data, n, 0);
  }
  bool Write(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      long n = ssl != nullptr
                   ? SSL_write(ssl, data.data() + done, static_cast<int>(data.size() - done))
                   : ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Reads until `buffer` holds at least `n` bytes.
  bool Fill(std::size_t n) {
    char chunk[65536];
    while (buffer.size() < n) {
      long got = Read(chunk, sizeof chunk);
      if (got <= 0) {
        return false;
      }
      buffer.append(chunk, static_cast<std::size_t>(got));
    }
    return true;
  }
  bool ReadUntilHeadersEnd(std::size_t& end) {
    char chunk[65536];
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      long got = Read(chunk, sizeof chunk);
      if (got <= 0) {
        return false;
      }
      buffer.append(chunk, static_cast<std::size_t>(got));
    }
    return true;
  }
};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

}  // namespace

void UseTestCredentials() {
  setenv("AWS_ACCESS_KEY_ID", kTestAccessKeyId, 1);    // NOLINT(concurrency-mt-unsafe)
  setenv("AWS_SECRET_ACCESS_KEY", kTestSecretKey, 1);  // NOLINT(concurrency-mt-unsafe)
  setenv("AWS_EC2_METADATA_DISABLED", "true", 1);      // NOLINT(concurrency-mt-unsafe)
  unsetenv("AWS_SESSION_TOKEN");                       // NOLINT(concurrency-mt-unsafe)
}

TlsFiles MakeSelfSignedCertificate(const std::string& dir) {
  TlsFiles files{dir + "/cert.pem", dir + "/key.pem"};
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout '" +
      files.key + "' -out '" + files.cert + "' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0 || !std::filesystem::exists(files.cert)) {  // NOLINT
    return {};
  }
  return files;
}

FakeXray::FakeXray(Options options) : options_(std::move(options)) {
  if (!options_.cert_file.empty()) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (SSL_CTX_use_certificate_chain_file(ctx, options_.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, options_.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      SSL_CTX_free(ctx);
      ctx = nullptr;
    }
    ssl_ctx_ = ctx;
  }
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FakeXray::~FakeXray() {
  stopping_.store(true);
  if (acceptor_.joinable()) {
    acceptor_.join();
  }
  {
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) {
      ::shutdown(fd, SHUT_RDWR);
    }
  }
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (std::thread& t : workers) {
    t.join();
  }
  if (ssl_ctx_ != nullptr) {
    SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
  }
}

std::string FakeXray::Url() const {
  return std::string(options_.cert_file.empty() ? "http" : "https") +
         "://127.0.0.1:" + std::to_string(listener_.Port());
}

void FakeXray::SetDown(bool down) {
  down_.store(down);
  if (down) {
    listener_.Down();
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) {
      ::shutdown(fd, SHUT_RDWR);  // Kept-alive connections die too.
    }
  } else {
    listener_.Up();
  }
}

void FakeXray::FailNext(int n, int status, std::string type) {
  std::lock_guard lock(mu_);
  fail_next_ = n;
  fail_status_ = status;
  fail_type_ = std::move(type);
}

void FakeXray::SetDelay(std::chrono::milliseconds delay) {
  delay_ms_.store(delay.count());
}

void FakeXray::SetUnprocessed(std::function<std::string(const std::string&)> rule) {
  std::lock_guard lock(mu_);
  unprocessed_ = std::move(rule);
}

std::set<std::string> FakeXray::AcceptedIds() const {
  std::lock_guard lock(mu_);
  return ids_;
}

std::vector<std::string> FakeXray::AcceptedRaw() const {
  std::lock_guard lock(mu_);
  return raw_;
}

std::string FakeXray::LastSignatureError() const {
  std::lock_guard lock(mu_);
  return last_signature_error_;
}

void FakeXray::AcceptLoop() {
  while (!stopping_.load()) {
    const int fd = listener_.Accept(std::chrono::milliseconds(50));
    if (fd < 0) {
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::lock_guard lock(mu_);
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void FakeXray::Serve(int fd) {
  Stream stream;
  stream.fd = fd;
  auto forget = [&] {
    std::lock_guard lock(mu_);
    open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  };
  if (ssl_ctx_ != nullptr) {
    stream.ssl = SSL_new(static_cast<SSL_CTX*>(ssl_ctx_));
    SSL_set_fd(stream.ssl, fd);
    if (SSL_accept(stream.ssl) != 1) {
      forget();
      return;
    }
  }
  while (!stopping_.load()) {
    std::size_t end = 0;
    if (!stream.ReadUntilHeadersEnd(end)) {
      break;
    }
    const std::string head = stream.buffer.substr(0, end);
    stream.buffer.erase(0, end + 4);
    std::size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const std::size_t sp1 = request_line.find(' ');
    const std::size_t sp2 = request_line.find(' ', sp1 + 1);
    const std::string method = request_line.substr(0, sp1);
    const std::string target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::vector<std::pair<std::string, std::string>> headers;
    std::size_t content_length = 0;
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t next = head.find("\r\n", pos);
      if (next == std::string::npos) {
        next = head.size();
      }
      const std::string line = head.substr(pos, next - pos);
      pos = next + 2;
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) {
        continue;
      }
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      headers.emplace_back(line.substr(0, colon), value);
      if (Lower(line.substr(0, colon)) == "content-length") {
        content_length = std::strtoul(value.c_str(), nullptr, 10);
      }
    }
    if (!stream.Fill(content_length)) {
      break;
    }
    const std::string body = stream.buffer.substr(0, content_length);
    stream.buffer.erase(0, content_length);
    if (const auto delay = delay_ms_.load(); delay > 0) {
      // Pacing the answer (SetDelay): the slowness is what the test asks for.
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    }
    if (down_.load()) {
      break;  // Went down while this request was read: the connection dies without an answer.
    }
    int status = 200;
    const std::string answer = Handle(method, target, headers, body, status);
    std::string response = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
                           "\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: " +
                           std::to_string(answer.size()) + "\r\n";
    if (status >= 400) {
      const auto json = nlohmann::json::parse(answer, nullptr, false);
      if (json.is_object() && json.contains("__type")) {
        response += "x-amzn-ErrorType: " + json["__type"].get<std::string>() + "\r\n";
      }
    }
    response += "\r\n" + answer;
    if (!stream.Write(response)) {
      break;
    }
  }
  forget();
}

std::string FakeXray::Handle(const std::string& method, const std::string& target,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             const std::string& body, int& status) {
  if (options_.verify_signatures) {
    daemon::VerifyRequest verify;
    verify.method = method;
    const std::size_t q = target.find('?');
    verify.path = target.substr(0, q);
    verify.query = q == std::string::npos ? "" : target.substr(q + 1);
    verify.headers = headers;
    verify.body = body;
    auto checked = daemon::VerifySignature(
        verify,
        [](std::string_view key) -> std::optional<std::string> {
          if (key == kTestAccessKeyId) {
            return std::string(kTestSecretKey);
          }
          return std::nullopt;
        },
        std::chrono::system_clock::now());
    if (!checked) {
      bad_signatures_.fetch_add(1);
      {
        std::lock_guard lock(mu_);
        last_signature_error_ = checked.error().message;
      }
      status = 403;
      return R"({"__type":"InvalidSignatureException","message":"signature mismatch"})";
    }
  }
  if (method != "POST" || target != "/TraceSegments") {
    proxied_.fetch_add(1);
    return nlohmann::json{{"proxied", target}, {"body", body}}.dump();
  }
  requests_.fetch_add(1);
  std::function<std::string(const std::string&)> rule;
  {
    std::lock_guard lock(mu_);
    if (fail_next_ > 0) {
      --fail_next_;
      status = fail_status_;
      return nlohmann::json{{"__type", fail_type_}, {"message", "injected fault"}}.dump();
    }
    rule = unprocessed_;
  }
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("TraceSegmentDocuments") ||
      !json["TraceSegmentDocuments"].is_array()) {
    status = 400;
    return R"({"__type":"InvalidRequestException","message":"no TraceSegmentDocuments"})";
  }
  const auto& docs = json["TraceSegmentDocuments"];
  std::size_t seen = max_batch_.load();
  while (docs.size() > seen && !max_batch_.compare_exchange_weak(seen, docs.size())) {
  }
  if (docs.size() > 50) {
    status = 400;
    return R"({"__type":"InvalidRequestException","message":"Exceeding maximum segment count: 50"})";
  }
  nlohmann::json unprocessed = nlohmann::json::array();
  std::vector<std::pair<std::string, std::string>> accepted;  // (key, raw)
  for (const auto& item : docs) {
    const std::string raw = item.is_string() ? item.get<std::string>() : std::string();
    std::string id;
    std::string trace_id;
    if (options_.record_documents || rule) {
      const auto doc = nlohmann::json::parse(raw, nullptr, false);
      if (doc.is_object()) {
        id = doc.value("id", "");
        trace_id = doc.value("trace_id", "");
      }
    }
    if (rule) {
      if (std::string code = rule(raw); !code.empty()) {
        unprocessed.push_back({{"Id", id}, {"ErrorCode", code}, {"Message", "injected"}});
        continue;
      }
    }
    accepted.emplace_back(trace_id + "/" + id, raw);
  }
  accepted_.fetch_add(accepted.size());
  if (options_.record_documents) {
    std::lock_guard lock(mu_);
    for (auto& [key, raw] : accepted) {
      ids_.insert(key);
      raw_.push_back(std::move(raw));
    }
  }
  return nlohmann::json{{"UnprocessedTraceSegments", unprocessed}}.dump();
}

}  // namespace xrayd::testing_support
