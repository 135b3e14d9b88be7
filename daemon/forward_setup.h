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
#include "daemon/otlp_export/otlp_exporter.h"

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

// OTLP export (docs/otlp-mapping.md#export), independent of --offline: enabled when
// --otlp-endpoint is set. With --otlp-sigv4, the region is -n/the config's, else the endpoint's
// host `xray.REGION.amazonaws.com`, else discovered as for forwarding; the credentials are the
// forwarder's chain when it has one, else the same chain built here (`credentials`).
struct OtlpExportSetup {
  bool enabled = false;
  otlp_export::OtlpExportOptions options;
  std::unique_ptr<CredentialsProvider> credentials;  // Set when signing without a forwarder.
  std::string mode;  // For the start-up line: "off" or "URL (http/protobuf, sigv4 REGION)".
};
// Fails (kInvalidArgument) only when signing is asked for and no region can be found.
[[nodiscard]] Result<OtlpExportSetup> ResolveOtlpExport(const DaemonConfig& config,
                                                        const Environment& env,
                                                        const ForwardSetup& forwarding);

}  // namespace xrayd::daemon
