// Rule "cause" of docs/otlp-mapping.md: exception events -> cause.exceptions with stack frames.
#include <algorithm>
#include <charconv>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "daemon/otlp/span_mapper.h"

namespace xrayd::daemon::otlp {

namespace {

using opentelemetry::proto::trace::v1::Status;

// X-Ray keeps at most this many frames per exception.
constexpr std::size_t kMaxFrames = 50;

std::string RandomExceptionId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::uint64_t n = rng();
  std::string id(16, '0');
  for (char& c : id) {
    c = kDigits[n & 15];
    n >>= 4;
  }
  return id;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    if (end == std::string_view::npos) {
      break;
    }
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<int> Number(std::string_view s) {
  int n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return n;
}

nlohmann::json Frame(std::string_view label, std::string_view path, std::optional<int> line) {
  nlohmann::json frame = {{"label", std::string(label)}, {"path", std::string(path)}};
  if (line) {
    frame["line"] = *line;
  }
  return frame;
}

// "at com.example.Main.run(Main.java:12)"
std::optional<nlohmann::json> JavaFrame(std::string_view line) {
  line = Trim(line);
  if (!line.starts_with("at ")) {
    return std::nullopt;
  }
  line.remove_prefix(3);
  const std::size_t open = line.find('(');
  if (open == std::string_view::npos || line.back() != ')') {
    return Frame(line, "", std::nullopt);
  }
  std::string_view location = line.substr(open + 1, line.size() - open - 2);
  const std::size_t colon = location.rfind(':');
  if (colon == std::string_view::npos) {
    return Frame(line.substr(0, open), location, std::nullopt);
  }
  return Frame(line.substr(0, open), location.substr(0, colon), Number(location.substr(colon + 1)));
}

// "at fn (/app/x.js:10:5)" or "at /app/x.js:10:5"
std::optional<nlohmann::json> NodeFrame(std::string_view line) {
  line = Trim(line);
  if (!line.starts_with("at ")) {
    return std::nullopt;
  }
  line.remove_prefix(3);
  std::string_view label;
  std::string_view location = line;
  const std::size_t open = line.find(" (");
  if (open != std::string_view::npos && line.back() == ')') {
    label = line.substr(0, open);
    location = line.substr(open + 2, line.size() - open - 3);
  }
  // path:line:column; the path itself may hold colons (file:///...).
  const std::size_t last = location.rfind(':');
  if (last == std::string_view::npos) {
    return Frame(label, location, std::nullopt);
  }
  std::string_view rest = location.substr(0, last);
  const std::size_t second = rest.rfind(':');
  if (second == std::string_view::npos) {
    return Frame(label, rest, Number(location.substr(last + 1)));
  }
  return Frame(label, rest.substr(0, second), Number(rest.substr(second + 1)));
}

// '  File "/app/x.py", line 3, in handler'
std::optional<nlohmann::json> PythonFrame(std::string_view line) {
  line = Trim(line);
  if (!line.starts_with("File \"")) {
    return std::nullopt;
  }
  line.remove_prefix(6);
  const std::size_t quote = line.find('"');
  if (quote == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view path = line.substr(0, quote);
  std::string_view rest = line.substr(quote + 1);
  std::optional<int> number;
  std::string_view label;
  if (std::size_t at = rest.find("line "); at != std::string_view::npos) {
    std::string_view digits = rest.substr(at + 5);
    digits = digits.substr(0, digits.find(','));
    number = Number(digits);
  }
  if (std::size_t in = rest.find(", in "); in != std::string_view::npos) {
    label = rest.substr(in + 5);
  }
  return Frame(label, path, number);
}

}  // namespace

nlohmann::json ParseStack(std::string_view stacktrace, std::string_view language) {
  nlohmann::json frames = nlohmann::json::array();
  auto parse = language == "java"                              ? JavaFrame
               : language == "python"                          ? PythonFrame
               : (language == "nodejs" || language == "webjs") ? NodeFrame
                                                               : nullptr;
  if (parse == nullptr) {
    return frames;
  }
  for (std::string_view line : Lines(stacktrace)) {
    if (frames.size() >= kMaxFrames) {
      break;
    }
    if (auto frame = parse(line)) {
      frames.push_back(std::move(*frame));
    }
  }
  if (language == "python") {
    // Python prints the innermost call last; X-Ray lists it first.
    std::reverse(frames.begin(), frames.end());
  }
  return frames;
}

nlohmann::json MapCause(const Span& span, std::string_view language, bool remote) {
  nlohmann::json exceptions = nlohmann::json::array();
  for (const auto& event : span.events()) {
    if (event.name() != "exception") {
      continue;
    }
    Attributes attrs(event.attributes());
    nlohmann::json exception = {{"id", RandomExceptionId()}};
    if (auto type = attrs.Text("exception.type")) {
      exception["type"] = *type;
    }
    if (auto message = attrs.Text("exception.message")) {
      exception["message"] = *message;
    }
    if (remote) {
      exception["remote"] = true;
    }
    if (auto stack = attrs.Text("exception.stacktrace")) {
      nlohmann::json frames = ParseStack(*stack, language);
      if (!frames.empty()) {
        exception["stack"] = std::move(frames);
      }
    }
    exceptions.push_back(std::move(exception));
  }
  if (exceptions.empty() && span.status().code() == Status::STATUS_CODE_ERROR &&
      !span.status().message().empty()) {
    exceptions.push_back({{"id", RandomExceptionId()}, {"message", span.status().message()}});
  }
  if (exceptions.empty()) {
    return nullptr;
  }
  return {{"exceptions", std::move(exceptions)}};
}

}  // namespace xrayd::daemon::otlp
