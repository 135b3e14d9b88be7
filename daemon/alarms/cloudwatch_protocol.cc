#include "daemon/alarms/cloudwatch_protocol.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "proto/text.h"
#include "proto/utf8.h"

namespace xrayd::daemon::alarms {
namespace {

constexpr char kXmlNamespace[] = "http://monitoring.amazonaws.com/doc/2010-08-01/";
constexpr char kRequestId[] = "00000000-0000-0000-0000-000000000000";

std::string Header(const HttpRequest& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? "" : it->second;
}

std::string UrlDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && proto::HexDigitValue(text[i + 1]) >= 0 &&
               proto::HexDigitValue(text[i + 2]) >= 0) {
      out += static_cast<char>(proto::HexDigitValue(text[i + 1]) * 16 +
                               proto::HexDigitValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// A list position of the query protocol: 1..999 (CloudWatch's longest lists hold 500 items), so a
// small form cannot make huge arrays.
bool IsIndex(const std::string& s) {
  return !s.empty() && s.size() < 4 && s.find_first_not_of("0123456789") == std::string::npos &&
         s.front() != '0';
}

// Places `value` at `path` inside `node`, making "member.N" segments array positions.
void Place(nlohmann::json& node, const std::vector<std::string>& path, std::size_t i,
           const std::string& value) {
  if (i == path.size()) {
    node = value;
    return;
  }
  if (path[i] == "member" && i + 1 < path.size() && IsIndex(path[i + 1])) {
    if (!node.is_array()) {
      node = nlohmann::json::array();
    }
    std::size_t index = std::stoul(path[i + 1]) - 1;
    while (node.size() <= index) {
      node.push_back(nullptr);
    }
    Place(node[index], path, i + 2, value);
    return;
  }
  if (!node.is_object()) {
    node = nlohmann::json::object();
  }
  Place(node[path[i]], path, i + 1, value);
}

void DropNulls(nlohmann::json& node) {
  if (node.is_array()) {
    nlohmann::json kept = nlohmann::json::array();
    for (auto& item : node) {
      if (!item.is_null()) {
        DropNulls(item);
        kept.push_back(std::move(item));
      }
    }
    node = std::move(kept);
  } else if (node.is_object()) {
    for (auto& [key, item] : node.items()) {
      DropNulls(item);
    }
  }
}

bool IsTimestamp(const nlohmann::json& value) {
  return value.is_object() && value.size() == 1 && value.contains("$ts");
}

std::string IsoTime(double seconds) {
  std::time_t whole = static_cast<std::time_t>(std::floor(seconds));
  int millis = static_cast<int>(std::lround((seconds - std::floor(seconds)) * 1000));
  if (millis == 1000) {
    ++whole;
    millis = 0;
  }
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char buffer[48];
  std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", millis);
  return buffer;
}

// JSON numbers for the JSON protocol: timestamps become epoch seconds.
nlohmann::json ForJson(const nlohmann::json& value) {
  if (IsTimestamp(value)) {
    return value["$ts"];
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : value.items()) {
      out[key] = ForJson(item);
    }
    return out;
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) {
      out.push_back(ForJson(item));
    }
    return out;
  }
  return value;
}

void CborHead(std::string& out, std::uint8_t major, std::uint64_t n) {
  const auto m = static_cast<std::uint8_t>(major << 5);
  if (n < 24) {
    out += static_cast<char>(m | n);
  } else if (n <= 0xff) {
    out += static_cast<char>(m | 24);
    out += static_cast<char>(n);
  } else if (n <= 0xffff) {
    out += static_cast<char>(m | 25);
    for (int s = 8; s >= 0; s -= 8) {
      out += static_cast<char>((n >> s) & 0xff);
    }
  } else if (n <= 0xffffffffULL) {
    out += static_cast<char>(m | 26);
    for (int s = 24; s >= 0; s -= 8) {
      out += static_cast<char>((n >> s) & 0xff);
    }
  } else {
    out += static_cast<char>(m | 27);
    for (int s = 56; s >= 0; s -= 8) {
      out += static_cast<char>((n >> s) & 0xff);
    }
  }
}

void CborDouble(std::string& out, double value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  out += static_cast<char>(0xfb);
  for (int s = 56; s >= 0; s -= 8) {
    out += static_cast<char>((bits >> s) & 0xff);
  }
}

void CborEncode(std::string& out, const nlohmann::json& value) {
  if (IsTimestamp(value)) {
    out += static_cast<char>(0xc1);  // Tag 1: epoch-based date/time.
    CborDouble(out, value["$ts"].get<double>());
    return;
  }
  switch (value.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      out += static_cast<char>(0xf6);
      break;
    case nlohmann::json::value_t::boolean:
      out += static_cast<char>(value.get<bool>() ? 0xf5 : 0xf4);
      break;
    case nlohmann::json::value_t::number_unsigned:
      CborHead(out, 0, value.get<std::uint64_t>());
      break;
    case nlohmann::json::value_t::number_integer: {
      std::int64_t n = value.get<std::int64_t>();
      if (n >= 0) {
        CborHead(out, 0, static_cast<std::uint64_t>(n));
      } else {
        CborHead(out, 1, static_cast<std::uint64_t>(-(n + 1)));
      }
      break;
    }
    case nlohmann::json::value_t::number_float:
      CborDouble(out, value.get<double>());
      break;
    case nlohmann::json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      CborHead(out, 3, text.size());
      out += text;
      break;
    }
    case nlohmann::json::value_t::binary:
      CborHead(out, 2, value.get_binary().size());
      out.append(value.get_binary().begin(), value.get_binary().end());
      break;
    case nlohmann::json::value_t::array:
      CborHead(out, 4, value.size());
      for (const auto& item : value) {
        CborEncode(out, item);
      }
      break;
    case nlohmann::json::value_t::object:
      CborHead(out, 5, value.size());
      for (const auto& [key, item] : value.items()) {
        CborHead(out, 3, key.size());
        out += key;
        CborEncode(out, item);
      }
      break;
  }
}

std::string XmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string XmlScalar(const nlohmann::json& value) {
  if (value.is_string()) {
    return XmlEscape(value.get<std::string>());
  }
  if (value.is_boolean()) {
    return value.get<bool>() ? "true" : "false";
  }
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (d == std::floor(d) && std::fabs(d) < 1e15) {
      return std::to_string(static_cast<std::int64_t>(d)) + ".0";
    }
    return value.dump();
  }
  if (value.is_null()) {
    return "";
  }
  return value.dump();
}

void XmlEncode(std::string& out, const std::string& name, const nlohmann::json& value) {
  out += "<" + name + ">";
  if (IsTimestamp(value)) {
    out += IsoTime(value["$ts"].get<double>());
  } else if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      XmlEncode(out, key, item);
    }
  } else if (value.is_array()) {
    for (const auto& item : value) {
      XmlEncode(out, "member", item);
    }
  } else {
    out += XmlScalar(value);
  }
  out += "</" + name + ">";
}

// The modeled exception shape of a query error code, for JSON/CBOR __type.
std::string ShapeName(const std::string& code) {
  if (code == "MissingParameter") {
    return "MissingRequiredParameterException";
  }
  if (code == "InvalidParameterValue") {
    return "InvalidParameterValueException";
  }
  if (code == "InvalidParameterCombination") {
    return "InvalidParameterCombinationException";
  }
  if (code == "LimitExceeded") {
    return "LimitExceededFault";
  }
  if (code == "ValidationError") {
    return "ValidationException";
  }
  if (code == "InvalidFormat") {
    return "InvalidFormatFault";
  }
  if (code == "InternalServiceError") {
    return "InternalServiceFault";
  }
  return code;
}

// Copies one CBOR data item from in[pos] to `out` without its tags (nlohmann::json cannot read
// tag 1, the timestamps of RPC v2 CBOR; untagged, a timestamp is its epoch number). False if the
// bytes are not well-formed CBOR or nest deeper than 64 levels.
bool StripTags(std::string_view in, std::size_t& pos, std::string& out, int depth) {
  if (depth > 64 || pos >= in.size()) {
    return false;
  }
  const auto initial = static_cast<std::uint8_t>(in[pos]);
  const int major = initial >> 5;
  const int info = initial & 0x1f;
  std::size_t head = 1;
  std::uint64_t argument = static_cast<std::uint64_t>(info);
  if (info >= 24 && info <= 27) {
    const std::size_t bytes = std::size_t{1} << (info - 24);
    if (pos + 1 + bytes > in.size()) {
      return false;
    }
    argument = 0;
    for (std::size_t i = 0; i < bytes; ++i) {
      argument = (argument << 8) | static_cast<std::uint8_t>(in[pos + 1 + i]);
    }
    head += bytes;
  } else if (info >= 28 && (info != 31 || major == 0 || major == 1 || major == 6)) {
    return false;
  }
  if (major == 6) {  // Tag: drop the head, keep the tagged item.
    pos += head;
    return StripTags(in, pos, out, depth + 1);
  }
  out.append(in.substr(pos, head));
  pos += head;
  const bool indefinite = info == 31;
  switch (major) {
    case 0:
    case 1:
      return true;
    case 2:
    case 3:
      if (indefinite) {
        while (pos < in.size() && static_cast<std::uint8_t>(in[pos]) != 0xff) {
          if (!StripTags(in, pos, out, depth + 1)) {
            return false;
          }
        }
        if (pos >= in.size()) {
          return false;
        }
        out += in[pos++];
        return true;
      }
      if (argument > in.size() - pos) {
        return false;
      }
      out.append(in.substr(pos, argument));
      pos += argument;
      return true;
    case 4:
    case 5: {
      const std::uint64_t per_entry = major == 5 ? 2 : 1;
      if (indefinite) {
        while (pos < in.size() && static_cast<std::uint8_t>(in[pos]) != 0xff) {
          for (std::uint64_t k = 0; k < per_entry; ++k) {
            if (!StripTags(in, pos, out, depth + 1)) {
              return false;
            }
          }
        }
        if (pos >= in.size()) {
          return false;
        }
        out += in[pos++];
        return true;
      }
      if (argument > in.size()) {
        return false;
      }
      for (std::uint64_t i = 0; i < argument * per_entry; ++i) {
        if (!StripTags(in, pos, out, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    default:  // 7: simple values and floats, whose bytes the head already covered.
      return true;
  }
}

std::pair<std::optional<CloudWatchRequest>, ApiError> Fail(std::string code, std::string message) {
  return {std::nullopt, ApiError{400, std::move(code), std::move(message)}};
}

bool ValidUtf8(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    if (proto::DecodeUtf8(text, &pos) == proto::kInvalidCodePoint) {
      return false;
    }
  }
  return true;
}

// True if every key and string of `value` is valid UTF-8 (what JSON answers and the XML of the
// query protocol can carry) and it nests at most kMaxParamDepth levels.
constexpr std::size_t kMaxParamDepth = 32;
bool CleanParams(const nlohmann::json& value, std::size_t depth) {
  if (depth > kMaxParamDepth) {
    return false;
  }
  if (value.is_string()) {
    return ValidUtf8(value.get_ref<const std::string&>());
  }
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if (!ValidUtf8(key) || !CleanParams(item, depth + 1)) {
        return false;
      }
    }
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (!CleanParams(item, depth + 1)) {
        return false;
      }
    }
  }
  return true;
}

// The decoded request, or the error for an operation name or parameters CleanParams refuses.
std::pair<std::optional<CloudWatchRequest>, ApiError> Checked(CloudWatchRequest decoded) {
  if (!ValidUtf8(decoded.operation) || !CleanParams(decoded.params, 0)) {
    return Fail(
        decoded.protocol == Protocol::kQuery ? "InvalidParameterValue" : "SerializationException",
        "The request holds text that is not valid UTF-8 or nests deeper than " +
            std::to_string(kMaxParamDepth) + " levels.");
  }
  return {std::move(decoded), ApiError{}};
}

}  // namespace

Protocol DetectProtocol(const HttpRequest& request) {
  if (request.target.rfind(kCborPathPrefix, 0) == 0 ||
      Header(request, "smithy-protocol") == "rpc-v2-cbor") {
    return Protocol::kCbor;
  }
  if (!Header(request, "x-amz-target").empty() ||
      Header(request, "content-type").find("json") != std::string::npos) {
    return Protocol::kJson;
  }
  return Protocol::kQuery;
}

nlohmann::json DecodeQueryForm(std::string_view body) {
  nlohmann::json root = nlohmann::json::object();
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string_view::npos) {
      end = body.size();
    }
    std::string_view pair = body.substr(start, end - start);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      std::string key = UrlDecode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
      std::vector<std::string> path;
      std::size_t p = 0;
      while (p <= key.size() && path.size() <= kMaxParamDepth) {
        std::size_t dot = key.find('.', p);
        if (dot == std::string::npos) {
          dot = key.size();
        }
        path.push_back(key.substr(p, dot - p));
        p = dot + 1;
      }
      if (path.size() <= kMaxParamDepth) {  // Deeper keys name no CloudWatch parameter.
        Place(root, path, 0, value);
      }
    }
    start = end + 1;
  }
  DropNulls(root);
  return root;
}

std::pair<std::optional<CloudWatchRequest>, ApiError> DecodeRequest(const HttpRequest& request) {
  CloudWatchRequest decoded;
  decoded.protocol = DetectProtocol(request);
  const std::string path = request.target.substr(0, request.target.find('?'));
  switch (decoded.protocol) {
    case Protocol::kCbor: {
      decoded.operation = path.substr(std::min(path.size(), std::strlen(kCborPathPrefix)));
      if (request.body.empty()) {
        return Checked(std::move(decoded));
      }
      std::string untagged;
      std::size_t pos = 0;
      if (!StripTags(request.body, pos, untagged, 0) || pos != request.body.size()) {
        return Fail("SerializationException", "The request body is not well-formed CBOR.");
      }
      nlohmann::json body = nlohmann::json::from_cbor(untagged, /*strict=*/true,
                                                      /*allow_exceptions=*/false);
      if (body.is_discarded() || !body.is_object()) {
        return Fail("SerializationException", "The request body is not a CBOR map.");
      }
      decoded.params = std::move(body);
      return Checked(std::move(decoded));
    }
    case Protocol::kJson: {
      std::string target = Header(request, "x-amz-target");
      if (target.rfind(kJsonTargetPrefix, 0) != 0) {
        return Fail("UnknownOperationException",
                    "X-Amz-Target must be GraniteServiceVersion20100801.<Operation>");
      }
      decoded.operation = target.substr(std::strlen(kJsonTargetPrefix));
      if (request.body.empty()) {
        return Checked(std::move(decoded));
      }
      nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) {
        return Fail("SerializationException", "The request body is not a JSON object.");
      }
      decoded.params = std::move(body);
      return Checked(std::move(decoded));
    }
    case Protocol::kQuery: {
      decoded.params = DecodeQueryForm(request.body);
      auto action = decoded.params.find("Action");
      if (action == decoded.params.end() || !action->is_string()) {
        return Fail("MissingAction", "Could not find operation to perform (no Action).");
      }
      decoded.operation = action->get<std::string>();
      decoded.params.erase("Action");
      decoded.params.erase("Version");
      return Checked(std::move(decoded));
    }
  }
  return Fail("InternalFailure", "unknown protocol");
}

HttpResponse EncodeResult(Protocol protocol, const std::string& operation,
                          const nlohmann::json& result) {
  HttpResponse response;
  response.headers.emplace_back("x-amzn-RequestId", kRequestId);
  switch (protocol) {
    case Protocol::kCbor:
      response.content_type = "application/cbor";
      response.headers.emplace_back("smithy-protocol", "rpc-v2-cbor");
      response.body = EncodeCbor(result.is_object() ? result : nlohmann::json::object());
      break;
    case Protocol::kJson:
      response.content_type = "application/x-amz-json-1.0";
      response.body = ForJson(result.is_object() ? result : nlohmann::json::object())
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      break;
    case Protocol::kQuery: {
      response.content_type = "text/xml";
      std::string body = "<" + operation + "Response xmlns=\"" + kXmlNamespace + "\">";
      if (result.is_object() && !result.empty()) {
        XmlEncode(body, operation + "Result", result);
      }
      body += "<ResponseMetadata><RequestId>" + std::string(kRequestId) +
              "</RequestId></ResponseMetadata></" + operation + "Response>";
      response.body = std::move(body);
      break;
    }
  }
  return response;
}

HttpResponse EncodeError(Protocol protocol, const ApiError& error) {
  HttpResponse response;
  response.status = error.status;
  const std::string fault = error.status >= 500 ? "Receiver" : "Sender";
  response.headers.emplace_back("x-amzn-RequestId", kRequestId);
  switch (protocol) {
    case Protocol::kCbor:
      response.content_type = "application/cbor";
      response.headers.emplace_back("smithy-protocol", "rpc-v2-cbor");
      response.headers.emplace_back("x-amzn-query-error", error.code + ";" + fault);
      response.body = EncodeCbor({{"__type", "com.amazonaws.cloudwatch#" + ShapeName(error.code)},
                                  {"message", error.message}});
      break;
    case Protocol::kJson:
      response.content_type = "application/x-amz-json-1.0";
      response.headers.emplace_back("x-amzn-query-error", error.code + ";" + fault);
      response.body = nlohmann::json{
          {"__type", "com.amazonaws.cloudwatch#" + ShapeName(error.code)},
          {"message",
           error.message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      break;
    case Protocol::kQuery:
      response.content_type = "text/xml";
      response.body = std::string("<ErrorResponse xmlns=\"") + kXmlNamespace + "\"><Error><Type>" +
                      fault + "</Type><Code>" + XmlEscape(error.code) + "</Code><Message>" +
                      XmlEscape(error.message) + "</Message></Error><RequestId>" + kRequestId +
                      "</RequestId></ErrorResponse>";
      break;
  }
  return response;
}

std::optional<double> ParseTimestamp(const nlohmann::json& value) {
  if (value.is_number()) {
    return value.get<double>();
  }
  if (!value.is_string()) {
    return std::nullopt;
  }
  const std::string& text = value.get_ref<const std::string&>();
  char* end = nullptr;
  double number = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size()) {
    return number;
  }
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) {
    return std::nullopt;
  }
  double seconds = static_cast<double>(timegm(&tm));
  if (*rest == '.') {
    char* after = nullptr;
    seconds += std::strtod(rest, &after);
    rest = after;
  }
  if (*rest == 'Z' || *rest == '\0') {
    return seconds;
  }
  if ((*rest == '+' || *rest == '-') && std::strlen(rest) >= 5) {
    int sign = *rest == '-' ? -1 : 1;
    int hh = std::atoi(std::string(rest + 1, 2).c_str());
    int mm = std::atoi(std::string(rest + (rest[3] == ':' ? 4 : 3), 2).c_str());
    return seconds - sign * (hh * 3600 + mm * 60);
  }
  return std::nullopt;
}

std::string EncodeCbor(const nlohmann::json& value) {
  std::string out;
  CborEncode(out, value);
  return out;
}

}  // namespace xrayd::daemon::alarms
