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

namespace {

// "us-west-2" from "https://xray.us-west-2.amazonaws.com/v1/traces"; "" otherwise.
std::string RegionOfXrayHost(const std::string& url) {
  auto parsed = ParseUrl(url);
  if (!parsed || parsed->host.rfind("xray.", 0) != 0) {
    return {};
  }
  const std::string rest = parsed->host.substr(5);
  const std::string region = rest.substr(0, rest.find('.'));
  return IsValidRegionName(region) ? region : std::string();
}

}  // namespace

Result<OtlpExportSetup> ResolveOtlpExport(const DaemonConfig& config, const Environment& env,
                                          const ForwardSetup& forwarding) {
  OtlpExportSetup setup;
  setup.mode = "off";
  if (config.otlp_endpoint.empty()) {
    return setup;
  }
  otlp_export::OtlpExportOptions& options = setup.options;
  options.store_path = config.StorePath();
  options.spool_max_bytes = config.forward_spool_max_bytes;
  options.http.verify_tls = !config.no_verify_ssl;
  options.http.proxy = ProxySettingsFrom(config.proxy_address, env);
  options.sender.url = config.otlp_endpoint;
  options.sender.protocol = config.otlp_export_grpc ? otlp_export::OtlpProtocol::kGrpc
                            : config.otlp_json      ? otlp_export::OtlpProtocol::kHttpJson
                                                    : otlp_export::OtlpProtocol::kHttpProtobuf;
  if (config.otlp_sigv4 && config.otlp_export_grpc) {
    return MakeError(ErrorCode::kInvalidArgument, otlp_export::kSigV4NeedsHttp);
  }
  if (config.otlp_export_grpc && config.no_verify_ssl &&
      config.otlp_endpoint.starts_with("https:")) {
    return MakeError(ErrorCode::kInvalidArgument, otlp_export::kGrpcVerifiesTls);
  }
  if (config.otlp_export_grpc && !config.proxy_address.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, otlp_export::kGrpcNoProxy);
  }
  for (const auto& [name, value] : config.otlp_headers) {
    options.sender.headers.emplace_back(name, value);
  }
  setup.mode = config.otlp_endpoint + " (" + otlp_export::OtlpProtocolName(options.sender.protocol);
  if (config.otlp_sigv4) {
    std::string region = config.region;
    if (region.empty()) {
      region = RegionOfXrayHost(config.otlp_endpoint);
    }
    if (region.empty()) {
      RegionOptions region_options;
      region_options.env = env;
      region_options.profile = config.profile;
      region_options.skip_imds = config.local_mode;
      auto discovered = DiscoverRegion(region_options);
      if (!discovered) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "--otlp-sigv4: no AWS region to sign for (give -n REGION): " +
                             discovered.error().message);
      }
      region = discovered->region;
    }
    options.sender.sigv4 = true;
    options.sender.region = region;
    if (forwarding.credentials) {
      options.sender.credentials = forwarding.credentials.get();
    } else {
      CredentialsOptions credentials;
      credentials.env = env;
      credentials.profile = config.profile;
      credentials.region = region;
      credentials.role_arn = config.role_arn;
      credentials.skip_imds = config.local_mode;
      credentials.verify_tls = !config.no_verify_ssl;
      credentials.proxy = options.http.proxy;
      setup.credentials = MakeDefaultCredentialsChain(std::move(credentials));
      options.sender.credentials = setup.credentials.get();
    }
    setup.mode += ", sigv4 " + region;
  }
  setup.mode += ")";
  setup.enabled = true;
  return setup;
}

}  // namespace xrayd::daemon
