#pragma once
// Test support: the real xrayd executable started as a child process on free loopback ports, and
// the minimal clients tests need (UDP send, HTTP GET, CLI runs). Loopback only.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace xrayd::testing_support {

struct HttpResult {
  int status = 0;
  std::string headers;  // Status line and header lines, as received.
  std::string body;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class DaemonProcess {
 public:
  // Starts `XRAYD_BINARY --offline --data-dir data_dir -b 127.0.0.1:0 -t 127.0.0.1:0 extra...` and
  // waits (bounded) for its start-up line. Fails the current test on error.
  // `offline` false: no --offline flag (forwarding tests pass -n/--endpoint themselves).
  DaemonProcess(std::string data_dir, std::vector<std::string> extra_args = {},
                bool offline = true);
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  bool Started() const { return udp_port_ != 0 && tcp_port_ != 0; }
  std::uint16_t UdpPort() const { return udp_port_; }
  std::uint16_t TcpPort() const { return tcp_port_; }
  pid_t Pid() const { return pid_; }
  // Everything the daemon wrote to stderr so far.
  std::string Log() const;

  // Sends SIGTERM (or `signal`) and waits for exit; returns the exit status (or 128+signal).
  int Stop(int signal_number = 15);

  // Reads a counter/gauge from /metrics (the unlabelled sample, or `name{labels}` exactly).
  std::int64_t Metric(const std::string& sample);
  // Polls /metrics until `sample` >= `at_least` or `timeout` passes; returns the last value.
  std::int64_t WaitForMetric(const std::string& sample, std::int64_t at_least,
                             std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  std::string data_dir_;
  std::string log_dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::uint16_t udp_port_ = 0;
  std::uint16_t tcp_port_ = 0;
};

// One UDP datagram to 127.0.0.1:port.
void SendUdp(std::uint16_t port, const std::string& payload);
// Sends `method path` to 127.0.0.1:port with exactly `headers`, plus Connection: close and
// Content-Length (unless a GET without body); 10 s timeout; status 0 if unreachable.
HttpResult SendHttp(std::uint16_t port, const std::string& method, const std::string& path,
                    const std::map<std::string, std::string>& headers,
                    const std::string& body = "");
// GET http://127.0.0.1:port/path with a 10 s timeout; status 0 if unreachable.
HttpResult HttpGet(std::uint16_t port, const std::string& path);
// POST http://127.0.0.1:port/path with a JSON body, same timeout.
HttpResult HttpPost(std::uint16_t port, const std::string& path, const std::string& body);
// Runs the xrayd binary with `args`, capturing stdout and stderr.
CommandResult RunXrayd(const std::vector<std::string>& args);
// A fresh empty directory under the test temp dir, removed when the test process exits normally
// (tests/support/temp_dirs.h).
std::string MakeTempDir(const std::string& prefix);

}  // namespace xrayd::testing_support
