#include "query/trace_timeline.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "query/terminal_text.h"
#include "query/trace_fields.h"
#include "query/trace_model.h"

namespace xrayd::query {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kDurationWidth = 10;  // "12345.6 ms"
constexpr std::size_t kMaxValueWidth = 40;  // One annotation value, one exception message.

// One segment or subsegment of the trace.
struct Node {
  const Json* doc = nullptr;
  std::string id;
  std::optional<double> start;
  std::optional<double> end;  // Absent when in progress (or without a usable end_time).
  bool in_progress = false;
  bool segment = false;  // A top-level document that is not "type": "subsegment".
  int top = -1;          // Index of the top-level document node that contains it.
  int parent = -1;
  std::string parent_id;  // Top-level documents only: the "parent_id" field.
  std::string orphan;     // Why it is shown at the top level, if it is an orphan.
  std::vector<int> children;
};

std::optional<double> NumberField(const Json& doc, const char* key) {
  std::optional<double> value = internal::NumberAt(doc, {key});
  return value && std::isfinite(*value) ? value : std::nullopt;
}

std::string StringField(const Json& doc, const char* key) {
  const std::string* value = internal::StringAt(doc, {key});
  return value != nullptr ? *value : std::string();
}

bool TrueField(const Json& doc, const char* key) {
  return internal::TrueAt(doc, {key});
}

bool IsComplete(const Json& doc) {
  return !TrueField(doc, "in_progress") && NumberField(doc, "end_time").has_value();
}

std::string JsonText(const Json& value) {
  return SanitizeForTerminal(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string RightTrim(std::string text) {
  while (!text.empty() && text.back() == ' ') {
    text.pop_back();
  }
  return text;
}

// The trace's nodes, linked and ordered.
class Timeline {
 public:
  Timeline(std::span<const Json> documents, const TimelineOptions& options)
      : options_(options),
        bar_width_(static_cast<std::size_t>(std::clamp(options.bar_width, 10, 1000))),
        name_width_(static_cast<std::size_t>(std::clamp(options.name_width, 12, 200))),
        max_depth_(static_cast<std::size_t>(std::clamp(options.max_indent_depth, 0, 50))) {
    Collect(documents);
    Link();
    BreakCycles();
    Order();
    Span();
  }

  std::string Render() const;

 private:
  void Collect(std::span<const Json> documents);
  void Link();
  void BreakCycles();
  void Order();
  void Span();

  bool Before(int a, int b) const;
  std::string Label(const Node& node) const;
  std::string Bar(const Node& node, const DerivedStatus& status) const;
  std::string Row(const Node& node, std::size_t depth) const;
  std::string Header() const;
  std::string Ruler() const;
  void Details(const Node& node, std::size_t indent, std::string& out) const;
  std::size_t RowWidth() const { return name_width_ + 2 + bar_width_ + 2 + kDurationWidth; }

  const TimelineOptions& options_;
  const std::size_t bar_width_;
  const std::size_t name_width_;
  const std::size_t max_depth_;
  std::vector<Node> nodes_;
  std::vector<int> roots_;
  std::size_t unreadable_ = 0;
  std::string trace_id_;
  double t0_ = 0;
  double t1_ = 0;
  bool any_time_ = false;
};

void Timeline::Collect(std::span<const Json> documents) {
  // Top-level documents, one per id: complete beats in progress, otherwise the later one wins.
  std::vector<const Json*> tops;
  std::map<std::string, std::size_t> by_id;
  for (const Json& doc : documents) {
    if (!doc.is_object()) {
      ++unreadable_;
      continue;
    }
    if (trace_id_.empty()) {
      trace_id_ = StringField(doc, "trace_id");
    }
    const std::string id = StringField(doc, "id");
    auto [it, inserted] = by_id.emplace(id, tops.size());
    if (inserted || id.empty()) {
      tops.push_back(&doc);
    } else if (IsComplete(doc) || !IsComplete(*tops[it->second])) {
      tops[it->second] = &doc;
    }
  }
  // Flatten each document's tree of embedded subsegments, without recursion.
  for (const Json* top : tops) {
    const int top_index = static_cast<int>(nodes_.size());
    std::vector<std::pair<const Json*, int>> stack = {{top, -1}};
    while (!stack.empty()) {
      auto [doc, parent] = stack.back();
      stack.pop_back();
      Node node;
      node.doc = doc;
      node.id = StringField(*doc, "id");
      node.start = NumberField(*doc, "start_time");
      node.in_progress = !IsComplete(*doc);
      if (!node.in_progress) {
        node.end = NumberField(*doc, "end_time");
      }
      node.top = top_index;
      node.parent = parent;
      if (parent < 0) {
        node.segment = StringField(*doc, "type") != "subsegment";
        node.parent_id = StringField(*doc, "parent_id");
      }
      const int index = static_cast<int>(nodes_.size());
      nodes_.push_back(std::move(node));
      auto subs = doc->find("subsegments");
      if (subs != doc->end() && subs->is_array()) {
        for (auto it = subs->rbegin(); it != subs->rend(); ++it) {
          if (it->is_object()) {
            stack.emplace_back(&*it, index);
          }
        }
      }
    }
  }
}

void Timeline::Link() {
  std::map<std::string_view, int> by_id;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].id.empty()) {
      by_id.emplace(nodes_[i].id, static_cast<int>(i));
    }
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    Node& node = nodes_[i];
    if (node.top != static_cast<int>(i) || node.parent_id.empty()) {
      continue;
    }
    auto it = by_id.find(node.parent_id);
    if (it != by_id.end() && nodes_[it->second].top != static_cast<int>(i)) {
      node.parent = it->second;
    } else if (!node.segment) {
      // A segment's parent outside the trace is an untraced caller; a subsegment's is a gap.
      node.orphan = "orphan: parent " + SanitizeForTerminal(node.parent_id) + " missing";
    }
  }
}

// Top-level documents linked to each other in a cycle (A under a subsegment of B, B under one of
// A) would never be reached from a root: the earliest of each cycle becomes a root.
void Timeline::BreakCycles() {
  enum : std::uint8_t { kUnseen, kOnPath, kDone };
  std::vector<std::uint8_t> state(nodes_.size(), kUnseen);
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].top != static_cast<int>(i) || state[i] != kUnseen) {
      continue;
    }
    std::vector<int> path;
    int current = static_cast<int>(i);
    while (current >= 0 && state[current] == kUnseen) {
      state[current] = kOnPath;
      path.push_back(current);
      const int parent = nodes_[current].parent;
      current = parent < 0 ? -1 : nodes_[parent].top;
    }
    if (current >= 0 && state[current] == kOnPath) {
      auto first = std::find(path.begin(), path.end(), current);
      const int earliest =
          *std::min_element(first, path.end(), [this](int a, int b) { return Before(a, b); });
      nodes_[earliest].parent = -1;
      nodes_[earliest].orphan = "orphan: parent cycle";
    }
    for (int p : path) {
      state[p] = kDone;
    }
  }
}

bool Timeline::Before(int a, int b) const {
  const Node& x = nodes_[a];
  const Node& y = nodes_[b];
  // Rows without a start time go last among their siblings.
  const double xs = x.start.value_or(std::numeric_limits<double>::infinity());
  const double ys = y.start.value_or(std::numeric_limits<double>::infinity());
  return std::tie(xs, x.id, a) < std::tie(ys, y.id, b);
}

void Timeline::Order() {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const int parent = nodes_[i].parent;
    if (parent < 0) {
      roots_.push_back(static_cast<int>(i));
    } else {
      nodes_[parent].children.push_back(static_cast<int>(i));
    }
  }
  const auto before = [this](int a, int b) { return Before(a, b); };
  std::sort(roots_.begin(), roots_.end(), before);
  for (Node& node : nodes_) {
    std::sort(node.children.begin(), node.children.end(), before);
  }
}

void Timeline::Span() {
  for (const Node& node : nodes_) {
    for (const std::optional<double>& t : {node.start, node.end}) {
      if (!t) {
        continue;
      }
      if (!any_time_) {
        t0_ = t1_ = *t;
        any_time_ = true;
      }
      t0_ = std::min(t0_, *t);
      t1_ = std::max(t1_, *t);
    }
  }
}

std::string Timeline::Label(const Node& node) const {
  std::string label = SanitizeForTerminal(StringField(*node.doc, "name"));
  if (label.empty()) {
    label = "(unnamed)";
  }
  std::string kind;
  if (node.segment) {
    kind = StringField(*node.doc, "origin");
    if (kind.rfind("AWS::", 0) == 0) {
      kind.erase(0, 5);
    }
  } else {
    kind = StringField(*node.doc, "namespace");
    auto aws = node.doc->find("aws");
    if (!kind.empty() && aws != node.doc->end() && aws->is_object()) {
      const std::string operation = StringField(*aws, "operation");
      if (!operation.empty()) {
        kind += " " + operation;
      }
    }
  }
  if (!kind.empty()) {
    label += " (" + SanitizeForTerminal(kind) + ")";
  }
  return label;
}

std::string Timeline::Bar(const Node& node, const DerivedStatus& status) const {
  std::string bar(bar_width_, ' ');
  if (!node.start) {
    return bar;
  }
  const double width = static_cast<double>(bar_width_);
  // Times relative to the start, rounded to the microsecond: epoch-second doubles carry ~1e-7 of
  // noise, which must not move a bar that ends exactly on a column boundary by a column.
  const auto relative = [&](double t) { return std::round((t - t0_) * 1e6) / 1e6; };
  const double span = relative(t1_);
  const auto column = [&](double t, bool up) {
    if (span <= 0) {
      return 0.0;  // A zero-length trace: every bar is one column at the left.
    }
    const double x = relative(t) / span * width;
    return up ? std::ceil(x - 1e-9) : std::floor(x + 1e-9);
  };
  const double end = node.end.value_or(t1_);
  auto begin = static_cast<std::size_t>(std::clamp(column(*node.start, false), 0.0, width - 1));
  auto stop = static_cast<std::size_t>(std::clamp(column(end, true), 0.0, width));
  stop = std::max(stop, begin + 1);
  std::string fill(stop - begin, node.in_progress ? '~' : '=');
  std::string_view color = kGreen;
  if (node.in_progress) {
    color = kCyan;
  } else if (status.fault) {
    color = kRed;
  } else if (status.throttle) {
    color = kMagenta;
  } else if (status.error) {
    color = kYellow;
  }
  return bar.substr(0, begin) + Colored(std::move(fill), color, options_.color) + bar.substr(stop);
}

std::string Timeline::Row(const Node& node, std::size_t depth) const {
  const std::size_t shown_depth = std::min(depth, max_depth_);
  // The name column keeps at least 8 columns for the name itself.
  const std::size_t indent = std::min(shown_depth * 2, name_width_ - 8);
  std::string label = Label(node);
  if (depth > max_depth_) {
    label = "[" + std::to_string(depth) + "] " + label;
  }
  std::string row(indent, ' ');
  row += PadToWidth(TruncateToWidth(label, name_width_ - indent), name_width_ - indent);
  const DerivedStatus status = internal::DeriveStatus(*node.doc);
  row += " |" + Bar(node, status) + "| ";
  std::string duration = "?";
  if (node.in_progress) {
    duration = "\u2026";
  } else if (node.start && node.end) {
    duration = FormatMilliseconds(*node.end - *node.start);
  }
  row += std::string(kDurationWidth - std::min(kDurationWidth, DisplayWidth(duration)), ' ');
  row += duration + "  ";
  row += status.error ? Colored("!", kYellow, options_.color) : " ";
  row += status.fault ? Colored("F", kRed, options_.color) : " ";
  row += status.throttle ? Colored("T", kMagenta, options_.color) : " ";
  if (const std::optional<int> http = internal::ReadHttp(*node.doc).status) {
    row += "  http " + std::to_string(*http);
  }
  if (node.in_progress) {
    row += "  " + Colored("in progress", kCyan, options_.color);
  }
  if (!node.orphan.empty()) {
    row += "  " + Colored(node.orphan, kYellow, options_.color);
  }
  std::string out = RightTrim(std::move(row)) + "\n";
  Details(node, indent + 4, out);
  return out;
}

// The annotation and exception lines under a row.
void Timeline::Details(const Node& node, std::size_t indent, std::string& out) const {
  const std::size_t room = RowWidth() > indent ? RowWidth() - indent : 1;
  auto annotations = node.doc->find("annotations");
  if (annotations != node.doc->end() && annotations->is_object() && !annotations->empty()) {
    std::string line = "annotations:";
    for (const auto& [key, value] : annotations->items()) {
      line +=
          " " + SanitizeForTerminal(key) + "=" + TruncateToWidth(JsonText(value), kMaxValueWidth);
    }
    out += std::string(indent, ' ') + Colored(TruncateToWidth(line, room), kDim, options_.color) +
           "\n";
  }
  auto cause = node.doc->find("cause");
  if (cause == node.doc->end()) {
    return;
  }
  std::string line;
  if (cause->is_string()) {
    line = "cause: exception " + SanitizeForTerminal(cause->get<std::string>());
  } else if (cause->is_object()) {
    auto exceptions = cause->find("exceptions");
    if (exceptions != cause->end() && exceptions->is_array() && !exceptions->empty()) {
      const Json& first = exceptions->front();
      std::string type;
      std::string message;
      if (first.is_object()) {
        type = SanitizeForTerminal(StringField(first, "type"));
        message = SanitizeForTerminal(StringField(first, "message"));
      }
      line = "exception: " + (type.empty() ? std::string("(no type)") : type);
      if (!message.empty()) {
        line += ": " + TruncateToWidth(message, kMaxValueWidth);
      }
      if (exceptions->size() > 1) {
        line += " (+" + std::to_string(exceptions->size() - 1) + " more)";
      }
    }
  }
  if (!line.empty()) {
    out += std::string(indent, ' ') + Colored(TruncateToWidth(line, room), kRed, options_.color) +
           "\n";
  }
}

std::string Timeline::Header() const {
  std::size_t segments = 0;
  bool partial = false;
  for (const Node& node : nodes_) {
    segments += node.segment ? 1 : 0;
    partial = partial || node.in_progress;
  }
  // Trace status: the top-level segments' (the root segment's, when the trace is whole).
  DerivedStatus status;
  for (int root : roots_) {
    const Node& node = nodes_[root];
    if (!node.segment) {
      continue;
    }
    const DerivedStatus s = internal::DeriveStatus(*node.doc);
    status.error = status.error || s.error;
    status.fault = status.fault || s.fault;
    status.throttle = status.throttle || s.throttle;
  }
  std::string words;
  for (auto [on, word] : {std::pair{status.error, "error"}, std::pair{status.fault, "fault"},
                          std::pair{status.throttle, "throttle"}}) {
    if (on) {
      words += words.empty() ? "" : ", ";
      words += word;
    }
  }
  if (words.empty()) {
    words = "ok";
  }
  std::string_view color = status.fault ? kRed : status.error ? kYellow : kGreen;
  std::string id = trace_id_.empty() ? "(no trace id)" : SanitizeForTerminal(trace_id_);
  std::string line = Colored("Trace " + id, kBold, options_.color) + "  " +
                     FormatMilliseconds(t1_ - t0_) + "  " + Plural(segments, "segment") + ", " +
                     Plural(nodes_.size() - segments, "subsegment") + "  " +
                     Colored(words, color, options_.color);
  if (partial) {
    line += "  " + Colored("in progress", kCyan, options_.color);
  }
  if (unreadable_ > 0) {
    line += "  " + Plural(unreadable_, "unreadable document");
  }
  return line + "\n";
}

std::string Timeline::Ruler() const {
  const std::string left = "0 ms";
  const std::string right = FormatMilliseconds(t1_ - t0_);
  std::string ruler(name_width_ + 2, ' ');
  ruler += left;
  const std::size_t used = left.size() + right.size();
  ruler += std::string(bar_width_ > used ? bar_width_ - used : 1, ' ');
  ruler += right;
  return Colored(RightTrim(std::move(ruler)), kDim, options_.color) + "\n";
}

std::string Timeline::Render() const {
  std::string out = Header();
  if (nodes_.empty()) {
    return out + "(no segments)\n";
  }
  out += Ruler();
  // Depth-first, children in order; an explicit stack, as chains of documents can be long.
  std::vector<std::pair<int, std::size_t>> stack;
  for (auto it = roots_.rbegin(); it != roots_.rend(); ++it) {
    stack.emplace_back(*it, 0);
  }
  while (!stack.empty()) {
    auto [index, depth] = stack.back();
    stack.pop_back();
    const Node& node = nodes_[index];
    out += Row(node, depth);
    for (auto it = node.children.rbegin(); it != node.children.rend(); ++it) {
      stack.emplace_back(*it, depth + 1);
    }
  }
  return out;
}

}  // namespace

std::string FormatMilliseconds(double seconds) {
  const double micros = std::round(seconds * 1e6);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.1f ms", micros / 1000.0);
  return buf;
}

std::string RenderTimeline(std::span<const nlohmann::ordered_json> documents,
                           const TimelineOptions& options) {
  return Timeline(documents, options).Render();
}

}  // namespace xrayd::query
