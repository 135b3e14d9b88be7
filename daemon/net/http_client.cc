#include "daemon/net/http_client.h"

#include <openssl/ssl.h>

#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace xrayd::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using TcpProtocol = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using OutgoingRequest = http::request<http::string_body>;

namespace {

bool IsIpLiteral(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// "host:port" as CONNECT names it (brackets for IPv6, the port always).
std::string TunnelAuthority(const ParsedUrl& url) {
  return (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host) + ":" +
         std::to_string(url.port);
}

// The Beast request for `request`: headers checked and completed, absolute form when an http
// target goes through `proxy` (then with the proxy's credentials).
HttpResult<OutgoingRequest> BuildMessage(const ClientRequest& request, const ParsedUrl& url,
                                         const ProxyUrl* proxy, const std::string& what) {
  const bool absolute_form = proxy != nullptr && url.scheme == "http";
  OutgoingRequest message;
  message.method_string(request.method);
  message.target(absolute_form ? url.scheme + "://" + url.HostHeader() + url.target : url.target);
  message.version(11);
  bool has_host = false;
  bool has_agent = false;
  for (const auto& [name, value] : request.headers) {
    if (value.find_first_of("\r\n") != std::string::npos) {
      std::string error_text = what;
      error_text.append(": header ").append(name).append(" contains a line break");
      return MakeHttpError(HttpErrorKind::kBadUrl, ErrorCode::kInvalidArgument,
                           std::move(error_text));
    }
    has_host = has_host || HeaderNameEquals(name, "host");
    has_agent = has_agent || HeaderNameEquals(name, "user-agent");
    message.insert(name, value);
  }
  if (!has_host) {
    message.set(http::field::host, url.HostHeader());
  }
  if (!has_agent) {
    message.set(http::field::user_agent, "xrayd/" XRAYD_VERSION);
  }
  if (absolute_form && proxy->has_credentials) {
    message.set(http::field::proxy_authorization, proxy->BasicAuthorization());
  }
  message.body() = request.body;
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    message.prepare_payload();
  }
  return message;
}

}  // namespace

struct HttpClient::Impl {
  explicit Impl(HttpClientOptions opts) : options(std::move(opts)), tls(ssl::context::tls_client) {}

  HttpClientOptions options;
  net::io_context io;
  ssl::context tls;
  bool tls_ready = false;
  std::string origin;  // Key of the open connection (proxy and target origin), "" if none.
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  // Runs the io_context until the pending operation completes or `deadline` passes.
  void RunUntil(SteadyClock::time_point deadline, const bool& done) {
    io.restart();
    while (!done && !io.stopped()) {
      if (io.run_one_until(deadline) == 0 && SteadyClock::now() >= deadline) {
        break;
      }
    }
  }

  // Completion of the pending operation. Members, not locals: a cancelled operation's handler may
  // run later, in Close().
  bool op_done = false;
  beast::error_code op_error;

  // Starts an operation with `start(handler)` and runs until it completes or `deadline` passes.
  // True if it completed (its error, if any, in op_error).
  template <typename Start>
  bool Await(SteadyClock::time_point deadline, Start&& start) {
    op_done = false;
    op_error = {};
    start([this](beast::error_code e, auto&&...) {
      op_error = e;
      op_done = true;
    });
    RunUntil(deadline, op_done);
    return op_done;
  }

  beast::tcp_stream& Tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  // Closes the connection and completes the handlers of cancelled operations: call it before the
  // locals those handlers write to go out of scope.
  void Close() {
    beast::error_code ignored;
    if (secure) {
      beast::get_lowest_layer(*secure).socket().close(ignored);
    }
    if (plain) {
      plain->socket().close(ignored);
    }
    secure.reset();
    plain.reset();
    origin.clear();
    buffer.clear();
    io.restart();
    io.poll();
  }

  HttpStatus PrepareTls() {
    if (tls_ready) {
      return {};
    }
    beast::error_code ec;
    if (!options.ca_file.empty()) {
      tls.load_verify_file(options.ca_file, ec);
    } else {
      tls.set_default_verify_paths(ec);
    }
    if (ec) {
      return MakeHttpError(HttpErrorKind::kTls, ErrorCode::kIOError,
                           "cannot load CA certificates: " + ec.message());
    }
    tls.set_verify_mode(options.verify_tls ? ssl::verify_peer : ssl::verify_none);
    tls_ready = true;
    return {};
  }

  // Resolves the TCP peer; `peer_is_proxy` only changes the wording of errors.
  HttpResult<TcpProtocol::resolver::results_type> Resolve(const std::string& host,
                                                          std::uint16_t port, bool peer_is_proxy,
                                                          SteadyClock::time_point deadline,
                                                          const std::string& what) {
    TcpProtocol::resolver resolver(io);
    bool done = false;
    beast::error_code ec;
    TcpProtocol::resolver::results_type endpoints;
    resolver.async_resolve(host, std::to_string(port),
                           [&](beast::error_code e, TcpProtocol::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                             done = true;
                           });
    RunUntil(deadline, done);
    const std::string named = (peer_is_proxy ? "proxy " : "") + host;
    if (!done) {
      resolver.cancel();
      io.restart();
      io.poll();
      return MakeHttpError(HttpErrorKind::kTimeout, ErrorCode::kIOError,
                           what + ": timed out resolving " + named);
    }
    if (ec) {
      return MakeHttpError(HttpErrorKind::kDns, ErrorCode::kIOError,
                           what + ": cannot resolve " + named + ": " + ec.message());
    }
    return endpoints;
  }

  // Opens the TCP connection to one of `endpoints`, in the stream the scheme needs (TLS not yet
  // started). `peer` names it in errors.
  HttpStatus ConnectTcp(bool use_tls, const TcpProtocol::resolver::results_type& endpoints,
                        const std::string& peer, SteadyClock::time_point deadline,
                        const std::string& what) {
    if (use_tls) {
      if (auto status = PrepareTls(); !status) {
        return status;
      }
      secure.emplace(io, tls);
    } else {
      plain.emplace(io);
    }
    Tcp().expires_at(deadline);
    const bool done =
        Await(deadline, [&](auto handler) { Tcp().async_connect(endpoints, handler); });
    const beast::error_code ec = op_error;
    if (ec || !done) {
      const bool timeout = !done || ec == beast::error::timeout;
      const HttpErrorKind kind = timeout                                ? HttpErrorKind::kTimeout
                                 : ec == net::error::connection_refused ? HttpErrorKind::kRefused
                                                                        : HttpErrorKind::kNetwork;
      const std::string message = timeout ? "timed out" : ec.message();
      Close();
      return MakeHttpError(kind, ErrorCode::kIOError,
                           what + ": cannot connect to " + peer + ": " + message);
    }
    return {};
  }

  // Asks `proxy` (connected on Tcp()) for a tunnel to `url`'s host:port; 2xx required. Closes the
  // connection on failure.
  HttpStatus Tunnel(const ParsedUrl& url, const ProxyUrl& proxy, SteadyClock::time_point deadline,
                    const std::string& what) {
    const std::string authority = TunnelAuthority(url);
    http::request<http::empty_body> connect{http::verb::connect, authority, 11};
    connect.set(http::field::host, authority);
    connect.set(http::field::user_agent, "xrayd/" XRAYD_VERSION);
    if (proxy.has_credentials) {
      connect.set(http::field::proxy_authorization, proxy.BasicAuthorization());
    }
    bool done = Await(deadline, [&](auto handler) { http::async_write(Tcp(), connect, handler); });
    // The answer to CONNECT has no body (a refusal's body is not needed: the connection closes).
    http::response_parser<http::empty_body> parser;
    parser.skip(true);
    beast::flat_buffer head;
    if (done && !op_error) {
      done = Await(deadline, [&](auto handler) { http::async_read(Tcp(), head, parser, handler); });
    }
    const beast::error_code ec = op_error;
    const std::string prefix = what + ": proxy " + proxy.HostPort();
    if (!done || ec) {
      const bool timeout = !done || ec == beast::error::timeout;
      Close();
      return MakeHttpError(timeout ? HttpErrorKind::kTimeout : HttpErrorKind::kProxy,
                           ErrorCode::kIOError,
                           prefix + ": CONNECT " + authority +
                               " failed: " + (timeout ? std::string("timed out") : ec.message()));
    }
    const auto& answer = parser.get();
    const unsigned status = answer.result_int();
    if (status < 200 || status > 299) {
      const std::string reason(answer.reason());
      Close();
      return MakeHttpError(HttpErrorKind::kProxy, ErrorCode::kIOError,
                           prefix + " answered CONNECT " + authority + " with " +
                               std::to_string(status) + " " + reason);
    }
    if (head.size() != 0) {
      // The server speaks after the client's TLS hello: bytes here are not from it.
      Close();
      return MakeHttpError(HttpErrorKind::kProxy, ErrorCode::kIOError,
                           prefix + " sent unexpected bytes after its CONNECT answer");
    }
    return {};
  }

  // TLS on the open connection: SNI and verification against `url`'s host.
  HttpStatus Handshake(const ParsedUrl& url, SteadyClock::time_point deadline,
                       const std::string& what) {
    SSL* handle = secure->native_handle();
    if (!IsIpLiteral(url.host)) {
      SSL_set_tlsext_host_name(handle, url.host.c_str());
    }
    if (options.verify_tls) {
      secure->set_verify_callback(ssl::host_name_verification(url.host));
    }
    const bool done = Await(deadline, [&](auto handler) {
      secure->async_handshake(ssl::stream_base::client, handler);
    });
    const beast::error_code ec = op_error;
    if (ec || !done) {
      const bool timeout = !done || ec == beast::error::timeout;
      const std::string message = timeout ? "timed out" : ec.message();
      Close();
      return MakeHttpError(
          timeout ? HttpErrorKind::kTimeout : HttpErrorKind::kTls, ErrorCode::kIOError,
          what + ": TLS handshake with " + url.HostHeader() + " failed: " + message);
    }
    return {};
  }

  // Opens a connection for `url` under the key `key`: TCP to the target, or to `proxy` when set
  // (then, for https, a CONNECT tunnel), then TLS for https.
  HttpStatus Connect(const ParsedUrl& url, const ProxyUrl* proxy, const std::string& key,
                     SteadyClock::time_point deadline, const std::string& what) {
    Close();
    const bool via_proxy = proxy != nullptr;
    auto endpoints = Resolve(via_proxy ? proxy->host : url.host, via_proxy ? proxy->port : url.port,
                             via_proxy, deadline, what);
    if (!endpoints) {
      return tl::unexpected(std::move(endpoints.error()));
    }
    const std::string peer = via_proxy ? "proxy " + proxy->HostPort() : url.HostHeader();
    if (auto status = ConnectTcp(url.scheme == "https", *endpoints, peer, deadline, what);
        !status) {
      return status;
    }
    if (secure && via_proxy) {
      if (auto status = Tunnel(url, *proxy, deadline, what); !status) {
        return status;
      }
    }
    if (secure) {
      if (auto status = Handshake(url, deadline, what); !status) {
        return status;
      }
    }
    origin = key;
    return {};
  }

  // Classifies a failed write or read on the open connection, then closes it. Called while the
  // locals of the failed operation are still alive (Close completes its handler).
  tl::unexpected<HttpError> ExchangeFailure(bool done, beast::error_code ec,
                                            const std::string& what) {
    const bool timeout = !done || ec == beast::error::timeout;
    const bool protocol =
        !timeout && ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
        ec != http::error::end_of_stream;
    const HttpErrorKind kind = timeout    ? HttpErrorKind::kTimeout
                               : protocol ? HttpErrorKind::kProtocol
                               : ec.category() == net::error::get_ssl_category()
                                   ? HttpErrorKind::kTls
                                   : HttpErrorKind::kNetwork;
    const std::string message = timeout ? "timed out" : ec.message();
    Close();
    return MakeHttpError(kind, ErrorCode::kIOError, what + ": " + message);
  }

  HttpStatus WriteRequest(const OutgoingRequest& request, SteadyClock::time_point deadline,
                          const std::string& what) {
    Tcp().expires_at(deadline);
    const bool done = Await(deadline, [&](auto handler) {
      if (secure) {
        http::async_write(*secure, request, handler);
      } else {
        http::async_write(*plain, request, handler);
      }
    });
    if (!done || op_error) {
      return ExchangeFailure(done, op_error, what);
    }
    return {};
  }

  // Reads one whole answer. `got_bytes` says whether any of it arrived.
  HttpResult<ClientResponse> ReadResponse(SteadyClock::time_point deadline, const std::string& what,
                                          bool& got_bytes) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    const bool done = Await(deadline, [&](auto handler) {
      if (secure) {
        http::async_read(*secure, buffer, parser, handler);
      } else {
        http::async_read(*plain, buffer, parser, handler);
      }
    });
    got_bytes = parser.got_some();
    if (!done || op_error) {
      return ExchangeFailure(done, op_error, what);
    }
    auto& response = parser.get();
    ClientResponse out;
    out.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(response.body());
    if (!response.keep_alive()) {
      Close();
    }
    return out;
  }

  // Sends `message` on the connection for (proxy, url's origin), opening it if needed. A failure on
  // a reused connection before any byte of the answer (the server closed it) is tried once more
  // on a fresh one.
  HttpResult<ClientResponse> Deliver(const OutgoingRequest& message, const ParsedUrl& url,
                                     const ProxyUrl* proxy, SteadyClock::time_point deadline,
                                     const std::string& what) {
    std::string key = url.scheme + "://" + url.HostHeader();
    if (proxy != nullptr) {
      key = "proxy " + proxy->HostPort() + " " + key;
    }
    const bool absolute_form = proxy != nullptr && url.scheme == "http";
    const bool reused = origin == key;
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (origin != key) {
        if (auto status = Connect(url, proxy, key, deadline, what); !status) {
          return tl::unexpected(std::move(status.error()));
        }
      }
      bool got_bytes = false;
      HttpResult<ClientResponse> response = WriteRequest(message, deadline, what).and_then([&] {
        return ReadResponse(deadline, what, got_bytes);
      });
      if (response && absolute_form && response->status == 407) {
        // The proxy, not the server, refused: an error, so that callers retry rather than drop.
        Close();
        return MakeHttpError(
            HttpErrorKind::kProxy, ErrorCode::kIOError,
            what + ": proxy " + proxy->HostPort() + " answered 407 Proxy Authentication Required");
      }
      if (response || !reused || attempt > 0 || got_bytes ||
          response.error().kind == HttpErrorKind::kTimeout) {
        return response;
      }
    }
    return MakeHttpError(HttpErrorKind::kNetwork, ErrorCode::kInternal, what + ": unreachable");
  }
};

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

// No Close(): between calls no operation is pending, and Impl's members close the connection as
// they go (streams before the io_context), so destruction cannot throw.
HttpClient::~HttpClient() = default;

HttpResult<ClientResponse> HttpClient::Send(const ClientRequest& request) {
  auto url = ParseUrl(request.url);
  if (!url) {
    return MakeHttpError(HttpErrorKind::kBadUrl, url.error().code, std::move(url.error().message));
  }
  // Errors name the method and the URL without its query.
  const std::string what = request.method + " " + url->scheme + "://" + url->HostHeader() +
                           url->target.substr(0, url->target.find('?'));
  const auto deadline = SteadyClock::now() + request.timeout;
  auto choice = SelectProxy(impl_->options.proxy, url->scheme, url->host, url->port);
  if (!choice) {
    return MakeHttpError(HttpErrorKind::kProxy, ErrorCode::kInvalidArgument,
                         what + ": " + choice.error().message);
  }
  const ProxyUrl* proxy = choice->proxy ? &*choice->proxy : nullptr;
  auto message = BuildMessage(request, *url, proxy, what);
  if (!message) {
    return tl::unexpected(std::move(message.error()));
  }
  return impl_->Deliver(*message, *url, proxy, deadline, what);
}

}  // namespace xrayd::daemon
