#include "daemon/api/http_server.h"

#include <unistd.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <spdlog/spdlog.h>

#include "daemon/core/log_limiter.h"
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

http::response<http::string_body> ToBeast(HttpResponse in, unsigned version, bool keep_alive) {
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
  return out;
}

// What every session of one server shares. The guard is set before the first accept.
struct ServerContext {
  ServerContext(const ApiRouter& r, const HttpServerOptions& o) : router(r), options(o) {}

  const ApiRouter& router;
  const HttpServerOptions& options;
  std::optional<RequestGuard> guard;
  std::mutex log_mu;
  LogLimiter log_limiter{std::chrono::seconds(10)};  // GUARDED_BY(log_mu)

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
    const HttpRequest plain = ToRequest(request);
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
    Send(std::move(response), request.version(), request.keep_alive());
  }

  void Send(HttpResponse response, unsigned version, bool keep_alive) {
    response_ = std::make_shared<http::response<http::string_body>>(
        ToBeast(std::move(response), version, keep_alive));
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
};

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
    impl_->threads.emplace_back([this] { impl_->io.run(); });
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
  // No thread runs the loop any more, so the acceptor can be closed here: the port is free when
  // Stop returns (a close posted to the stopped loop might never run).
  beast::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace xrayd::daemon
