#include "tests/integration/daemon_process_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/temp_dirs.h"
#include "tests/support/wait_until.h"

namespace xrayd::testing_support {

namespace {

sockaddr_in Loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& out_path,
            const std::string& err_path) {
  std::vector<char*> argv;
  for (const std::string& a : args) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return 128 + WTERMSIG(status);
}

}  // namespace

std::string MakeTempDir(const std::string& prefix) {
  return MakeScratchDir(prefix);
}

DaemonProcess::DaemonProcess(std::string data_dir, std::vector<std::string> extra_args,
                             bool offline)
    : data_dir_(std::move(data_dir)) {
  // In a directory of its own, created empty before the daemon starts: the start-up line read
  // below can only be this daemon's. (A name made of the test's pid could hold the log of an
  // earlier test process with the same pid, read before the child truncates it: stale ports.)
  log_dir_ = MakeTempDir("xrayd-log");
  log_path_ = log_dir_ + "/xrayd.log";
  std::ofstream(log_path_, std::ios::trunc).close();
  // No listener at the OTLP default ports (another process or test may hold them): a test that
  // wants one passes its own --otlp-http/--otlp-grpc, which comes later and wins.
  std::vector<std::string> args = {XRAYD_BINARY,  "--offline",   "--data-dir",  data_dir_,
                                   "-b",          "127.0.0.1:0", "-t",          "127.0.0.1:0",
                                   "--otlp-http", "off",         "--otlp-grpc", "off"};
  if (!offline) {
    args.erase(args.begin() + 1);
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = Spawn(args, "/dev/null", log_path_);
  const std::regex startup(R"(udp=127\.0\.0\.1:(\d+) tcp=127\.0\.0\.1:(\d+))");
  bool exited = false;
  const bool started = WaitUntil(
      [&] {
        std::smatch match;
        const std::string log = Log();
        if (std::regex_search(log, match, startup)) {
          udp_port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
          tcp_port_ = static_cast<std::uint16_t>(std::stoi(match[2]));
          return true;
        }
        int status = 0;
        exited = waitpid(pid_, &status, WNOHANG) == pid_;
        return exited;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(20));
  if (exited) {
    pid_ = -1;
    ADD_FAILURE() << "xrayd exited during start-up:\n" << Log();
  } else if (!started) {
    ADD_FAILURE() << "xrayd did not print its start-up line:\n" << Log();
  }
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    WaitExit(pid_);
  }
  // Kept when the test failed, for a look at the daemon's log after the run.
  if (!::testing::Test::HasFailure()) {
    std::error_code ignored;
    std::filesystem::remove_all(log_dir_, ignored);
  }
}

std::string DaemonProcess::Log() const {
  return ReadFile(log_path_);
}

int DaemonProcess::Stop(int signal_number) {
  if (pid_ <= 0) {
    return -1;
  }
  kill(pid_, signal_number);
  const int code = WaitExit(pid_);
  pid_ = -1;
  return code;
}

std::int64_t DaemonProcess::Metric(const std::string& sample) {
  const HttpResult result = HttpGet(tcp_port_, "/metrics");
  std::istringstream lines(result.body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > sample.size() && line.compare(0, sample.size(), sample) == 0 &&
        line[sample.size()] == ' ') {
      return std::stoll(line.substr(sample.size() + 1));
    }
  }
  return -1;
}

std::int64_t DaemonProcess::WaitForMetric(const std::string& sample, std::int64_t at_least,
                                          std::chrono::milliseconds timeout) {
  std::int64_t value = -1;
  (void)WaitUntil(
      [&] {
        value = Metric(sample);
        return value >= at_least;
      },
      timeout, std::chrono::milliseconds(20));
  return value;  // The caller checks it.
}

void SendUdp(std::uint16_t port, const std::string& payload) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  const sockaddr_in addr = Loopback(port);
  const ssize_t sent = sendto(fd, payload.data(), payload.size(), 0,
                              reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  close(fd);
  ASSERT_EQ(sent, static_cast<ssize_t>(payload.size()));
}

HttpResult SendHttp(std::uint16_t port, const std::string& method, const std::string& path,
                    const std::map<std::string, std::string>& headers, const std::string& body) {
  HttpResult result;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return result;
  }
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  const sockaddr_in addr = Loopback(port);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return result;
  }
  std::string request = method + " " + path + " HTTP/1.1\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) {
    request += name + ": " + value + "\r\n";
  }
  if (method != "GET" || !body.empty()) {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  if (send(fd, request.data(), request.size(), 0) < 0) {
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

HttpResult HttpGet(std::uint16_t port, const std::string& path) {
  return SendHttp(port, "GET", path, {{"Host", "127.0.0.1"}});
}

HttpResult HttpPost(std::uint16_t port, const std::string& path, const std::string& body) {
  return SendHttp(port, "POST", path, {{"Host", "127.0.0.1"}, {"Content-Type", "application/json"}},
                  body);
}

CommandResult RunXrayd(const std::vector<std::string>& args) {
  const std::string dir = MakeTempDir("cli");
  std::vector<std::string> argv = {XRAYD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult result;
  const pid_t pid = Spawn(argv, dir + "/out", dir + "/err");
  // Every command run here ends by itself; one that does not is a failure with its output, not a
  // test that hangs until ctest's timeout.
  int status = 0;
  const bool exited =
      WaitUntil([&] { return waitpid(pid, &status, WNOHANG) == pid; }, std::chrono::seconds(300));
  if (exited) {
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  } else {
    kill(pid, SIGKILL);
    result.exit_code = WaitExit(pid);
  }
  result.out = ReadFile(dir + "/out");
  result.err = ReadFile(dir + "/err");
  EXPECT_TRUE(exited) << "xrayd did not exit within 300 s (killed); stderr:\n" << result.err;
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace xrayd::testing_support
