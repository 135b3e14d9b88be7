#include "daemon/api/http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <spdlog/spdlog.h>

#include "daemon/core/log_limiter.h"
#include "daemon/core/thread_priority.h"
#include "proto/text.h"

namespace xrayd::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

HttpRequest ToRequest(const http::request<http::string_body>& in) {
  HttpRequest out;
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  for (const auto& field : in) {
    const auto name = field.name_string();
    out.headers[proto::AsciiLower(std::string_view(name.data(), name.size()))] =
        std::string(field.value());
  }
  out.body = in.body();
  return out;
}

// Whether the peer of connected socket `fd` has closed its side or reset the connection: a
// non-blocking peek that finds end of stream or a connection error. Bytes waiting (a pipelined
// request) mean the client is still there.
bool PeerClosed(int fd) {
  char byte = 0;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) {
    return false;
  }
  return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

// `head_only`: the answer to a HEAD, with the headers (Content-Length too) of the body it leaves
// out.
http::response<http::string_body> ToBeast(HttpResponse in, unsigned version, bool keep_alive,
                                          bool head_only) {
  http::response<http::string_body> out{static_cast<http::status>(in.status), version};
  out.set(http::field::server, "xrayd");
  out.set(http::field::content_type, in.content_type);
  for (auto& [name, value] : SecurityHeaders(in.content_type)) {
    out.set(name, value);
  }
  for (auto& [name, value] : in.headers) {
    out.set(name, value);
  }
  out.body() = std::move(in.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  if (head_only) {
    out.body().clear();
  }
  return out;
}

class Session;

// One streamed response: the writer its EventStream holds (any thread) and the session that
// writes what it queues (the session's strand). `open` turns false once, when the session ends,
// the queue overflows or the server stops; after that nothing is posted to the session, so the
// server may stop and destroy its io_context while the stream's owner still holds the writer.
class StreamLink : public EventStreamWriter {
 public:
  StreamLink(std::shared_ptr<EventStream> stream, std::weak_ptr<Session> session,
             net::any_io_executor executor, std::size_t limit)
      : stream_(std::move(stream)),
        session_(std::move(session)),
        executor_(std::move(executor)),
        limit_(limit) {}

  bool Write(std::string bytes) override;
  void Close() override;

  // On the session's strand: what to write next (empty when nothing is queued) and whether the
  // stream asked to be closed after it.
  std::string TakeQueued(bool& close_after);
  // Marks the link closed; true the first time, when the caller must call stream_->Closed().
  bool MarkClosed();
  std::shared_ptr<Session> LockSession() { return session_.lock(); }
  EventStream& Stream() { return *stream_; }

 private:
  void PostFlushLocked();  // REQUIRES: mu_ held, open_.

  const std::shared_ptr<EventStream> stream_;
  const std::weak_ptr<Session> session_;
  const net::any_io_executor executor_;
  const std::size_t limit_;
  std::mutex mu_;
  bool open_ = true;           // GUARDED_BY(mu_)
  bool flush_posted_ = false;  // GUARDED_BY(mu_)
  bool close_asked_ = false;   // GUARDED_BY(mu_)
  std::string queued_;         // GUARDED_BY(mu_)
};

// What every session of one server shares. The guard is set before the first accept.
struct ServerContext {
  ServerContext(const ApiRouter& r, const HttpServerOptions& o) : router(r), options(o) {}

  const ApiRouter& router;
  const HttpServerOptions& options;
  std::optional<RequestGuard> guard;
  std::mutex log_mu;
  LogLimiter log_limiter{std::chrono::seconds(10)};  // GUARDED_BY(log_mu)
  std::mutex streams_mu;
  std::vector<std::weak_ptr<StreamLink>> streams;  // GUARDED_BY(streams_mu)

  void AddStream(const std::shared_ptr<StreamLink>& link) {
    std::lock_guard lock(streams_mu);
    std::erase_if(streams, [](const std::weak_ptr<StreamLink>& s) { return s.expired(); });
    streams.push_back(link);
  }

  // Counts a refusal and logs it, at most once per reason every 10 s with what was suppressed.
  void Refused(ApiRefusal reason, const HttpRequest& request, const HttpResponse& response,
               const std::string& peer) {
    if (options.metrics != nullptr) {
      options.metrics->CountRefused(reason);
    }
    std::optional<std::uint64_t> suppressed;
    {
      std::lock_guard lock(log_mu);
      suppressed = log_limiter.Admit(static_cast<std::uint64_t>(reason), LogLimiter::Clock::now());
    }
    if (!suppressed) {
      return;
    }
    auto header = [&request](const char* name) {
      auto it = request.headers.find(name);
      return it == request.headers.end() ? std::string("-") : it->second;
    };
    spdlog::warn("refused {} {} from {} (reason={}, Host {}, Origin {}): {} {}{}", request.method,
                 request.target.substr(0, request.target.find('?')), peer, ApiRefusalName(reason),
                 header("host"), header("origin"), response.status, response.body,
                 *suppressed > 0 ? fmt::format("; {} more refused for this reason since the last "
                                               "such line",
                                               *suppressed)
                                 : std::string());
  }
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ServerContext& context)
      : stream_(std::move(socket)), context_(context), options_(context.options) {}

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

 private:
  void DoRead() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit_bytes);
    stream_.expires_after(options_.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted) {
      return DoClose();
    }
    if (ec == http::error::body_limit) {
      return Send(JsonError(413, "InvalidRequestException",
                            "request body larger than " +
                                std::to_string(options_.body_limit_bytes) + " bytes"),
                  11, false);
    }
    if (ec) {
      return DoClose();
    }
    const auto& request = parser_->get();
    HttpRequest plain = ToRequest(request);
    // Handlers run on this strand while the socket stays open, so the descriptor outlives them.
    plain.client_gone = [fd = stream_.socket().native_handle()] { return PeerClosed(fd); };
    GuardDecision decision = context_.guard->Check(plain);
    HttpResponse response;
    if (decision.response) {
      response = std::move(*decision.response);
    } else {
      response = context_.router.Handle(plain);
      response.headers.insert(response.headers.end(), decision.headers.begin(),
                              decision.headers.end());
    }
    if (decision.refusal) {
      beast::error_code ec_peer;
      const tcp::endpoint peer = stream_.socket().remote_endpoint(ec_peer);
      context_.Refused(*decision.refusal, plain, response,
                       ec_peer ? std::string("?") : peer.address().to_string());
    }
    const bool head_only = plain.method == "HEAD";
    if (response.stream && !head_only) {
      return StartStream(std::move(response), request.version());
    }
    response.stream.reset();
    Send(std::move(response), request.version(), request.keep_alive(), head_only);
  }

 public:
  // On the strand: writes what the stream queued, one write at a time.
  void FlushStream() {
    if (writing_ || !link_) {
      return;
    }
    bool close_after = false;
    out_ = link_->TakeQueued(close_after);
    if (out_.empty()) {
      if (close_after) {
        EndStream();
      }
      return;
    }
    writing_ = true;
    stream_.expires_after(options_.stream_write_timeout);
    net::async_write(stream_, net::buffer(out_),
                     beast::bind_front_handler(&Session::OnStreamWrite, shared_from_this()));
  }

  // Closes the socket and tells the stream, once. On the strand, or with no thread running the
  // server's loop.
  void EndStream() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
    if (link_ && link_->MarkClosed()) {
      link_->Stream().Closed();
    }
  }

 private:
  void StartStream(HttpResponse response, unsigned version) {
    auto head = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(response.status), version);
    head->set(http::field::server, "xrayd");
    head->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : SecurityHeaders(response.content_type)) {
      head->set(name, value);
    }
    for (auto& [name, value] : response.headers) {
      head->set(name, value);
    }
    head->keep_alive(false);  // The body ends when the connection does.
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    link_ = std::make_shared<StreamLink>(std::move(response.stream), weak_from_this(),
                                         stream_.get_executor(), options_.stream_queue_limit_bytes);
    context_.AddStream(link_);
    stream_.expires_after(options_.stream_write_timeout);
    http::async_write_header(stream_, *serializer,
                             [self = shared_from_this(), head, serializer](
                                 beast::error_code ec, std::size_t) { self->OnStreamHead(ec); });
  }

  void OnStreamHead(beast::error_code ec) {
    if (ec) {
      return EndStream();
    }
    stream_.expires_never();
    // Nothing more is expected from the peer: a read that completes means it closed (or sent
    // something it should not have); either way the stream ends.
    stream_.socket().async_read_some(
        net::buffer(peer_byte_),
        [self = shared_from_this()](beast::error_code, std::size_t) { self->EndStream(); });
    link_->Stream().Open(link_);
    FlushStream();
  }

  void OnStreamWrite(beast::error_code ec, std::size_t) {
    writing_ = false;
    stream_.expires_never();
    if (ec) {
      return EndStream();
    }
    FlushStream();
  }

  void Send(HttpResponse response, unsigned version, bool keep_alive, bool head_only = false) {
    response_ = std::make_shared<http::response<http::string_body>>(
        ToBeast(std::move(response), version, keep_alive, head_only));
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this(), keep_alive));
  }

  void OnWrite(bool keep_alive, beast::error_code ec, std::size_t) {
    if (ec || !keep_alive) {
      return DoClose();
    }
    response_.reset();
    DoRead();
  }

  void DoClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  ServerContext& context_;
  const HttpServerOptions& options_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  // A streamed response's state, on the strand.
  std::shared_ptr<StreamLink> link_;
  std::string out_;
  bool writing_ = false;
  char peer_byte_[1] = {};
};

bool StreamLink::Write(std::string bytes) {
  std::lock_guard lock(mu_);
  if (!open_ || close_asked_) {
    return false;
  }
  if (queued_.size() + bytes.size() > limit_) {
    // The peer reads slower than the stream writes: end it rather than hold memory for it.
    close_asked_ = true;
    queued_.clear();
    PostFlushLocked();
    return false;
  }
  queued_ += bytes;
  PostFlushLocked();
  return true;
}

void StreamLink::Close() {
  std::lock_guard lock(mu_);
  if (!open_ || close_asked_) {
    return;
  }
  close_asked_ = true;
  PostFlushLocked();
}

void StreamLink::PostFlushLocked() {
  if (flush_posted_) {
    return;
  }
  flush_posted_ = true;
  net::post(executor_, [session = session_] {
    if (auto s = session.lock()) {
      s->FlushStream();
    }
  });
}

std::string StreamLink::TakeQueued(bool& close_after) {
  std::lock_guard lock(mu_);
  flush_posted_ = false;
  close_after = close_asked_;
  return std::exchange(queued_, std::string());
}

bool StreamLink::MarkClosed() {
  std::lock_guard lock(mu_);
  const bool first = open_;
  open_ = false;
  return first;
}

}  // namespace

struct HttpServer::Impl {
  Impl(const ApiRouter& r, HttpServerOptions o)
      : options(std::move(o)), context(r, options), acceptor(io) {}

  void DoAccept() {
    acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) {
        return;
      }
      if (!ec) {
        std::make_shared<Session>(std::move(socket), context)->Run();
      }
      DoAccept();
    });
  }

  const HttpServerOptions options;
  ServerContext context;
  net::io_context io;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  Endpoint local;
};

HttpServer::HttpServer(const ApiRouter& router, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(router, options)) {}

HttpServer::~HttpServer() {
  Stop();
}

Status HttpServer::Start(const Endpoint& address) {
  beast::error_code ec;
  const std::string host = address.host == "localhost" ? "127.0.0.1" : address.host;
  const net::ip::address ip = net::ip::make_address(host, ec);
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "TCP address '" + address.ToString() + "': not an IP address");
  }
  const tcp::endpoint endpoint(ip, address.port);
  tcp::acceptor& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return MakeError(ErrorCode::kIOError,
                     "cannot listen on TCP " + address.ToString() + ": " + ec.message());
  }
  const tcp::endpoint bound = acceptor.local_endpoint(ec);
  impl_->local = Endpoint{bound.address().to_string(), bound.port()};
  char host_name[256] = {};
  if (gethostname(host_name, sizeof(host_name) - 1) != 0) {
    host_name[0] = '\0';
  }
  impl_->context.guard.emplace(impl_->options.security,
                               GuardEnvironment{impl_->local.host, host_name});
  if (!bound.address().is_loopback() && !impl_->context.guard->Authenticating()) {
    spdlog::warn(
        "TCP {} is not a loopback address and --api-auth is off: the API is open to that "
        "network (anyone who reaches it can read every trace and change groups and sampling "
        "rules); see docs/security.md",
        impl_->local.ToString());
  }
  impl_->DoAccept();
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] {
      LowerThisThreadPriority(impl_->options.thread_nice);
      impl_->io.run();
    });
  }
  return {};
}

Endpoint HttpServer::LocalEndpoint() const {
  return impl_->local;
}

void HttpServer::Stop() {
  if (impl_->threads.empty()) {
    return;
  }
  // Open keep-alive sessions would keep run() alive until their read timeout: stop the loop.
  impl_->io.stop();
  for (std::thread& t : impl_->threads) {
    t.join();
  }
  impl_->threads.clear();
  // Streamed connections would stay open until the io_context is destroyed: close them now
  // (no thread runs the loop, so the sessions' sockets are touched by this thread alone).
  std::vector<std::weak_ptr<StreamLink>> streams;
  {
    std::lock_guard lock(impl_->context.streams_mu);
    streams.swap(impl_->context.streams);
  }
  for (const std::weak_ptr<StreamLink>& weak : streams) {
    if (auto link = weak.lock()) {
      if (auto session = link->LockSession()) {
        session->EndStream();
      } else if (link->MarkClosed()) {
        link->Stream().Closed();
      }
    }
  }
  // No thread runs the loop any more, so the acceptor can be closed here: the port is free when
  // Stop returns (a close posted to the stopped loop might never run).
  beast::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace xrayd::daemon
