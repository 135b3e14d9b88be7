#pragma once
// Decides at start-up whether xrayd forwards to AWS X-Ray, and with what endpoint, region and
// credentials (docs/forwarding.md):
//   --offline                         -> never forward (no credential or region look-up at all).
//   region or endpoint configured     -> forward ("explicit"); missing credentials are an error
//                                        logged by the forwarder, which keeps spooling and
//                                        retrying.
//   otherwise                         -> forward if a region and credentials are discovered, else
//                                        run offline and say why, once, at start-up.
// Proxies (daemon/http_proxy.h): -p/ProxyAddress and HTTPS_PROXY/HTTP_PROXY/NO_PROXY from `env`
// apply to uploads, the sampling proxy and STS (never to IMDS or the container endpoint); the
// start-up mode line names the proxy used for the X-Ray endpoint (host:port only).

#include <memory>
#include <string>

#include "daemon/aws/aws_credentials.h"
#include "daemon/config.h"
#include "daemon/forward/forwarder.h"
#include "daemon/net/http_proxy.h"

namespace xrayd::daemon {

struct ForwardSetup {
  bool enabled = false;
  std::string endpoint;  // "https://xray.<region>.<partition suffix>" or the configured one.
  std::string region;
  std::unique_ptr<CredentialsProvider> credentials;  // Set when enabled.
  ProxySettings proxy;  // For every HttpClient that talks to AWS (X-Ray, STS).
  std::string mode;  // For the start-up line: "forwarding to <endpoint> (...)" or "offline (...)".
};

// May ask the network (IMDS, ECS, STS) through the region and credential look-ups, unless offline
// or local mode says not to. Never fails: problems become an offline mode with a reason.
ForwardSetup ResolveForwarding(const DaemonConfig& config, const Environment& env);

// The forwarder's options from the config and the resolved setup (store path, endpoint, region,
// Concurrency, NoVerifySSL, proxies, spool cap).
ForwarderOptions ForwarderOptionsFor(const DaemonConfig& config, const ForwardSetup& setup);

}  // namespace xrayd::daemon
