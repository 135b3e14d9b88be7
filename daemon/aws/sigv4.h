#pragma once
// AWS Signature Version 4 (AWS4-HMAC-SHA256) signing and verification. Pure: no I/O, no clock (the
// time is an argument), no logging. OpenSSL's libcrypto provides SHA-256 and HMAC.
//
// Conventions (those of AWS's SigV4 test suite):
// - `path` is the request path exactly as sent on the request line (e.g. "/TraceSegments"; a raw
//   path with reserved characters is sent as EncodePath(raw)). The canonical URI is that path
//   normalised (dot segments removed, repeated '/' collapsed) with each segment percent-encoded
//   once more (RFC 3986 unreserved characters kept): the double encoding every AWS service but S3
//   expects, as the JS v3 SDK and botocore do. AWS's test-suite paths ("/example space/") are
//   signed as given.
// - `query` is the query string as sent, without '?', percent-encoded or not: each name and value
//   is decoded then re-encoded and the pairs sorted by name, then value.
// - Header names are case-insensitive; values are trimmed and runs of spaces collapsed; repeated
//   names are joined with ','. Every header in `headers` is signed, plus host, x-amz-date,
//   x-amz-security-token (when the credentials have a session token) and x-amz-content-sha256
//   (when SigningOptions::add_content_sha256). Do not put Authorization or Connection in `headers`.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/aws/aws_credentials.h"
#include "proto/result.h"

namespace xrayd::daemon {

using SigV4Headers = std::vector<std::pair<std::string, std::string>>;

struct SigningRequest {
  std::string method = "POST";
  std::string host{};  // The Host header value: "xray.us-east-1.amazonaws.com", "127.0.0.1:8080".
  std::string path = "/";
  std::string query{};
  SigV4Headers
      headers{};  // Other headers sent and signed, e.g. {"content-type","application/json"}.
  std::string_view body{};
};

struct SigningOptions {
  bool add_content_sha256 = true;  // Add and sign x-amz-content-sha256 (as the JS v3 SDK does).
};

// The headers to add to the request, in this order: x-amz-date, x-amz-security-token (if any),
// x-amz-content-sha256 (if asked), authorization. Names lower-case. The caller also sends `host`
// and `headers` exactly as given. kInvalidArgument if credentials, region, service or host are
// empty.
[[nodiscard]] Result<SigV4Headers> SignRequest(const SigningRequest& request,
                                               const AwsCredentials& credentials,
                                               std::string_view region, std::string_view service,
                                               std::chrono::system_clock::time_point now,
                                               const SigningOptions& options = {});

// The steps, exposed for tests against AWS's published intermediate values.
// `headers` must already contain host and x-amz-date (and any token/content hash to sign).
std::string CanonicalRequest(const SigningRequest& request, std::string_view payload_hash_hex);
std::string SignedHeaderList(const SigV4Headers& headers);  // "content-type;host;x-amz-date"
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
std::string SigningKey(std::string_view secret, std::string_view date_yyyymmdd,
                       std::string_view region, std::string_view service);  // 32 raw bytes
std::string Sha256Hex(std::string_view data);
std::string HmacSha256Hex(std::string_view key, std::string_view data);
std::string FormatAmzDate(std::chrono::system_clock::time_point time);  // 20150830T123600Z
// Percent-encodes each path segment (RFC 3986 unreserved kept, '/' kept) for the request line.
std::string EncodePath(std::string_view path);

// --- Verification (fake endpoints in tests; docs/forwarding.md#signature-verification) ---

struct ParsedAuthorization {
  std::string access_key_id{};
  std::string date{};  // yyyymmdd from the credential scope
  std::string region{};
  std::string service{};
  std::vector<std::string> signed_headers{};  // As listed, lower-case.
  std::string signature{};                    // Hex.
};
// Parses "AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=a;b,
// Signature=hex". kMalformed when it does not have that shape.
[[nodiscard]] Result<ParsedAuthorization> ParseAuthorization(std::string_view header);

struct VerifyRequest {
  std::string method{};
  std::string path{};      // As received on the request line (not decoded).
  std::string query{};     // As received, without '?'.
  SigV4Headers headers{};  // Every header received (any case); only the signed ones are used.
  std::string_view body{};
};

struct VerifyOptions {
  std::string service = "xray";              // Required service in the scope ("" = any).
  std::chrono::seconds max_clock_skew{900};  // |x-amz-date - now| allowed.
};

// Returns the secret access key for an access key id, or nullopt if unknown.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key_id)>;

// Recomputes the signature of a received request from the headers it lists as signed and compares
// in constant time. kInvalidArgument with a reason (missing/unknown key, wrong service, skew, host
// not signed, mismatch); the message never contains the secret or the expected signature.
[[nodiscard]] Result<ParsedAuthorization> VerifySignature(const VerifyRequest& request,
                                                          const SecretLookup& lookup,
                                                          std::chrono::system_clock::time_point now,
                                                          const VerifyOptions& options = {});

}  // namespace xrayd::daemon
