#pragma once
// EC2 instance metadata (IMDSv2) reads, shared by the IMDS credentials source and region
// discovery. Endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://[fd00:ec2::254] when
// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6, else http://169.254.169.254. Each read first PUTs
// /latest/api/token (TTL 21600 s) and sends the token; it falls back to IMDSv1 (no token) when the
// token request is refused with an HTTP error, unless AWS_EC2_METADATA_V1_DISABLED=true.

#include <chrono>
#include <string>
#include <string_view>

#include "daemon/core/environment.h"
#include "proto/result.h"

namespace xrayd::daemon {

// GETs `path` ("/latest/meta-data/...") and returns the body. kNotFound when IMDS is disabled
// (AWS_EC2_METADATA_DISABLED=true), unreachable (not on EC2) or answers 404; kIOError for other
// HTTP errors. Messages never contain the token.
[[nodiscard]] Result<std::string> ImdsGet(const Environment& env, std::string_view path,
                                          std::chrono::milliseconds timeout);

}  // namespace xrayd::daemon
