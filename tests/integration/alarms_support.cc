#include "tests/integration/alarms_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <random>

namespace xrayd::testing_support {

namespace {

sockaddr_in LoopbackAddress(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string RandomHex(std::size_t digits) {
  static std::mt19937_64 random{std::random_device{}()};
  static std::mutex mu;
  std::lock_guard lock(mu);
  const char* hex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < digits; ++i) {
    out += hex[random() % 16];
  }
  return out;
}

// Reads one request (head and Content-Length body) from `fd`; "" on error or timeout.
std::string ReadRequest(int fd, std::string& head) {
  std::string data;
  char buf[4096];
  std::size_t header_end = std::string::npos;
  std::size_t length = 0;
  for (;;) {
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        head = Lower(data.substr(0, header_end));
        if (auto at = head.find("content-length:"); at != std::string::npos) {
          length = std::stoul(head.substr(at + 15));
        }
      }
    }
    if (header_end != std::string::npos && data.size() >= header_end + 4 + length) {
      return data.substr(header_end + 4, length);
    }
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      return "";
    }
    data.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

HttpResult Exchange(std::uint16_t port, const std::string& method, const std::string& path,
                    const std::map<std::string, std::string>& headers, const std::string& body) {
  HttpResult result;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return result;
  }
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  const sockaddr_in addr = LoopbackAddress(port);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return result;
  }
  std::string request = method + " " + path +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n";
  for (const auto& [name, value] : headers) {
    request += name + ": " + value + "\r\n";
  }
  request += "\r\n" + body;
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
    close(fd);
    return result;
  }
  std::string response;
  char buf[8192];
  ssize_t n = 0;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
    response.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  if (response.rfind("HTTP/1.1 ", 0) == 0 && response.size() > 12) {
    result.status = std::stoi(response.substr(9, 3));
  }
  if (auto end = response.find("\r\n\r\n"); end != std::string::npos) {
    result.headers = response.substr(0, end);
    result.body = response.substr(end + 4);
  }
  return result;
}

HttpResult CloudWatchJson(std::uint16_t port, const std::string& operation,
                          const nlohmann::json& params) {
  return Exchange(port, "POST", "/",
                  {{"Content-Type", "application/x-amz-json-1.0"},
                   {"X-Amz-Target", "GraniteServiceVersion20100801." + operation}},
                  params.dump());
}

HttpResult CloudWatchCbor(std::uint16_t port, const std::string& operation,
                          const nlohmann::json& params) {
  const std::vector<std::uint8_t> cbor = nlohmann::json::to_cbor(params);
  return Exchange(port, "POST", "/service/GraniteServiceVersion20100801/operation/" + operation,
                  {{"Content-Type", "application/cbor"},
                   {"Accept", "application/cbor"},
                   {"smithy-protocol", "rpc-v2-cbor"}},
                  std::string(cbor.begin(), cbor.end()));
}

HttpResult CloudWatchQuery(std::uint16_t port, const std::string& form) {
  return Exchange(port, "POST", "/",
                  {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                   {"Authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/monitoring/"
                    "aws4_request, SignedHeaders=content-type;host, Signature=00"}},
                  form);
}

HttpResult CloudWatchQueryUnsigned(std::uint16_t port, const std::string& form) {
  return Exchange(port, "POST", "/",
                  {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, form);
}

namespace {

// Copies the CBOR item at in[pos] to `out` without its tags: nlohmann::json rejects tags 0-5
// (tag 1 marks RPC v2 CBOR timestamps) even when told to ignore tags. False if malformed.
bool CopyUntagged(const std::string& in, std::size_t& pos, std::string& out, int depth) {
  if (depth > 64 || pos >= in.size()) {
    return false;
  }
  const std::size_t head = pos;
  const auto initial = static_cast<std::uint8_t>(in[pos++]);
  const int major = initial >> 5;
  const int info = initial & 0x1f;
  std::uint64_t value = static_cast<std::uint64_t>(info);
  if (info >= 24 && info <= 27) {
    const std::size_t size = std::size_t{1} << (info - 24);
    if (pos + size > in.size()) {
      return false;
    }
    value = 0;
    for (std::size_t i = 0; i < size; ++i) {
      value = (value << 8) | static_cast<std::uint8_t>(in[pos++]);
    }
  } else if (info > 27 && !(info == 31 && major >= 2 && major <= 5)) {
    return false;  // Reserved, or a break byte where an item belongs.
  }
  if (major == 6) {  // A tag: drop its head, keep the tagged item.
    return CopyUntagged(in, pos, out, depth + 1);
  }
  out.append(in, head, pos - head);
  if (info == 31) {  // Indefinite length: items up to the break byte.
    while (pos < in.size() && static_cast<std::uint8_t>(in[pos]) != 0xff) {
      if (!CopyUntagged(in, pos, out, depth + 1)) {
        return false;
      }
    }
    if (pos >= in.size()) {
      return false;
    }
    out += in[pos++];
    return true;
  }
  if (major == 2 || major == 3) {
    if (pos + value > in.size()) {
      return false;
    }
    out.append(in, pos, value);
    pos += value;
  } else if (major == 4 || major == 5) {
    const std::uint64_t items = major == 5 ? 2 * value : value;
    for (std::uint64_t i = 0; i < items; ++i) {
      if (!CopyUntagged(in, pos, out, depth + 1)) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

nlohmann::json FromCbor(const std::string& body) {
  std::string untagged;
  std::size_t pos = 0;
  if (!CopyUntagged(body, pos, untagged, 0) || pos != body.size()) {
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
  return nlohmann::json::from_cbor(untagged, true, false);
}

std::string Header(const HttpResult& result, const std::string& name) {
  const std::string head = Lower(result.headers);
  const std::string key = "\r\n" + Lower(name) + ":";
  const auto at = head.find(key);
  if (at == std::string::npos) {
    return "";
  }
  const auto start = result.headers.find_first_not_of(' ', at + key.size());
  const auto end = result.headers.find("\r\n", start);
  return result.headers.substr(start, end == std::string::npos ? end : end - start);
}

std::string TierSegmentDatagram(const std::string& tier) {
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  char epoch[9];
  std::snprintf(epoch, sizeof(epoch), "%08x", static_cast<unsigned>(now));
  const nlohmann::json segment = {{"trace_id", "1-" + std::string(epoch) + "-" + RandomHex(24)},
                                  {"id", RandomHex(16)},
                                  {"name", "shop"},
                                  {"start_time", now - 0.2},
                                  {"end_time", now},
                                  {"annotations", {{"tier", tier}}}};
  return "{\"format\":\"json\",\"version\":1}\n" + segment.dump();
}

void SendTierSegment(std::uint16_t udp_port, const std::string& tier) {
  SendUdp(udp_port, TierSegmentDatagram(tier));
}

FakeWebhook::FakeWebhook(int failures) : failures_(failures) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = LoopbackAddress(0);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 16) != 0) {
    return;
  }
  socklen_t size = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &size);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

FakeWebhook::~FakeWebhook() {
  stopping_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
  if (listen_fd_ >= 0) {
    close(listen_fd_);
  }
}

std::string FakeWebhook::Url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/hook";
}

std::vector<std::string> FakeWebhook::Delivered() const {
  std::lock_guard lock(mu_);
  return delivered_;
}

std::string FakeWebhook::LastContentType() const {
  std::lock_guard lock(mu_);
  return content_type_;
}

void FakeWebhook::Serve() {
  while (!stopping_) {
    pollfd ready{listen_fd_, POLLIN, 0};
    if (poll(&ready, 1, 50) <= 0) {
      continue;  // The poll timeout only bounds how late a stop is seen.
    }
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    std::string head;
    const std::string body = ReadRequest(fd, head);
    const bool fail = requests_.fetch_add(1) < failures_;
    if (!fail) {
      std::lock_guard lock(mu_);
      delivered_.push_back(body);
      const auto at = head.find("content-type:");
      content_type_ =
          at == std::string::npos ? "" : head.substr(at + 14, head.find("\r\n", at) - (at + 14));
    }
    const std::string response = fail ? "HTTP/1.1 500 Internal Server Error\r\nContent-Length: "
                                        "0\r\nConnection: close\r\n\r\n"
                                      : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: "
                                        "close\r\n\r\nok";
    (void)send(fd, response.data(), response.size(), MSG_NOSIGNAL);
    close(fd);
  }
}

}  // namespace xrayd::testing_support
