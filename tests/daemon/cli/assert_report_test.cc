#include "daemon/cli/assert_report.h"

#include <sstream>

#include <gtest/gtest.h>

namespace xrayd::daemon {
namespace {

AssertionRun SampleRun() {
  AssertionRun run;
  run.outcomes.push_back({.title = "count(fault) = 0",
                          .passed = true,
                          .expected = "",
                          .found = "0 traces",
                          .details = ""});
  run.outcomes.push_back({.title = "count(annotation.user = \"a&b\") >= 1",
                          .passed = false,
                          .expected = "traces matching annotation.user = \"a&b\": >= 1",
                          .found = "0 traces",
                          .details = "closest traces:\n  trace 1-x: <bar>\x1b[31m\n"});
  run.failed = 1;
  run.traces_seen = 2;
  return run;
}

TEST(AssertReportTest, PrintsPassFailExpectedFoundAndDetails) {
  std::ostringstream out;
  PrintAssertionReport(SampleRun(), out, /*color=*/false);
  EXPECT_EQ(out.str(),
            "PASS  count(fault) = 0 (0 traces)\n"
            "FAIL  count(annotation.user = \"a&b\") >= 1\n"
            "      expected traces matching annotation.user = \"a&b\": >= 1\n"
            "      found    0 traces\n"
            "    closest traces:\n"
            "      trace 1-x: <bar>\x1b[31m\n"
            "1 passed, 1 failed (2 traces in the window)\n");
  std::ostringstream colored;
  PrintAssertionReport(SampleRun(), colored, /*color=*/true);
  EXPECT_NE(colored.str().find("\x1b[32mPASS\x1b[0m"), std::string::npos);
  EXPECT_NE(colored.str().find("\x1b[31mFAIL\x1b[0m"), std::string::npos);
}

TEST(AssertReportTest, JUnitEscapesTextAndCountsFailures) {
  std::vector<JUnitCase> cases = {
      {.name = "command: run", .passed = true, .message = "", .details = ""}};
  for (JUnitCase& c : JUnitCases(SampleRun())) {
    cases.push_back(std::move(c));
  }
  const std::string xml = JUnitXml("xrayd <capture>", cases, 1.5);
  EXPECT_NE(xml.find("<testsuites tests=\"3\" failures=\"1\" time=\"1.500\">"), std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"xrayd &lt;capture&gt;\" tests=\"3\" failures=\"1\""),
            std::string::npos);
  EXPECT_NE(xml.find("name=\"count(annotation.user = &quot;a&amp;b&quot;) &gt;= 1\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"expected traces matching annotation.user = "
                     "&quot;a&amp;b&quot;: &gt;= 1, found 0 traces\" type=\"AssertionError\">"),
            std::string::npos);
  // The escape character is not allowed in XML 1.0: it is replaced, never written.
  EXPECT_EQ(xml.find('\x1b'), std::string::npos);
  EXPECT_NE(xml.find("&lt;bar&gt;\xef\xbf\xbd[31m"), std::string::npos);
  EXPECT_NE(xml.find("<testcase classname=\"xrayd &lt;capture&gt;\" name=\"command: run\"/>"),
            std::string::npos);
}

TEST(AssertReportTest, WriteFileAtomicallyReportsTheFailingPath) {
  auto status = WriteFileAtomically("/nonexistent-dir/report.xml", "x");
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("/nonexistent-dir/report.xml"), std::string::npos);
}

}  // namespace
}  // namespace xrayd::daemon
