#pragma once
// Reports of `xrayd assert` / `xrayd capture`: the terminal text and a JUnit XML file that CI
// systems (GitHub Actions, GitLab, Jenkins) display as a test suite.

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/cli/trace_assertions.h"
#include "proto/result.h"

namespace xrayd::daemon {

// One line per outcome ("PASS  title", "FAIL  title: expected ..., found ..." + indented
// details), then a summary line. `color`: PASS/FAIL in ANSI green/red.
void PrintAssertionReport(const AssertionRun& run, std::ostream& out, bool color);

struct JUnitCase {
  std::string name;
  bool passed = true;
  std::string message;  // The failure's one-line message.
  std::string details;  // The failure's body (multi-line).
};

// A <testsuites> document with one <testsuite name=`suite`> holding `cases`. Text is escaped;
// characters XML 1.0 forbids (control characters, ANSI escapes) become U+FFFD.
[[nodiscard]] std::string JUnitXml(std::string_view suite, const std::vector<JUnitCase>& cases,
                                   double seconds);

// The cases of `run`, one per assertion.
[[nodiscard]] std::vector<JUnitCase> JUnitCases(const AssertionRun& run);

// Writes `content` to `path` through a temporary file and a rename. kIOError naming the path.
[[nodiscard]] Status WriteFileAtomically(const std::string& path, std::string_view content);

}  // namespace xrayd::daemon
