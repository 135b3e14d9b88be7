// The -c cfg.yaml file, layering (flags > file > environment > defaults), address forms, the
// official flag set and --print-config.

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "daemon/config.h"
#include "daemon/config_yaml.h"
#include "daemon/logging.h"

namespace xrayd::daemon {
namespace {

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string ErrorOf(const std::string& yaml) {
  auto parsed = ParseConfigYaml(yaml, "cfg.yaml");
  EXPECT_FALSE(parsed) << yaml;
  return parsed ? std::string() : parsed.error().message;
}

TEST(ConfigFileTest, ParsesTheOfficialSampleVersion2) {
  // The official daemon's sample cfg.yaml, keys and values as shipped.
  const std::string path = WriteFile("official.yaml", R"(TotalBufferSizeMB: 0
Concurrency: 8
Region: ""
Endpoint: ""
Socket:
  UDPAddress: "127.0.0.1:2000"
  TCPAddress: "127.0.0.1:2000"
Logging:
  LogRotation: true
  LogLevel: "prod"
  LogPath: ""
LocalMode: false
ResourceARN: ""
RoleARN: ""
NoVerifySSL: false
ProxyAddress: ""
Version: 2
)");
  auto parsed = ParseDaemonFlags({"-c", path}, {});
  ASSERT_TRUE(parsed) << parsed.error().message;
  const DaemonConfig& c = parsed->config;
  EXPECT_EQ(c.udp, (Endpoint{"127.0.0.1", 2000}));
  EXPECT_EQ(c.buffer_memory_mb, kDefaultBufferMemoryMb);  // 0 means "default".
  EXPECT_EQ(c.concurrency, 8);
  EXPECT_EQ(c.log_level, LogLevel::kProd);
  EXPECT_FALSE(c.log_level_from_flag);
  EXPECT_EQ(EffectiveLevel(c.log_level, c.log_level_from_flag), EffectiveLogLevel::kWarn);
  EXPECT_EQ(parsed->origins.at("log_level").source, SettingSource::kConfigFile);
  // Empty strings leave the lower layer in place, as in the official daemon.
  EXPECT_EQ(parsed->origins.at("region").source, SettingSource::kDefault);
}

TEST(ConfigFileTest, Version1AndEveryOfficialKey) {
  const std::string path = WriteFile("v1.yaml", R"(Version: 1
TotalBufferSizeMB: 24
Concurrency: 3
Region: eu-west-1
Endpoint: https://xray.example.test
Socket:
  UDPAddress: 0.0.0.0:2100
  TCPAddress: "[::1]:2101"
Logging:
  LogRotation: false
  LogLevel: debug
  LogPath: /tmp/xrayd-test.log
LocalMode: true
ResourceARN: arn:aws:ec2:eu-west-1:123456789012:instance/i-1
RoleARN: arn:aws:iam::123456789012:role/xray
Profile: ci
NoVerifySSL: true
ProxyAddress: https://proxy.example.test:3128
Xrayd:
  DataDir: /tmp/xrayd-data
  Offline: true
  RetentionMaxAge: 36h
  RetentionMaxSizeMB: 500
  RetentionInterval: 30s
  ReceiveBufferKB: 2048
  LogMaxSizeMB: 5
  LogMaxFiles: 3
)");
  auto parsed = ParseDaemonFlags({"--config", path}, {});
  ASSERT_TRUE(parsed) << parsed.error().message;
  const DaemonConfig& c = parsed->config;
  EXPECT_EQ(c.buffer_memory_mb, 24u);
  EXPECT_EQ(c.queue_capacity_bytes, 18u << 20);
  EXPECT_EQ(c.writer_batch_bytes, 6u << 20);
  EXPECT_EQ(c.concurrency, 3);
  EXPECT_EQ(c.region, "eu-west-1");
  EXPECT_EQ(c.endpoint, "https://xray.example.test");
  EXPECT_EQ(c.udp, (Endpoint{"0.0.0.0", 2100}));
  EXPECT_EQ(c.tcp, (Endpoint{"::1", 2101}));
  EXPECT_FALSE(c.log_rotation);
  EXPECT_EQ(c.log_level, LogLevel::kDebug);
  EXPECT_EQ(c.log_file, "/tmp/xrayd-test.log");
  EXPECT_TRUE(c.local_mode);
  EXPECT_EQ(c.resource_arn, "arn:aws:ec2:eu-west-1:123456789012:instance/i-1");
  EXPECT_EQ(c.role_arn, "arn:aws:iam::123456789012:role/xray");
  EXPECT_EQ(c.profile, "ci");
  EXPECT_TRUE(c.no_verify_ssl);
  EXPECT_EQ(c.proxy_address, "https://proxy.example.test:3128");
  EXPECT_EQ(c.data_dir, "/tmp/xrayd-data");
  EXPECT_TRUE(c.offline);
  EXPECT_EQ(c.retention_max_age, std::chrono::hours(36));
  EXPECT_EQ(c.retention_max_bytes, 500ull << 20);
  EXPECT_EQ(c.retention_interval, std::chrono::seconds(30));
  EXPECT_EQ(c.receive_buffer_bytes, 2048u * 1024);
  EXPECT_EQ(c.log_max_bytes, 5u << 20);
  EXPECT_EQ(c.log_max_files, 3u);
  EXPECT_EQ(parsed->origins.at("udp_address").detail, path + ": Socket.UDPAddress");
}

TEST(ConfigFileTest, OfficialErrorsForBadFiles) {
  EXPECT_EQ(
      ErrorOf("Region: us-east-1\n"),
      "cfg.yaml: Config Version is missing. Use X-Ray Daemon Config Migration Script to "
      "update the config file. Please refer to AWS X-Ray Documentation for more information.");
  EXPECT_EQ(ErrorOf("Version: 3\n"),
            "cfg.yaml: Config Version Setting is not correct. Use X-Ray Daemon Config Migration "
            "Script to update the config file. Please refer to AWS X-Ray Documentation for more "
            "information.");
  EXPECT_NE(ErrorOf("").find("Config Version Setting is not correct"), std::string::npos);
  EXPECT_NE(ErrorOf("Version: two\n").find("Config Version Setting is not correct"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("Version: 2\nColour: blue\n"),
            "cfg.yaml: Colour flag is invalid. Please refer to AWS X-Ray Documentation for more "
            "information.");
  EXPECT_EQ(ErrorOf("Version: 2\nSocket:\n  BufferSizeKB: 64\n"),
            "cfg.yaml: Socket.BufferSizeKB flag is not supported any more. Please refer to AWS "
            "X-Ray Documentation for more information.");
  EXPECT_NE(ErrorOf("Version: 2\nLogging:\n  LogFormat: x\n").find("not supported any more"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("Version: 2\nMemoryLimit: 10\n"),
            "cfg.yaml: MemoryLimit flag is not supported. Use X-Ray Daemon Config Migration Script "
            "to update the config file. Please refer to AWS X-Ray Documentation for more "
            "information.");
  EXPECT_NE(ErrorOf("Version: 2\nProcessor:\n  Region: us-east-1\n").find("Processor.Region"),
            std::string::npos);
  // Our own section is checked as strictly.
  EXPECT_NE(ErrorOf("Version: 2\nXrayd:\n  RetentionDays: 3\n")
                .find("Xrayd.RetentionDays flag "
                      "is invalid"),
            std::string::npos);
  // YAML syntax errors name the line.
  EXPECT_NE(ErrorOf("Version: 2\nSocket: [\n").find("line "), std::string::npos);
  EXPECT_NE(ErrorOf("- a\n- b\n").find("mapping"), std::string::npos);
}

TEST(ConfigFileTest, BadValuesNameTheKeyAndFile) {
  const std::string path =
      WriteFile("badvalue.yaml", "Version: 2\nSocket:\n  UDPAddress: nowhere:port\n");
  auto parsed = ParseDaemonFlags({"-c", path}, {});
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("Socket.UDPAddress"), std::string::npos);
  const std::string memory = WriteFile("lowmem.yaml", "Version: 2\nTotalBufferSizeMB: 2\n");
  auto low = ParseDaemonFlags({"-c", memory}, {});
  ASSERT_FALSE(low);
  EXPECT_NE(low.error().message.find("Min Buffers Memory required: 3 MB"), std::string::npos);
  auto missing = ParseDaemonFlags({"-c", ::testing::TempDir() + "/no-such.yaml"}, {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIOError);
}

TEST(ConfigFileTest, FlagsBeatFileBeatsEnvironmentBeatsDefaults) {
  const std::string path = WriteFile("layers.yaml", R"(Version: 2
Region: from-file
Socket:
  UDPAddress: 127.0.0.1:3000
Logging:
  LogLevel: warn
)");
  Environment env{
      {"AWS_REGION", "from-env"}, {"AWS_XRAY_DAEMON_ADDRESS", "127.0.0.9:4000"}, {"HOME", "/h"}};
  auto parsed = ParseDaemonFlags({"-c", path, "-n", "from-flag"}, env);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->config.region, "from-flag");
  EXPECT_EQ(parsed->origins.at("region").source, SettingSource::kFlag);
  EXPECT_EQ(parsed->config.udp, (Endpoint{"127.0.0.1", 3000}));  // File over environment.
  EXPECT_EQ(parsed->origins.at("udp_address").source, SettingSource::kConfigFile);
  EXPECT_EQ(parsed->config.tcp, (Endpoint{"127.0.0.9", 4000}));  // Environment over default.
  EXPECT_EQ(parsed->origins.at("tcp_address").source, SettingSource::kEnvironment);
  EXPECT_EQ(parsed->config.log_level, LogLevel::kWarn);
  EXPECT_EQ(parsed->origins.at("concurrency").source, SettingSource::kDefault);

  auto no_flag = ParseDaemonFlags({"-c", path}, env);
  ASSERT_TRUE(no_flag);
  EXPECT_EQ(no_flag->config.region, "from-file");
  auto env_only = ParseDaemonFlags({}, env);
  ASSERT_TRUE(env_only);
  EXPECT_EQ(env_only->config.region, "from-env");
  EXPECT_EQ(env_only->origins.at("region").detail, "AWS_REGION");
  auto fallback = ParseDaemonFlags({}, {{"AWS_DEFAULT_REGION", "eu-north-1"}});
  EXPECT_EQ(fallback->config.region, "eu-north-1");
}

TEST(ConfigFileTest, EveryOfficialFlagShortAndLong) {
  const std::vector<std::vector<std::string>> forms = {
      {"-a", "arn:r", "-o", "-m", "12", "-n", "us-west-2", "-b", "0.0.0.0:2000", "-t",
       "0.0.0.0:2001", "-r", "arn:role", "-f", "/tmp/x.log", "-l", "error", "-p", "http://p:1"},
      {"--resource-arn", "arn:r", "--local-mode", "--buffer-memory", "12", "--region", "us-west-2",
       "--bind", "0.0.0.0:2000", "--bind-tcp=0.0.0.0:2001", "--role-arn", "arn:role", "--log-file",
       "/tmp/x.log", "--log-level", "error", "--proxy-address", "http://p:1"}};
  for (const auto& args : forms) {
    auto parsed = ParseDaemonFlags(args, {});
    ASSERT_TRUE(parsed) << parsed.error().message;
    const DaemonConfig& c = parsed->config;
    EXPECT_EQ(c.resource_arn, "arn:r");
    EXPECT_TRUE(c.local_mode);
    EXPECT_FALSE(c.offline);  // -o skips instance metadata; it does not turn forwarding off.
    EXPECT_EQ(c.buffer_memory_mb, 12u);
    EXPECT_EQ(c.queue_capacity_bytes, 9u << 20);
    EXPECT_EQ(c.writer_batch_bytes, 3u << 20);
    EXPECT_EQ(c.region, "us-west-2");
    EXPECT_EQ(c.udp, (Endpoint{"0.0.0.0", 2000}));
    EXPECT_EQ(c.tcp, (Endpoint{"0.0.0.0", 2001}));
    EXPECT_EQ(c.role_arn, "arn:role");
    EXPECT_EQ(c.log_file, "/tmp/x.log");
    EXPECT_EQ(c.log_level, LogLevel::kError);
    EXPECT_EQ(c.proxy_address, "http://p:1");
  }
  EXPECT_TRUE(ParseDaemonFlags({"-c", "x", "-h"}, {})->show_help);  // Help needs no file read.
  EXPECT_FALSE(ParseDaemonFlags({"-m", "2"}, {}));
  EXPECT_EQ(ParseDaemonFlags({"-m", "0"}, {})->config.buffer_memory_mb, kDefaultBufferMemoryMb);
  EXPECT_FALSE(ParseDaemonFlags({"--retention-age", "soon"}, {}));
  EXPECT_EQ(ParseDaemonFlags({"--retention-age", "0"}, {})->config.retention_max_age.count(), 0);
  EXPECT_EQ(ParseDaemonFlags({"--queue-mb", "5", "-m", "40"}, {})->config.queue_capacity_bytes,
            5u << 20);
  EXPECT_FALSE(ParseDaemonFlags({"--local-mode=maybe"}, {}));
  EXPECT_FALSE(ParseDaemonFlags({"--local-mode=false"}, {})->config.local_mode);
}

TEST(ConfigFileTest, AddressForms) {
  auto two = ParseDaemonFlags({"-b", "tcp:127.0.0.1:39994 udp:127.0.0.2:39993"}, {});
  ASSERT_TRUE(two) << two.error().message;
  EXPECT_EQ(two->config.udp, (Endpoint{"127.0.0.2", 39993}));
  EXPECT_EQ(two->config.tcp, (Endpoint{"127.0.0.1", 39994}));
  EXPECT_EQ(two->origins.at("tcp_address").detail, "-b");
  auto prefixed = ParseDaemonFlags({"-b", "udp:127.0.0.1:5", "-t", "tcp:[::1]:6"}, {});
  ASSERT_TRUE(prefixed) << prefixed.error().message;
  EXPECT_EQ(prefixed->config.udp, (Endpoint{"127.0.0.1", 5}));
  EXPECT_EQ(prefixed->config.tcp, (Endpoint{"::1", 6}));
  // SDK semantics of AWS_XRAY_DAEMON_ADDRESS: host:port is both protocols.
  auto env = ParseDaemonFlags({}, {{"AWS_XRAY_DAEMON_ADDRESS", "0.0.0.0:3000"}});
  ASSERT_TRUE(env);
  EXPECT_EQ(env->config.udp, (Endpoint{"0.0.0.0", 3000}));
  EXPECT_EQ(env->config.tcp, (Endpoint{"0.0.0.0", 3000}));
  for (const char* bad : {"udp:1.2.3.4:1 udp:1.2.3.4:2", "udp:1.2.3.4:1  tcp:1.2.3.4:2",
                          "http:1.2.3.4:1 tcp:1.2.3.4:2", "udp:1.2.3.4:x tcp:1.2.3.4:2"}) {
    EXPECT_FALSE(ParseDaemonAddress(bad)) << bad;
  }
  EXPECT_FALSE(ParseDaemonFlags({"-b", "tcp:127.0.0.1:5"}, {}));  // -b is the UDP address.
}

TEST(ConfigFileTest, LogLevelsMapAsTheOfficialDaemon) {
  EXPECT_EQ(EffectiveLevel(LogLevel::kDev, false), EffectiveLogLevel::kTrace);
  EXPECT_EQ(EffectiveLevel(LogLevel::kDebug, false), EffectiveLogLevel::kDebug);
  EXPECT_EQ(EffectiveLevel(LogLevel::kInfo, false), EffectiveLogLevel::kInfo);
  EXPECT_EQ(EffectiveLevel(LogLevel::kWarn, true), EffectiveLogLevel::kWarn);
  EXPECT_EQ(EffectiveLevel(LogLevel::kError, true), EffectiveLogLevel::kError);
  auto flag = ParseDaemonFlags({"-l", "prod"}, {});
  EXPECT_TRUE(flag->config.log_level_from_flag);
  EXPECT_EQ(LoggingOptionsFrom(flag->config).level, EffectiveLogLevel::kInfo);
  const std::string path = WriteFile("prod.yaml", "Version: 2\nLogging:\n  LogLevel: prod\n");
  auto same = ParseDaemonFlags({"-c", path, "-l", "prod"}, {});
  EXPECT_FALSE(same->config.log_level_from_flag);  // Flag equal to the file: the file's meaning.
  EXPECT_EQ(LoggingOptionsFrom(same->config).level, EffectiveLogLevel::kWarn);
}

TEST(ConfigFileTest, PrintConfigNamesEverySourceOnce) {
  const std::string path = WriteFile("print.yaml", "Version: 2\nRegion: eu-west-1\n");
  auto parsed = ParseDaemonFlags({"-c", path, "-b", "0.0.0.0:2000", "--print-config"},
                                 {{"XRAYD_DATA_DIR", "/srv/xrayd"}});
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed->print_config);
  const std::string text = PrintConfig(*parsed);
  auto line_of = [&text](const std::string& name) {
    const std::size_t at = text.find("\n" + name + " ");
    if (at == std::string::npos) {
      return std::string();
    }
    return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
  };
  EXPECT_NE(line_of("udp_address").find("0.0.0.0:2000"), std::string::npos);
  EXPECT_NE(line_of("udp_address").find("flag -b"), std::string::npos);
  EXPECT_NE(line_of("region").find("config " + path + ": Region"), std::string::npos);
  EXPECT_NE(line_of("data_dir").find("env XRAYD_DATA_DIR"), std::string::npos);
  EXPECT_NE(line_of("tcp_address").find("default"), std::string::npos);
  EXPECT_NE(line_of("retention_max_age").find("7d"), std::string::npos);
  EXPECT_NE(line_of("buffer_memory_mb").find("32"), std::string::npos);
  EXPECT_NE(line_of("queue_mb").find("24"), std::string::npos);
  EXPECT_NE(text.find("config_file"), std::string::npos);
}

}  // namespace
}  // namespace xrayd::daemon

namespace xrayd::daemon {
namespace {

// The OTLP export's settings (docs/otlp-mapping.md#export) from flags and cfg.yaml.
TEST(ConfigFileTest, OtlpExportFlagsAndFile) {
  auto flags = ParseDaemonFlags(
      {"--otlp-endpoint", "http://127.0.0.1:4318/v1/traces", "--otlp-protocol", "http/json",
       "--otlp-header", "a=1", "--otlp-header", "b=x=y", "--otlp-sigv4"},
      {});
  ASSERT_TRUE(flags) << flags.error().message;
  EXPECT_EQ(flags->config.otlp_endpoint, "http://127.0.0.1:4318/v1/traces");
  EXPECT_TRUE(flags->config.otlp_json);
  EXPECT_EQ(flags->config.otlp_headers,
            (std::map<std::string, std::string>{{"a", "1"}, {"b", "x=y"}}));
  EXPECT_TRUE(flags->config.otlp_sigv4);

  const std::string path = WriteFile("otlp-export.yaml", R"(Version: 2
Xrayd:
  OtlpEndpoint: https://xray.eu-west-1.amazonaws.com/v1/traces
  OtlpProtocol: http/protobuf
  OtlpHeaders:
    x-tenant: t1
  OtlpSigV4: true
)");
  auto file = ParseDaemonFlags({"-c", path}, {});
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->config.otlp_endpoint, "https://xray.eu-west-1.amazonaws.com/v1/traces");
  EXPECT_FALSE(file->config.otlp_json);
  EXPECT_EQ(file->config.otlp_headers.at("x-tenant"), "t1");
  EXPECT_TRUE(file->config.otlp_sigv4);

  auto grpc =
      ParseDaemonFlags({"--otlp-endpoint", "127.0.0.1:4317", "--otlp-protocol", "grpc"}, {});
  ASSERT_TRUE(grpc) << grpc.error().message;
  EXPECT_TRUE(grpc->config.otlp_export_grpc);
  EXPECT_FALSE(grpc->config.otlp_json);
  const std::string grpc_path = WriteFile("otlp-export-grpc.yaml", R"(Version: 2
Xrayd:
  OtlpEndpoint: https://collector.example:4317
  OtlpProtocol: grpc
)");
  auto grpc_file = ParseDaemonFlags({"-c", grpc_path}, {});
  ASSERT_TRUE(grpc_file) << grpc_file.error().message;
  EXPECT_TRUE(grpc_file->config.otlp_export_grpc);
  EXPECT_EQ(grpc_file->config.otlp_endpoint, "https://collector.example:4317");
  EXPECT_FALSE(ParseDaemonFlags({"--otlp-protocol", "thrift"}, {}));
  EXPECT_FALSE(ParseDaemonFlags({"--otlp-endpoint", "ftp://x"}, {}));
  EXPECT_FALSE(ParseDaemonFlags({"--otlp-header", "novalue"}, {}));
  EXPECT_FALSE(ParseDaemonFlags({"--otlp-header", "bad name=v"}, {}));
  auto defaults = ParseDaemonFlags({}, {});
  ASSERT_TRUE(defaults);
  EXPECT_TRUE(defaults->config.otlp_endpoint.empty());
}

}  // namespace
}  // namespace xrayd::daemon
