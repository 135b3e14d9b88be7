#include "daemon/cli/cli_health.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ostream>

#include "daemon/cli/cli_parse.h"
#include "daemon/config.h"
#include "proto/duration.h"

namespace xrayd::daemon {

namespace {

struct HealthArgs {
  Endpoint address{"127.0.0.1", 2000};
  double timeout_seconds = 2;
};

// One GET /healthz; returns the HTTP status, or 0 with `error` set.
int GetHealthz(const HealthArgs& args, std::string& error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string host = args.address.host == "localhost" ? "127.0.0.1" : args.address.host;
  const std::string port = std::to_string(args.address.port);
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    error = "bad address " + args.address.ToString() + ": " + gai_strerror(rc);
    return 0;
  }
  const int fd = socket(found->ai_family, SOCK_STREAM, 0);
  timeval timeout{};
  timeout.tv_sec = static_cast<time_t>(args.timeout_seconds);
  timeout.tv_usec = static_cast<suseconds_t>((args.timeout_seconds - timeout.tv_sec) * 1e6);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  int status = 0;
  if (connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    error = "cannot connect to " + args.address.ToString() + ": " + std::strerror(errno);
  } else {
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: " + args.address.ToString() +
                                "\r\nConnection: close\r\n\r\n";
    std::string response;
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      char buf[512];
      ssize_t n = 0;
      while (response.size() < 4096 && (n = recv(fd, buf, sizeof(buf), 0)) > 0) {
        response.append(buf, static_cast<std::size_t>(n));
      }
    }
    if (response.rfind("HTTP/1.", 0) == 0 && response.size() >= 12) {
      std::from_chars(response.data() + 9, response.data() + 12, status);
    } else {
      error = "no HTTP answer from " + args.address.ToString();
    }
  }
  close(fd);
  freeaddrinfo(found);
  return status;
}

}  // namespace

int RunHealthCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  HealthArgs parsed;
  CLI::App app("Asks a running xrayd's GET /healthz; exit 0 when it answers 200, else 1.",
               "xrayd health");
  app.add_option(
         "-t,--bind-tcp",
         [&parsed](const CLI::results_t& values) {
           auto endpoint = ParseEndpoint(values.front());
           if (!endpoint) {
             throw CLI::ValidationError("-t", endpoint.error().message);
           }
           // A daemon bound to every address is asked on loopback.
           if (endpoint->host == "0.0.0.0") {
             endpoint->host = "127.0.0.1";
           } else if (endpoint->host == "::") {
             endpoint->host = "::1";
           }
           parsed.address = *endpoint;
           return true;
         },
         "the daemon's TCP address (default 127.0.0.1:2000)")
      ->type_name("HOST:PORT")
      ->expected(1);
  AddDurationOption(app, "--timeout", parsed.timeout_seconds,
                    "give up after this long (default 2s)")
      ->check([](const std::string& text) -> std::string {
        auto seconds = proto::ParseDurationSeconds(text);
        return seconds && *seconds > 0 ? "" : "needs a positive duration";
      });
  if (auto code = ParseCommandLine(app, args, out, err)) {
    return *code;
  }
  std::string error;
  const int status = GetHealthz(parsed, error);
  if (status == 200) {
    out << "healthy: " << parsed.address.ToString() << "\n";
    return 0;
  }
  err << "xrayd health: "
      << (status == 0 ? error : "GET /healthz answered " + std::to_string(status)) << "\n";
  return 1;
}

}  // namespace xrayd::daemon
