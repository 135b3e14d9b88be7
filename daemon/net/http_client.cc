#include "daemon/net/http_client.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
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

#include "daemon/net/url_authority.h"

namespace xrayd::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using TcpProtocol = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

bool IsIpLiteral(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

const char* HttpErrorKindName(HttpErrorKind kind) {
  switch (kind) {
    case HttpErrorKind::kNone:
      return "none";
    case HttpErrorKind::kBadUrl:
      return "bad_url";
    case HttpErrorKind::kDns:
      return "dns";
    case HttpErrorKind::kRefused:
      return "refused";
    case HttpErrorKind::kTimeout:
      return "timeout";
    case HttpErrorKind::kTls:
      return "tls";
    case HttpErrorKind::kProtocol:
      return "protocol";
    case HttpErrorKind::kNetwork:
      return "network";
    case HttpErrorKind::kProxy:
      return "proxy";
  }
  return "unknown";
}

std::string ClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) {
      return value;
    }
  }
  return "";
}

std::string ParsedUrl::HostHeader() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  if (!default_port) {
    out += ":" + std::to_string(port);
  }
  return out;
}

Result<ParsedUrl> ParseUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "bad URL '" + std::string(url.substr(0, url.find('?'))) + "': " + std::string(why));
  };
  ParsedUrl out;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return bad("no scheme");
  }
  for (const char c : url.substr(0, scheme_end)) {
    out.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (out.scheme != "http" && out.scheme != "https") {
    return bad("scheme must be http or https");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return bad("user info is not supported");
  }
  auto parsed = ParseUrlAuthority(authority);
  if (!parsed) {
    return bad(parsed.error().message);
  }
  out.host = std::move(parsed->host);
  out.port = parsed->port.value_or(out.scheme == "https" ? 443 : 80);
  const std::size_t fragment = rest.find('#');
  out.target = std::string(rest.substr(0, fragment));
  if (out.target.empty() || out.target.front() == '?') {
    out.target.insert(0, "/");
  }
  return out;
}

struct HttpClient::Impl {
  explicit Impl(HttpClientOptions opts) : options(std::move(opts)), tls(ssl::context::tls_client) {}

  HttpClientOptions options;
  net::io_context io;
  ssl::context tls;
  bool tls_ready = false;
  std::string tls_error;
  std::string origin;  // "scheme://host:port" of the open connection, "" if none.
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

  beast::tcp_stream& Tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

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
    io.poll();  // Complete handlers of cancelled operations.
  }

  Status PrepareTls() {
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
      return MakeError(ErrorCode::kIOError, "cannot load CA certificates: " + ec.message());
    }
    tls.set_verify_mode(options.verify_tls ? ssl::verify_peer : ssl::verify_none);
    tls_ready = true;
    return {};
  }

  // Opens a connection for `url` under the key `key`: TCP to the target, or to `proxy` when set
  // (then, for https, a CONNECT tunnel), then TLS for https.
  Status Connect(const ParsedUrl& url, const ProxyUrl* proxy, const std::string& key,
                 SteadyClock::time_point deadline, HttpErrorKind& kind, const std::string& what) {
    Close();
    // What the TCP connection goes to, as named in errors.
    const std::string& tcp_host = proxy != nullptr ? proxy->host : url.host;
    const std::uint16_t tcp_port = proxy != nullptr ? proxy->port : url.port;
    const std::string peer = proxy != nullptr ? "proxy " + proxy->HostPort() : url.HostHeader();
    TcpProtocol::resolver resolver(io);
    bool done = false;
    beast::error_code ec;
    TcpProtocol::resolver::results_type endpoints;
    resolver.async_resolve(tcp_host, std::to_string(tcp_port),
                           [&](beast::error_code e, TcpProtocol::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                             done = true;
                           });
    RunUntil(deadline, done);
    if (!done) {
      resolver.cancel();
      io.restart();
      io.poll();
      kind = HttpErrorKind::kTimeout;
      return MakeError(ErrorCode::kIOError, what + ": timed out resolving " +
                                                (proxy != nullptr ? "proxy " : "") + tcp_host);
    }
    if (ec) {
      kind = HttpErrorKind::kDns;
      return MakeError(ErrorCode::kIOError, what + ": cannot resolve " +
                                                (proxy != nullptr ? "proxy " : "") + tcp_host +
                                                ": " + ec.message());
    }
    if (url.scheme == "https") {
      if (auto status = PrepareTls(); !status) {
        kind = HttpErrorKind::kTls;
        return status;
      }
      secure.emplace(io, tls);
    } else {
      plain.emplace(io);
    }
    Tcp().expires_at(deadline);
    done = false;
    Tcp().async_connect(endpoints, [&](beast::error_code e, const TcpProtocol::endpoint&) {
      ec = e;
      done = true;
    });
    RunUntil(deadline, done);
    if (ec || !done) {
      const bool timeout = !done || ec == beast::error::timeout;
      kind = timeout                                ? HttpErrorKind::kTimeout
             : ec == net::error::connection_refused ? HttpErrorKind::kRefused
                                                    : HttpErrorKind::kNetwork;
      const std::string message = timeout ? "timed out" : ec.message();
      Close();
      return MakeError(ErrorCode::kIOError, what + ": cannot connect to " + peer + ": " + message);
    }
    if (secure && proxy != nullptr) {
      if (Status tunnel = Tunnel(url, *proxy, deadline, kind, what); !tunnel) {
        Close();
        return tunnel;
      }
    }
    if (secure) {
      SSL* handle = secure->native_handle();
      if (!IsIpLiteral(url.host)) {
        SSL_set_tlsext_host_name(handle, url.host.c_str());
      }
      if (options.verify_tls) {
        secure->set_verify_callback(ssl::host_name_verification(url.host));
      }
      done = false;
      secure->async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
        ec = e;
        done = true;
      });
      RunUntil(deadline, done);
      if (ec || !done) {
        const bool timeout = !done || ec == beast::error::timeout;
        kind = timeout ? HttpErrorKind::kTimeout : HttpErrorKind::kTls;
        const std::string message = timeout ? "timed out" : ec.message();
        Close();
        return MakeError(ErrorCode::kIOError,
                         what + ": TLS handshake with " + url.HostHeader() + " failed: " + message);
      }
    }
    origin = key;
    return {};
  }

  // Asks `proxy` (connected on Tcp()) for a tunnel to `url`'s host:port; 2xx required.
  Status Tunnel(const ParsedUrl& url, const ProxyUrl& proxy, SteadyClock::time_point deadline,
                HttpErrorKind& kind, const std::string& what) {
    const std::string authority =
        (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host) + ":" +
        std::to_string(url.port);
    http::request<http::empty_body> connect{http::verb::connect, authority, 11};
    connect.set(http::field::host, authority);
    connect.set(http::field::user_agent, "xrayd/" XRAYD_VERSION);
    if (proxy.has_credentials) {
      connect.set(http::field::proxy_authorization, proxy.BasicAuthorization());
    }
    bool done = false;
    beast::error_code ec;
    http::async_write(Tcp(), connect, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    RunUntil(deadline, done);
    // The answer to CONNECT has no body (a refusal's body is not needed: the connection closes).
    http::response_parser<http::empty_body> parser;
    parser.skip(true);
    beast::flat_buffer head;
    if (done && !ec) {
      done = false;
      http::async_read(Tcp(), head, parser, [&](beast::error_code e, std::size_t) {
        ec = e;
        done = true;
      });
      RunUntil(deadline, done);
    }
    const std::string prefix = what + ": proxy " + proxy.HostPort();
    if (!done || ec) {
      const bool timeout = !done || ec == beast::error::timeout;
      kind = timeout ? HttpErrorKind::kTimeout : HttpErrorKind::kProxy;
      return MakeError(ErrorCode::kIOError,
                       prefix + ": CONNECT " + authority +
                           " failed: " + (timeout ? std::string("timed out") : ec.message()));
    }
    const auto& answer = parser.get();
    const unsigned status = answer.result_int();
    if (status < 200 || status > 299) {
      kind = HttpErrorKind::kProxy;
      return MakeError(ErrorCode::kIOError, prefix + " answered CONNECT " + authority + " with " +
                                                std::to_string(status) + " " +
                                                std::string(answer.reason()));
    }
    if (head.size() != 0) {
      // The server speaks after the client's TLS hello: bytes here are not from it.
      kind = HttpErrorKind::kProxy;
      return MakeError(ErrorCode::kIOError,
                       prefix + " sent unexpected bytes after its CONNECT answer");
    }
    return {};
  }

  // One exchange on the open connection. `got_bytes` says whether any answer arrived.
  Result<ClientResponse> Exchange(const http::request<http::string_body>& request,
                                  SteadyClock::time_point deadline, HttpErrorKind& kind,
                                  const std::string& what, bool& got_bytes) {
    got_bytes = false;
    Tcp().expires_at(deadline);
    bool done = false;
    beast::error_code ec;
    auto on_write = [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    };
    if (secure) {
      http::async_write(*secure, request, on_write);
    } else {
      http::async_write(*plain, request, on_write);
    }
    RunUntil(deadline, done);
    http::response_parser<http::string_body> parser;
    if (done && !ec) {
      parser.body_limit(options.max_response_bytes);
      done = false;
      auto on_read = [&](beast::error_code e, std::size_t) {
        ec = e;
        done = true;
      };
      if (secure) {
        http::async_read(*secure, buffer, parser, on_read);
      } else {
        http::async_read(*plain, buffer, parser, on_read);
      }
      RunUntil(deadline, done);
      got_bytes = parser.got_some();
    }
    if (!done || ec) {
      const bool timeout = !done || ec == beast::error::timeout;
      const bool protocol =
          !timeout &&
          ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
          ec != http::error::end_of_stream;
      kind = timeout                                           ? HttpErrorKind::kTimeout
             : protocol                                        ? HttpErrorKind::kProtocol
             : ec.category() == net::error::get_ssl_category() ? HttpErrorKind::kTls
                                                               : HttpErrorKind::kNetwork;
      const std::string message = timeout ? "timed out" : ec.message();
      Close();
      return MakeError(ErrorCode::kIOError, what + ": " + message);
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
};

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

// No Close(): between calls no operation is pending, and Impl's members close the connection as
// they go (streams before the io_context), so destruction cannot throw.
HttpClient::~HttpClient() = default;

Result<ClientResponse> HttpClient::Send(const ClientRequest& request, HttpErrorKind* kind) {
  HttpErrorKind local_kind = HttpErrorKind::kNone;
  HttpErrorKind& error_kind = kind != nullptr ? *kind : local_kind;
  error_kind = HttpErrorKind::kNone;
  auto url = ParseUrl(request.url);
  if (!url) {
    error_kind = HttpErrorKind::kBadUrl;
    return tl::unexpected(url.error());
  }
  const std::string path_only = url->target.substr(0, url->target.find('?'));
  std::string what = request.method;
  what += " ";
  what += url->scheme;
  what += "://";
  what += url->HostHeader();
  what += path_only;
  const auto deadline = SteadyClock::now() + request.timeout;
  auto choice = SelectProxy(impl_->options.proxy, url->scheme, url->host, url->port);
  if (!choice) {
    error_kind = HttpErrorKind::kProxy;
    return MakeError(ErrorCode::kInvalidArgument, what + ": " + choice.error().message);
  }
  const ProxyUrl* proxy = choice->proxy ? &*choice->proxy : nullptr;
  // http through a proxy: the request goes to the proxy in absolute form.
  const bool absolute_form = proxy != nullptr && url->scheme == "http";

  http::request<http::string_body> message;
  message.method_string(request.method);
  message.target(absolute_form ? url->scheme + "://" + url->HostHeader() + url->target
                               : url->target);
  message.version(11);
  bool has_host = false;
  bool has_agent = false;
  for (const auto& [name, value] : request.headers) {
    if (value.find_first_of("\r\n") != std::string::npos) {
      error_kind = HttpErrorKind::kBadUrl;
      std::string error_text = what;
      error_text.append(": header ").append(name).append(" contains a line break");
      return MakeError(ErrorCode::kInvalidArgument, std::move(error_text));
    }
    has_host = has_host || EqualsIgnoreCase(name, "host");
    has_agent = has_agent || EqualsIgnoreCase(name, "user-agent");
    message.insert(name, value);
  }
  if (!has_host) {
    message.set(http::field::host, url->HostHeader());
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

  // Connections are keyed on (proxy, target origin).
  std::string origin = url->scheme + "://" + url->HostHeader();
  if (proxy != nullptr) {
    origin = "proxy " + proxy->HostPort() + " " + origin;
  }
  const bool reused = impl_->origin == origin;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (impl_->origin != origin) {
      if (auto status = impl_->Connect(*url, proxy, origin, deadline, error_kind, what); !status) {
        return tl::unexpected(status.error());
      }
    }
    bool got_bytes = false;
    auto response = impl_->Exchange(message, deadline, error_kind, what, got_bytes);
    if (response && absolute_form && response->status == 407) {
      // The proxy, not the server, refused: an error, so that callers retry rather than drop.
      impl_->Close();
      error_kind = HttpErrorKind::kProxy;
      return MakeError(ErrorCode::kIOError, what + ": proxy " + proxy->HostPort() +
                                                " answered 407 Proxy Authentication Required");
    }
    if (response || !reused || attempt > 0 || got_bytes || error_kind == HttpErrorKind::kTimeout) {
      if (response) {
        error_kind = HttpErrorKind::kNone;
      }
      return response;
    }
    // The server closed the kept-alive connection: one more try on a fresh one.
  }
  return MakeError(ErrorCode::kInternal, what + ": unreachable");
}

}  // namespace xrayd::daemon
