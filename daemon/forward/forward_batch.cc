#include "daemon/forward/forward_batch.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "proto/text.h"

namespace xrayd::daemon {

namespace {

// 1 for the bytes a JSON string must escape: '"', '\\' and the control characters.
constexpr std::array<std::uint8_t, 256> MakeEscapeTable() {
  std::array<std::uint8_t, 256> table{};
  for (std::size_t c = 0; c < 0x20; ++c) {
    table[c] = 1;
  }
  table['"'] = 1;
  table['\\'] = 1;
  return table;
}
constexpr std::array<std::uint8_t, 256> kEscape = MakeEscapeTable();

// Appends `raw` as the contents of a JSON string: runs of plain bytes are copied at once.
void AppendEscaped(std::string_view raw, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char* p = raw.data();
  const char* const end = p + raw.size();
  while (p < end) {
    const char* run = p;
    while (p < end && kEscape[static_cast<unsigned char>(*p)] == 0) {
      ++p;
    }
    out.append(run, static_cast<std::size_t>(p - run));
    if (p == end) {
      break;
    }
    const auto u = static_cast<unsigned char>(*p);
    if (u >= 0x20) {
      const char pair[2] = {'\\', *p};
      out.append(pair, 2);
    } else {
      const char code[6] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 0xf]};
      out.append(code, 6);
    }
    ++p;
  }
}

}  // namespace

std::string BuildPutTraceSegmentsBody(const std::vector<std::string_view>& raw_documents) {
  // SDK documents escape about one byte in ten (the quotes around keys and string values).
  std::size_t size = 32;
  for (std::string_view raw : raw_documents) {
    size += raw.size() + raw.size() / 4 + 3;
  }
  std::string body;
  body.reserve(size);
  body.append("{\"TraceSegmentDocuments\":[");
  bool first = true;
  for (std::string_view raw : raw_documents) {
    if (!first) {
      body.push_back(',');
    }
    first = false;
    body.push_back('"');
    AppendEscaped(raw, body);
    body.push_back('"');
  }
  body.append("]}");
  return body;
}

Result<std::vector<UnprocessedSegment>> ParseUnprocessed(std::string_view body) {
  std::vector<UnprocessedSegment> out;
  if (body.empty()) {
    return out;
  }
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return MakeError(ErrorCode::kMalformed, "PutTraceSegments answer is not a JSON object");
  }
  auto list = json.find("UnprocessedTraceSegments");
  if (list == json.end() || !list->is_array()) {
    return out;
  }
  auto text = [](const nlohmann::json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (const nlohmann::json& item : *list) {
    if (!item.is_object()) {
      continue;
    }
    out.push_back({text(item, "Id"), text(item, "ErrorCode"), text(item, "Message")});
  }
  return out;
}

namespace {

bool ContainsNoCase(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char a, char b) { return proto::AsciiLower(a) == proto::AsciiLower(b); }) !=
         haystack.end();
}

}  // namespace

bool IsRetryableErrorCode(std::string_view error_code) {
  for (std::string_view word :
       {"throttl", "internal", "unavailable", "timeout", "limitexceeded", "toomanyrequests"}) {
    if (ContainsNoCase(error_code, word)) {
      return true;
    }
  }
  return false;
}

bool IsRetryableStatus(int status, std::string_view error_type) {
  if (status >= 500 || status == 429 || status == 401 || status == 403 || status == 408) {
    return true;
  }
  return ContainsNoCase(error_type, "throttl") || ContainsNoCase(error_type, "expiredtoken") ||
         ContainsNoCase(error_type, "requesttimetooskewed");
}

namespace {

// The string value of top-level-looking `"key":"value"`; documents are small and this runs only
// for refused documents, so a tolerant scan is enough (the official daemon uses a regex).
std::string FindString(std::string_view raw, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  std::size_t pos = 0;
  while ((pos = raw.find(quoted, pos)) != std::string_view::npos) {
    std::size_t i = pos + quoted.size();
    while (i < raw.size() &&
           (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r')) {
      ++i;
    }
    if (i < raw.size() && raw[i] == ':') {
      ++i;
      while (i < raw.size() && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n')) {
        ++i;
      }
      if (i < raw.size() && raw[i] == '"') {
        const std::size_t end = raw.find('"', i + 1);
        if (end != std::string_view::npos) {
          return std::string(raw.substr(i + 1, end - i - 1));
        }
      }
    }
    pos += quoted.size();
  }
  return {};
}

}  // namespace

DocumentIds ExtractIds(std::string_view raw) {
  // The first "id" in the text is the document's own for SDK-written documents (id comes before
  // subsegments); parse properly to be exact.
  const nlohmann::json json = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
  DocumentIds ids;
  if (json.is_object()) {
    if (auto it = json.find("id"); it != json.end() && it->is_string()) {
      ids.id = it->get<std::string>();
    }
    if (auto it = json.find("trace_id"); it != json.end() && it->is_string()) {
      ids.trace_id = it->get<std::string>();
    }
    return ids;
  }
  ids.id = FindString(raw, "id");
  ids.trace_id = FindString(raw, "trace_id");
  return ids;
}

std::chrono::milliseconds Backoff(int attempt, std::chrono::milliseconds initial,
                                  std::chrono::milliseconds max, std::mt19937_64& random) {
  std::int64_t d = initial.count();
  for (int i = 0; i < attempt && d < max.count(); ++i) {
    d *= 2;
  }
  d = std::min<std::int64_t>(d, max.count());
  std::uniform_int_distribution<std::int64_t> jitter(d / 2, std::max<std::int64_t>(d, 1));
  return std::chrono::milliseconds(jitter(random));
}

ForwardErrorKind ForwardErrorKindOf(HttpErrorKind kind) {
  switch (kind) {
    case HttpErrorKind::kDns:
      return ForwardErrorKind::kDns;
    case HttpErrorKind::kRefused:
      return ForwardErrorKind::kRefused;
    case HttpErrorKind::kTimeout:
      return ForwardErrorKind::kTimeout;
    case HttpErrorKind::kTls:
      return ForwardErrorKind::kTls;
    case HttpErrorKind::kProxy:
      return ForwardErrorKind::kProxy;
    default:
      return ForwardErrorKind::kOther;
  }
}

}  // namespace xrayd::daemon
