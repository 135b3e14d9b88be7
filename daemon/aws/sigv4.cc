#include "daemon/aws/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <vector>

#include "proto/text.h"

namespace xrayd::daemon {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr char kHex[] = "0123456789abcdef";

std::string ToHex(const unsigned char* data, std::size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0x0f]);
  }
  return out;
}

std::string HmacRaw(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size);
  return std::string(reinterpret_cast<const char*>(out), size);
}

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~';
}

// RFC 3986 percent-encoding of everything but unreserved characters (and '/' when keep_slash).
std::string UriEncode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back("0123456789ABCDEF"[c >> 4]);
      out.push_back("0123456789ABCDEF"[c & 0x0f]);
    }
  }
  return out;
}

// Decodes %XX; a '%' not followed by two hex digits stays literal.
std::string UriDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = proto::HexDigitValue(text[i + 1]);
      const int lo = proto::HexDigitValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// Removes "." and ".." segments and empty segments; keeps a trailing '/'.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) {
        segments.pop_back();
      }
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  const bool trailing_slash = !path.empty() && path.back() == '/';
  const bool ends_with_dot = path.ends_with("/.") || path.ends_with("/..");
  if (out.empty() || ((trailing_slash || ends_with_dot) && !segments.empty())) {
    out.push_back('/');
  }
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start < query.size()) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    const std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      const std::string_view name = pair.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      pairs.emplace_back(UriEncode(UriDecode(name), false), UriEncode(UriDecode(value), false));
    }
    start = end + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) {
      out.push_back('&');
    }
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

// Trims and collapses runs of spaces (and tabs) into one space.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
    }
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// Lower-cased name -> comma-joined canonical values, sorted by name.
std::map<std::string, std::string> CanonicalHeaderMap(const SigV4Headers& headers) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : headers) {
    auto [it, inserted] = out.emplace(proto::AsciiLower(name), CanonicalHeaderValue(value));
    if (!inserted) {
      it->second += ',';
      it->second += CanonicalHeaderValue(value);
    }
  }
  return out;
}

std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service) {
  std::string scope(date);
  scope += '/';
  scope += region;
  scope += '/';
  scope += service;
  scope += "/aws4_request";
  return scope;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Parses 20150830T123600Z.
std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') {
    return std::nullopt;
  }
  std::tm tm{};
  int fields[6] = {};
  const std::size_t offsets[6] = {0, 4, 6, 9, 11, 13};
  const std::size_t widths[6] = {4, 2, 2, 2, 2, 2};
  for (int i = 0; i < 6; ++i) {
    int value = 0;
    for (std::size_t j = 0; j < widths[i]; ++j) {
      const char c = text[offsets[i] + j];
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      value = value * 10 + (c - '0');
    }
    fields[i] = value;
  }
  tm.tm_year = fields[0] - 1900;
  tm.tm_mon = fields[1] - 1;
  tm.tm_mday = fields[2];
  tm.tm_hour = fields[3];
  tm.tm_min = fields[4];
  tm.tm_sec = fields[5];
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return ToHex(digest, sizeof(digest));
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  const std::string raw = HmacRaw(key, data);
  return ToHex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string FormatAmzDate(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string EncodePath(std::string_view path) {
  return UriEncode(path, true);
}

std::string SignedHeaderList(const SigV4Headers& headers) {
  std::string out;
  for (const auto& [name, value] : CanonicalHeaderMap(headers)) {
    if (!out.empty()) {
      out.push_back(';');
    }
    out += name;
  }
  return out;
}

std::string CanonicalRequest(const SigningRequest& request, std::string_view payload_hash_hex) {
  std::string out = request.method;
  out += '\n';
  out += UriEncode(NormalizePath(request.path), true);
  out += '\n';
  out += CanonicalQuery(request.query);
  out += '\n';
  for (const auto& [name, value] : CanonicalHeaderMap(request.headers)) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  out += '\n';
  out += SignedHeaderList(request.headers);
  out += '\n';
  out += payload_hash_hex;
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += Sha256Hex(canonical_request);
  return out;
}

std::string SigningKey(std::string_view secret, std::string_view date_yyyymmdd,
                       std::string_view region, std::string_view service) {
  std::string key = HmacRaw("AWS4" + std::string(secret), date_yyyymmdd);
  key = HmacRaw(key, region);
  key = HmacRaw(key, service);
  return HmacRaw(key, "aws4_request");
}

namespace {

// SigningKey for the last secret, date, region and service this thread signed with: the key
// changes once a day (four HMACs per request otherwise).
const std::string& CachedSigningKey(std::string_view secret, std::string_view date_yyyymmdd,
                                    std::string_view region, std::string_view service) {
  struct Entry {
    std::string secret, date, region, service, key;
  };
  thread_local Entry last;
  if (last.key.empty() || last.secret != secret || last.date != date_yyyymmdd ||
      last.region != region || last.service != service) {
    last.key = SigningKey(secret, date_yyyymmdd, region, service);
    last.secret = secret;
    last.date = date_yyyymmdd;
    last.region = region;
    last.service = service;
  }
  return last.key;
}

}  // namespace

Result<SigV4Headers> SignRequest(const SigningRequest& request, const AwsCredentials& credentials,
                                 std::string_view region, std::string_view service,
                                 std::chrono::system_clock::time_point now,
                                 const SigningOptions& options) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "sigv4: credentials are empty");
  }
  if (region.empty() || service.empty() || request.host.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "sigv4: region, service and host are required");
  }
  for (const auto& [name, value] : request.headers) {
    const std::string lower = proto::AsciiLower(name);
    if (lower == "authorization" || lower == "host" || lower == "x-amz-date") {
      return MakeError(ErrorCode::kInvalidArgument,
                       "sigv4: header " + lower + " is set by the signer, not the caller");
    }
  }
  const std::string amz_date = FormatAmzDate(now);
  const std::string date = amz_date.substr(0, 8);
  const std::string payload_hash = Sha256Hex(request.body);

  SigV4Headers added;
  added.emplace_back("x-amz-date", amz_date);
  if (!credentials.session_token.empty()) {
    added.emplace_back("x-amz-security-token", credentials.session_token);
  }
  if (options.add_content_sha256) {
    added.emplace_back("x-amz-content-sha256", payload_hash);
  }

  SigningRequest signed_request = request;
  signed_request.headers.emplace_back("host", request.host);
  signed_request.headers.insert(signed_request.headers.end(), added.begin(), added.end());
  const std::string scope = CredentialScope(date, region, service);
  const std::string canonical = CanonicalRequest(signed_request, payload_hash);
  const std::string& key = CachedSigningKey(credentials.secret_access_key, date, region, service);
  const std::string signature = HmacSha256Hex(key, StringToSign(amz_date, scope, canonical));

  std::string authorization(kAlgorithm);
  authorization += " Credential=" + credentials.access_key_id + "/" + scope;
  authorization += ", SignedHeaders=" + SignedHeaderList(signed_request.headers);
  authorization += ", Signature=" + signature;
  added.emplace_back("authorization", std::move(authorization));
  return added;
}

Result<ParsedAuthorization> ParseAuthorization(std::string_view header) {
  auto malformed = [](std::string_view why) {
    return MakeError(ErrorCode::kMalformed,
                     "sigv4: malformed Authorization header: " + std::string(why));
  };
  if (!header.starts_with(kAlgorithm) || header.size() <= kAlgorithm.size() ||
      header[kAlgorithm.size()] != ' ') {
    return malformed("not AWS4-HMAC-SHA256");
  }
  std::string_view rest = header.substr(kAlgorithm.size() + 1);
  std::map<std::string, std::string, std::less<>> fields;
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) {
      rest.remove_prefix(1);
    }
    const std::size_t end = std::min(rest.find(','), rest.size());
    const std::string_view part = rest.substr(0, end);
    rest.remove_prefix(end);
    if (part.empty()) {
      continue;
    }
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return malformed("field without '='");
    }
    std::string_view value = part.substr(eq + 1);
    while (!value.empty() && value.back() == ' ') {
      value.remove_suffix(1);
    }
    fields[std::string(part.substr(0, eq))] = std::string(value);
  }
  const auto credential = fields.find("Credential");
  const auto signed_headers = fields.find("SignedHeaders");
  const auto signature = fields.find("Signature");
  if (credential == fields.end() || signed_headers == fields.end() || signature == fields.end()) {
    return malformed("Credential, SignedHeaders and Signature are required");
  }
  ParsedAuthorization parsed;
  std::vector<std::string> scope;
  std::size_t start = 0;
  const std::string& cred = credential->second;
  while (start <= cred.size()) {
    const std::size_t end = std::min(cred.find('/', start), cred.size());
    scope.push_back(cred.substr(start, end - start));
    start = end + 1;
  }
  if (scope.size() != 5 || scope[4] != "aws4_request" || scope[0].empty() || scope[1].size() != 8) {
    return malformed("Credential is not AKID/yyyymmdd/region/service/aws4_request");
  }
  parsed.access_key_id = scope[0];
  parsed.date = scope[1];
  parsed.region = scope[2];
  parsed.service = scope[3];
  start = 0;
  const std::string& list = signed_headers->second;
  while (start < list.size()) {
    const std::size_t end = std::min(list.find(';', start), list.size());
    parsed.signed_headers.push_back(proto::AsciiLower(list.substr(start, end - start)));
    start = end + 1;
  }
  if (parsed.signed_headers.empty()) {
    return malformed("SignedHeaders is empty");
  }
  parsed.signature = signature->second;
  return parsed;
}

Result<ParsedAuthorization> VerifySignature(const VerifyRequest& request,
                                            const SecretLookup& lookup,
                                            std::chrono::system_clock::time_point now,
                                            const VerifyOptions& options) {
  auto reject = [](std::string why) {
    return MakeError(ErrorCode::kInvalidArgument, "sigv4: " + std::move(why));
  };
  std::string authorization;
  for (const auto& [name, value] : request.headers) {
    if (proto::AsciiLower(name) == "authorization") {
      authorization = value;
    }
  }
  if (authorization.empty()) {
    return reject("request is not signed");
  }
  auto parsed = ParseAuthorization(authorization);
  if (!parsed) {
    return reject(parsed.error().message.substr(7));
  }
  if (!options.service.empty() && parsed->service != options.service) {
    return reject("credential scope names service '" + parsed->service + "', expected '" +
                  options.service + "'");
  }
  const auto& listed = parsed->signed_headers;
  if (std::find(listed.begin(), listed.end(), "host") == listed.end()) {
    return reject("host is not a signed header");
  }
  if (std::find(listed.begin(), listed.end(), "x-amz-date") == listed.end()) {
    return reject("x-amz-date is not a signed header");
  }
  SigningRequest rebuilt;
  rebuilt.method = request.method;
  rebuilt.path = request.path;
  rebuilt.query = request.query;
  rebuilt.body = request.body;
  std::string amz_date;
  std::string content_sha256;
  for (const auto& wanted : listed) {
    bool found = false;
    for (const auto& [name, value] : request.headers) {
      if (proto::AsciiLower(name) != wanted) {
        continue;
      }
      rebuilt.headers.emplace_back(wanted, value);
      found = true;
      if (wanted == "x-amz-date") {
        amz_date = value;
      }
      if (wanted == "x-amz-content-sha256") {
        content_sha256 = value;
      }
    }
    if (!found) {
      return reject("signed header '" + wanted + "' is missing");
    }
  }
  const auto when = ParseAmzDate(amz_date);
  if (!when) {
    return reject("x-amz-date is not yyyymmddThhmmssZ");
  }
  if (amz_date.substr(0, 8) != parsed->date) {
    return reject("x-amz-date does not match the credential scope date");
  }
  const auto skew = now > *when ? now - *when : *when - now;
  if (skew > options.max_clock_skew) {
    return reject("x-amz-date " + amz_date + " is more than " +
                  std::to_string(options.max_clock_skew.count()) + " s from the server's time");
  }
  const std::optional<std::string> secret = lookup(parsed->access_key_id);
  if (!secret) {
    return reject("unknown access key id " + RedactAccessKeyId(parsed->access_key_id));
  }
  const std::string payload_hash = Sha256Hex(request.body);
  if (!content_sha256.empty() && content_sha256 != payload_hash) {
    return reject("x-amz-content-sha256 does not match the body");
  }
  const std::string scope = CredentialScope(parsed->date, parsed->region, parsed->service);
  const std::string key = SigningKey(*secret, parsed->date, parsed->region, parsed->service);
  const std::string expected =
      HmacSha256Hex(key, StringToSign(amz_date, scope, CanonicalRequest(rebuilt, payload_hash)));
  if (!ConstantTimeEquals(expected, parsed->signature)) {
    return reject("signature does not match");
  }
  return std::move(*parsed);
}

}  // namespace xrayd::daemon
