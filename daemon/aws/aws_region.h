#pragma once
// Region discovery for forwarding and the X-Ray/STS endpoints of a region's partition.
// Order (docs/forwarding.md#credentials-chain): configured value (flag/config) -> AWS_REGION ->
// AWS_DEFAULT_REGION
// -> the profile's `region` in the shared config file -> ECS task metadata
// (ECS_CONTAINER_METADATA_URI_V4 /task AvailabilityZone) -> EC2 IMDSv2
// /latest/meta-data/placement/region (skipped in local mode).

#include <chrono>
#include <string>
#include <string_view>

#include "daemon/core/environment.h"
#include "proto/result.h"

namespace xrayd::daemon {

struct RegionOptions {
  std::string configured{};  // --region / config value; wins when not empty.
  Environment env{};
  std::string profile{};   // Overrides AWS_PROFILE when not empty.
  bool skip_imds = false;  // Local mode.
  std::chrono::milliseconds http_timeout{1000};
};

struct DiscoveredRegion {
  std::string region{};  // "us-east-1"
  std::string source{};  // "config", "AWS_REGION", "AWS_DEFAULT_REGION", "profile", "ecs", "imds"
};

// kNotFound when no source knows the region; kInvalidArgument for a malformed region name.
[[nodiscard]] Result<DiscoveredRegion> DiscoverRegion(const RegionOptions& options);

// True for names like "us-east-1", "cn-north-1", "us-gov-west-1", "us-isob-east-1".
bool IsValidRegionName(std::string_view region);

// The DNS suffix of the region's partition: amazonaws.com (aws, aws-us-gov), amazonaws.com.cn
// (cn-*), c2s.ic.gov (us-iso-*), sc2s.sgov.gov (us-isob-*), cloud.adc-e.uk (eu-isoe-*),
// csp.hci.ic.gov (us-isof-*), amazonaws.eu (eusc-*).
std::string_view PartitionDnsSuffix(std::string_view region);

// "https://xray.<region>.<suffix>"
std::string XrayEndpointForRegion(std::string_view region);
// "https://sts.<region>.<suffix>"
std::string StsEndpointForRegion(std::string_view region);

// "us-east-1a" -> "us-east-1" (drops the zone letter); "" if not an availability zone name.
std::string RegionFromAvailabilityZone(std::string_view zone);

}  // namespace xrayd::daemon
