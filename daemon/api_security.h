#pragma once
// Builds the TCP port's guard settings (daemon/api/request_guard.h) from DaemonConfig: allowed
// hosts, CORS origins, and with --api-auth sigv4 an authenticator that verifies each request's
// AWS Signature Version 4 (service xray, any region) against the configured key pairs.

#include "daemon/api/request_guard.h"
#include "daemon/config.h"

namespace xrayd::daemon {

ApiSecurityOptions ApiSecurityFor(const DaemonConfig& config);

}  // namespace xrayd::daemon
