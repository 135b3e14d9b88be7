#include "daemon/forward_setup.h"

#include <algorithm>
#include <utility>

#include "daemon/aws/aws_region.h"

namespace xrayd::daemon {

ForwardSetup ResolveForwarding(const DaemonConfig& config, const Environment& env) {
  ForwardSetup setup;
  if (config.offline) {
    setup.mode = "offline (--offline: never forwards)";
    return setup;
  }
  const bool explicit_forwarding = !config.endpoint.empty() || !config.region.empty();
  setup.proxy = ProxySettingsFrom(config.proxy_address, env);
  RegionOptions region_options;
  region_options.configured = config.region;
  region_options.env = env;
  region_options.profile = config.profile;
  region_options.skip_imds = config.local_mode;
  auto region = DiscoverRegion(region_options);
  if (region) {
    setup.region = region->region;
  } else if (!config.endpoint.empty()) {
    setup.region = "us-east-1";  // A custom endpoint still needs a scope to sign with.
  } else {
    setup.mode = "offline (no AWS region found: " + region.error().message + ")";
    return setup;
  }
  setup.endpoint = config.endpoint.empty() ? XrayEndpointForRegion(setup.region) : config.endpoint;

  CredentialsOptions credentials;
  credentials.env = env;
  credentials.profile = config.profile;
  credentials.region = setup.region;
  credentials.role_arn = config.role_arn;
  credentials.skip_imds = config.local_mode;
  credentials.verify_tls = !config.no_verify_ssl;
  credentials.proxy = setup.proxy;
  std::unique_ptr<CredentialsProvider> chain = MakeDefaultCredentialsChain(std::move(credentials));
  auto probe = chain->Get();
  if (!probe && !explicit_forwarding) {
    setup.mode = "offline (no AWS credentials found: " + probe.error().message + ")";
    return setup;
  }
  setup.enabled = true;
  setup.mode = "forwarding to " + setup.endpoint + " region=" + setup.region + " credentials=" +
               (probe ? probe->source + " " + RedactAccessKeyId(probe->access_key_id)
                      : std::string("none yet (") + probe.error().message + ")");
  if (std::string proxy = DescribeProxyFor(setup.proxy, setup.endpoint); !proxy.empty()) {
    setup.mode += " " + proxy;
  }
  setup.credentials = std::move(chain);
  return setup;
}

ForwarderOptions ForwarderOptionsFor(const DaemonConfig& config, const ForwardSetup& setup) {
  ForwarderOptions options;
  options.store_path = config.StorePath();
  options.endpoint = setup.endpoint;
  options.region = setup.region;
  options.concurrency = std::max(config.concurrency, 1);
  options.http.verify_tls = !config.no_verify_ssl;
  options.http.proxy = setup.proxy;
  options.spool_max_bytes = config.forward_spool_max_bytes;
  return options;
}

}  // namespace xrayd::daemon
