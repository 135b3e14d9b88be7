// The log file: levels filter, size-based rotation keeps N files.

#include "daemon/logging.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace xrayd::daemon {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/logging-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { ResetLogging(); }
  std::string dir_;
};

TEST_F(LoggingTest, LevelFiltersLines) {
  LoggingOptions options;
  options.file = dir_ + "/xrayd.log";
  options.level = EffectiveLogLevel::kWarn;  // What prod from cfg.yaml means.
  ASSERT_TRUE(ConfigureLogging(options));
  LogForTesting(EffectiveLogLevel::kInfo, "an info line");
  LogForTesting(EffectiveLogLevel::kWarn,
                "a warning for trace 1-5759e988-bd862e3fe1be46a994272793");
  const std::string text = Read(options.file);
  EXPECT_EQ(text.find("an info line"), std::string::npos);
  EXPECT_NE(text.find("[warning] a warning for trace 1-5759e988"), std::string::npos);

  options.level = EffectiveLogLevel::kTrace;  // dev
  ASSERT_TRUE(ConfigureLogging(options));
  LogForTesting(EffectiveLogLevel::kTrace, "a trace line");
  EXPECT_NE(Read(options.file).find("a trace line"), std::string::npos);
}

TEST_F(LoggingTest, RotatesBySizeAndKeepsTheConfiguredFiles) {
  LoggingOptions options;
  options.file = dir_ + "/xrayd.log";
  options.max_bytes = 16 * 1024;
  options.max_files = 2;
  ASSERT_TRUE(ConfigureLogging(options));
  const std::string line(200, 'x');
  for (int i = 0; i < 1000; ++i) {  // ~230 KB: many rotations.
    LogForTesting(EffectiveLogLevel::kInfo, "line " + std::to_string(i) + " " + line);
  }
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    files.push_back(entry.path().filename().string());
    EXPECT_LE(entry.file_size(), options.max_bytes) << entry.path();
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"xrayd.1.log", "xrayd.2.log", "xrayd.log"}));
  EXPECT_NE(Read(options.file).find("line 999 "), std::string::npos);  // Newest in the live file.
}

TEST_F(LoggingTest, UnwritableLogFileIsAnError) {
  LoggingOptions options;
  options.file = dir_ + "/missing-dir/xrayd.log";
  std::filesystem::create_directories(dir_ + "/missing-dir");
  std::filesystem::permissions(dir_ + "/missing-dir", std::filesystem::perms::owner_read);
  auto status = ConfigureLogging(options);
  std::filesystem::permissions(dir_ + "/missing-dir", std::filesystem::perms::owner_all);
  if (getuid() == 0) {
    GTEST_SKIP() << "root can write anywhere";
  }
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kIOError);
}

}  // namespace
}  // namespace xrayd::daemon
