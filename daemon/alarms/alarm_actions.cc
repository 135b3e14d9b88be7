#include "daemon/alarms/alarm_actions.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "daemon/net/http_client.h"

extern char** environ;

namespace xrayd::daemon::alarms {
namespace {

// Runs `/bin/sh -c program` with `input` on stdin; true when it exits 0.
bool RunCommand(const std::string& program, const std::string& input, std::string& error) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  const char* argv[] = {"/bin/sh", "-c", program.c_str(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, "/bin/sh", &actions, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[0]);
  if (rc != 0) {
    close(fds[1]);
    error = std::string("cannot run /bin/sh: ") + std::strerror(rc);
    return false;
  }
  // A program that does not read its stdin must not kill this process with SIGPIPE.
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  std::size_t written = 0;
  while (written < input.size()) {
    ssize_t n = write(fds[1], input.data() + written, input.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  close(fds[1]);
  struct timespec zero = {0, 0};
  siginfo_t info;
  while (sigtimedwait(&pipe_set, &info, &zero) > 0) {
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    return true;
  }
  error = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                            : "killed by signal " + std::to_string(WTERMSIG(status));
  return false;
}

}  // namespace

std::string TopicName(const std::string& arn) {
  if (arn.rfind("arn:aws:sns:", 0) != 0) {
    return "";
  }
  return arn.substr(arn.rfind(':') + 1);
}

AlarmActions::AlarmActions(AlarmActionsOptions options) : options_(std::move(options)) {
  thread_ = std::thread([this] { Run(); });
}

AlarmActions::~AlarmActions() {
  Stop();
}

void AlarmActions::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void AlarmActions::Notify(const std::string& topic_arn, const nlohmann::json& message) {
  std::string topic = TopicName(topic_arn);
  if (options_.webhooks.count(topic) == 0 && options_.commands.count(topic) == 0) {
    counters_.unmapped.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("alarm action {}: no --alarm-webhook or --alarm-command named {}", topic_arn,
                 topic);
    return;
  }
  {
    std::lock_guard lock(mu_);
    queue_.push_back({topic, message.dump()});
  }
  wake_.notify_all();
}

bool AlarmActions::Deliver(const Delivery& delivery, std::string& error) {
  if (auto it = options_.webhooks.find(delivery.topic); it != options_.webhooks.end()) {
    HttpClient client;
    ClientRequest request;
    request.method = "POST";
    request.url = it->second;
    request.headers = {{"Content-Type", "application/json"},
                       {"x-amz-sns-message-type", "Notification"}};
    request.body = delivery.body;
    request.timeout = options_.timeout;
    auto response = client.Send(request);
    if (!response) {
      error = response.error().message;
      return false;
    }
    if (response->status < 200 || response->status >= 300) {
      error = "HTTP " + std::to_string(response->status);
      return false;
    }
    return true;
  }
  auto command = options_.commands.find(delivery.topic);
  return RunCommand(command->second, delivery.body, error);
}

void AlarmActions::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      return;  // Stopping with nothing left.
    }
    Delivery delivery = std::move(queue_.front());
    queue_.pop_front();
    std::chrono::milliseconds backoff = options_.first_backoff;
    for (int attempt = 1;; ++attempt) {
      lock.unlock();
      std::string error;
      bool ok = Deliver(delivery, error);
      lock.lock();
      if (ok) {
        counters_.delivered.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      if (attempt >= options_.max_attempts || stopping_) {
        counters_.failed.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("alarm action {} failed after {} attempts: {}", delivery.topic, attempt,
                     error);
        break;
      }
      counters_.retries.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("alarm action {} attempt {} failed ({}); retrying in {} ms", delivery.topic,
                    attempt, error, backoff.count());
      wake_.wait_for(lock, backoff, [this] { return stopping_; });
      backoff *= 2;
    }
  }
}

void AlarmActions::RenderPrometheus(std::string& out) const {
  out += "# HELP xrayd_alarm_actions_total Alarm action deliveries (webhooks and commands).\n";
  out += "# TYPE xrayd_alarm_actions_total counter\n";
  auto line = [&out](const char* result, std::uint64_t n) {
    out += std::string("xrayd_alarm_actions_total{result=\"") + result + "\"} " +
           std::to_string(n) + "\n";
  };
  line("delivered", counters_.delivered.load());
  line("retried", counters_.retries.load());
  line("failed", counters_.failed.load());
  line("unmapped", counters_.unmapped.load());
}

}  // namespace xrayd::daemon::alarms
