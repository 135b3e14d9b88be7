#include "daemon/aws/aws_region.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "daemon/aws/aws_credentials_internal.h"
#include "daemon/aws/aws_imds.h"
#include "daemon/aws/aws_profile.h"
#include "daemon/net/http_client.h"

namespace xrayd::daemon {

namespace {

Result<DiscoveredRegion> Found(std::string region, std::string source) {
  if (!IsValidRegionName(region)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "region '" + region + "' from " + source + " is not a region name");
  }
  return DiscoveredRegion{std::move(region), std::move(source)};
}

// ECS task metadata v4: GET $ECS_CONTAINER_METADATA_URI_V4/task -> {"AvailabilityZone": "..."}.
std::string RegionFromEcs(const RegionOptions& options) {
  const auto base = internal::EnvValue(options.env, "ECS_CONTAINER_METADATA_URI_V4");
  if (!base) {
    return "";
  }
  HttpClient client;
  ClientRequest request;
  request.url = *base + "/task";
  request.timeout = options.http_timeout;
  auto response = client.Send(request);
  if (!response || response->status != 200) {
    return "";
  }
  const auto json = nlohmann::json::parse(response->body, nullptr, false);
  if (!json.is_object()) {
    return "";
  }
  const auto zone = json.find("AvailabilityZone");
  if (zone == json.end() || !zone->is_string()) {
    return "";
  }
  return RegionFromAvailabilityZone(zone->get<std::string>());
}

}  // namespace

bool IsValidRegionName(std::string_view region) {
  // Lower-case letters and digits in dash-separated parts, ending in a number: "us-east-1".
  if (region.size() < 4 || region.size() > 32 || region.front() == '-' || region.back() == '-') {
    return false;
  }
  int dashes = 0;
  for (std::size_t i = 0; i < region.size(); ++i) {
    const char c = region[i];
    if (c == '-') {
      if (region[i - 1] == '-') {
        return false;
      }
      ++dashes;
    } else if (!std::islower(static_cast<unsigned char>(c)) &&
               !std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dashes >= 2 && std::isdigit(static_cast<unsigned char>(region.back()));
}

std::string_view PartitionDnsSuffix(std::string_view region) {
  if (region.starts_with("cn-")) {
    return "amazonaws.com.cn";
  }
  if (region.starts_with("us-isob-")) {
    return "sc2s.sgov.gov";
  }
  if (region.starts_with("us-isof-")) {
    return "csp.hci.ic.gov";
  }
  if (region.starts_with("us-iso-")) {
    return "c2s.ic.gov";
  }
  if (region.starts_with("eu-isoe-")) {
    return "cloud.adc-e.uk";
  }
  if (region.starts_with("eusc-")) {
    return "amazonaws.eu";
  }
  return "amazonaws.com";  // aws and aws-us-gov
}

std::string XrayEndpointForRegion(std::string_view region) {
  return "https://xray." + std::string(region) + "." + std::string(PartitionDnsSuffix(region));
}

std::string StsEndpointForRegion(std::string_view region) {
  return "https://sts." + std::string(region) + "." + std::string(PartitionDnsSuffix(region));
}

std::string RegionFromAvailabilityZone(std::string_view zone) {
  // "us-east-1a" -> "us-east-1"; local zones "us-west-2-lax-1a" -> "us-west-2": the region is the
  // dash-separated parts up to the first all-digit part (after at least two parts).
  if (zone.size() < 2 || !std::islower(static_cast<unsigned char>(zone.back()))) {
    return "";
  }
  const std::string_view name = zone.substr(0, zone.size() - 1);
  std::size_t start = 0;
  int part = 0;
  while (start < name.size()) {
    const std::size_t end = std::min(name.find('-', start), name.size());
    const std::string_view piece = name.substr(start, end - start);
    const bool digits = !piece.empty() && piece.find_first_not_of("0123456789") == piece.npos;
    if (digits && part >= 2) {
      const std::string_view region = name.substr(0, end);
      return IsValidRegionName(region) ? std::string(region) : "";
    }
    ++part;
    start = end + 1;
  }
  return "";
}

Result<DiscoveredRegion> DiscoverRegion(const RegionOptions& options) {
  if (!options.configured.empty()) {
    return Found(options.configured, "config");
  }
  if (auto region = internal::EnvValue(options.env, "AWS_REGION")) {
    return Found(*region, "AWS_REGION");
  }
  if (auto region = internal::EnvValue(options.env, "AWS_DEFAULT_REGION")) {
    return Found(*region, "AWS_DEFAULT_REGION");
  }
  if (auto values = LoadProfile(options.env, ActiveProfileName(options.env, options.profile))) {
    if (const auto it = values->find("region"); it != values->end() && !it->second.empty()) {
      return Found(it->second, "profile");
    }
  }
  if (std::string region = RegionFromEcs(options); !region.empty()) {
    return Found(region, "ecs");
  }
  if (!options.skip_imds) {
    if (auto region =
            ImdsGet(options.env, "/latest/meta-data/placement/region", options.http_timeout)) {
      std::string value = *region;
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
        value.pop_back();
      }
      if (!value.empty()) {
        return Found(value, "imds");
      }
    }
  }
  return MakeError(ErrorCode::kNotFound,
                   "no AWS region: set --region, AWS_REGION, AWS_DEFAULT_REGION or a profile "
                   "region");
}

}  // namespace xrayd::daemon
