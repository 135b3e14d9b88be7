// Region discovery order and partition endpoints. ECS task metadata and IMDS are FakeHttpServers
// on 127.0.0.1.
#include "daemon/aws/aws_region.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/daemon/fake_http_server_support.h"

namespace xrayd::daemon {
namespace {

namespace fs = std::filesystem;

TEST(AwsRegionTest, EndpointsUseThePartitionDnsSuffix) {
  EXPECT_EQ(XrayEndpointForRegion("us-east-1"), "https://xray.us-east-1.amazonaws.com");
  EXPECT_EQ(XrayEndpointForRegion("eu-west-3"), "https://xray.eu-west-3.amazonaws.com");
  EXPECT_EQ(XrayEndpointForRegion("cn-north-1"), "https://xray.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(XrayEndpointForRegion("cn-northwest-1"),
            "https://xray.cn-northwest-1.amazonaws.com.cn");
  EXPECT_EQ(XrayEndpointForRegion("us-gov-west-1"), "https://xray.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(XrayEndpointForRegion("us-iso-east-1"), "https://xray.us-iso-east-1.c2s.ic.gov");
  EXPECT_EQ(XrayEndpointForRegion("us-isob-east-1"), "https://xray.us-isob-east-1.sc2s.sgov.gov");
  EXPECT_EQ(StsEndpointForRegion("cn-north-1"), "https://sts.cn-north-1.amazonaws.com.cn");
}

TEST(AwsRegionTest, ValidatesNamesAndReadsAvailabilityZones) {
  EXPECT_TRUE(IsValidRegionName("us-east-1"));
  EXPECT_TRUE(IsValidRegionName("us-gov-west-1"));
  EXPECT_FALSE(IsValidRegionName("US-EAST-1"));
  EXPECT_FALSE(IsValidRegionName("us-east"));
  EXPECT_FALSE(IsValidRegionName("us east 1"));
  EXPECT_FALSE(IsValidRegionName("http://evil/"));
  EXPECT_EQ(RegionFromAvailabilityZone("us-east-1a"), "us-east-1");
  EXPECT_EQ(RegionFromAvailabilityZone("us-gov-west-1b"), "us-gov-west-1");
  EXPECT_EQ(RegionFromAvailabilityZone("us-west-2-lax-1a"), "us-west-2");
  EXPECT_EQ(RegionFromAvailabilityZone("nonsense"), "");
}

class AwsRegionDiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("aws_region_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "config") << "[default]\nregion = ap-south-1\n[profile eu]\nregion = "
                                      "eu-central-1\n";
    options_.env = {{"HOME", dir_.string()},
                    {"AWS_CONFIG_FILE", (dir_ / "config").string()},
                    {"AWS_SHARED_CREDENTIALS_FILE", (dir_ / "none").string()},
                    {"AWS_EC2_METADATA_DISABLED", "true"}};
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Discover() {
    auto region = DiscoverRegion(options_);
    if (!region) {
      return "<" + region.error().message + ">";
    }
    return region->region + " from " + region->source;
  }

  fs::path dir_;
  RegionOptions options_;
};

TEST_F(AwsRegionDiscoveryTest, OrderIsConfigEnvProfileEcsImds) {
  FakeHttpServer ecs([](const FakeHttpRequest& r) -> FakeHttpResponse {
    if (r.path != "/v4/abc/task") {
      return {404, {}, ""};
    }
    return {200, {}, R"({"Cluster":"c","AvailabilityZone":"sa-east-1c"})"};
  });
  FakeHttpServer imds([](const FakeHttpRequest& r) -> FakeHttpResponse {
    if (r.method == "PUT") {
      return {200, {}, "tok"};
    }
    if (r.path == "/latest/meta-data/placement/region" &&
        r.Header("x-aws-ec2-metadata-token") == "tok") {
      return {200, {}, "ca-central-1"};
    }
    return {404, {}, ""};
  });
  options_.configured = "us-west-1";
  options_.env["AWS_REGION"] = "us-east-2";
  options_.env["AWS_DEFAULT_REGION"] = "eu-west-1";
  options_.env["ECS_CONTAINER_METADATA_URI_V4"] = ecs.Url() + "/v4/abc";
  options_.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.Url();
  EXPECT_EQ(Discover(), "us-west-1 from config");
  options_.configured.clear();
  EXPECT_EQ(Discover(), "us-east-2 from AWS_REGION");
  options_.env.erase("AWS_REGION");
  EXPECT_EQ(Discover(), "eu-west-1 from AWS_DEFAULT_REGION");
  options_.env.erase("AWS_DEFAULT_REGION");
  EXPECT_EQ(Discover(), "ap-south-1 from profile");
  options_.profile = "eu";
  EXPECT_EQ(Discover(), "eu-central-1 from profile");
  options_.env["AWS_CONFIG_FILE"] = (dir_ / "missing").string();
  EXPECT_EQ(Discover(), "sa-east-1 from ecs");
  options_.env.erase("ECS_CONTAINER_METADATA_URI_V4");
  EXPECT_EQ(Discover(),
            "<no AWS region: set --region, AWS_REGION, AWS_DEFAULT_REGION or a "
            "profile region>")
      << "IMDS disabled";
  options_.env.erase("AWS_EC2_METADATA_DISABLED");
  EXPECT_EQ(Discover(), "ca-central-1 from imds");
  options_.skip_imds = true;
  EXPECT_EQ(DiscoverRegion(options_).error().code, ErrorCode::kNotFound);
}

TEST_F(AwsRegionDiscoveryTest, RejectsAMalformedRegion) {
  options_.env["AWS_REGION"] = "us-east-1/../evil";
  auto region = DiscoverRegion(options_);
  ASSERT_FALSE(region);
  EXPECT_EQ(region.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace xrayd::daemon
