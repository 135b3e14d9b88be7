#include "daemon/cli/assert_report.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

namespace xrayd::daemon {

namespace {

constexpr std::string_view kGreen = "\x1b[32m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kReset = "\x1b[0m";

std::string EscapeXml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (byte < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += "\xef\xbf\xbd";  // U+FFFD: XML 1.0 has no way to carry these.
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

void PrintAssertionReport(const AssertionRun& run, std::ostream& out, bool color) {
  auto word = [color](bool passed) {
    std::string text = passed ? "PASS" : "FAIL";
    return color ? std::string(passed ? kGreen : kRed) + text + std::string(kReset) : text;
  };
  for (const AssertionOutcome& outcome : run.outcomes) {
    out << word(outcome.passed) << "  " << outcome.title;
    if (outcome.passed) {
      out << " (" << outcome.found << ")\n";
      continue;
    }
    out << "\n      expected " << outcome.expected << "\n      found    " << outcome.found << "\n";
    std::istringstream details(outcome.details);
    for (std::string line; std::getline(details, line);) {
      out << "    " << line << "\n";
    }
  }
  out << run.outcomes.size() - run.failed << " passed, " << run.failed << " failed ("
      << run.traces_seen << (run.traces_seen == 1 ? " trace" : " traces") << " in the window)\n";
}

std::vector<JUnitCase> JUnitCases(const AssertionRun& run) {
  std::vector<JUnitCase> cases;
  for (const AssertionOutcome& outcome : run.outcomes) {
    cases.push_back({.name = outcome.title,
                     .passed = outcome.passed,
                     .message = "expected " + outcome.expected + ", found " + outcome.found,
                     .details = outcome.details});
  }
  return cases;
}

std::string JUnitXml(std::string_view suite, const std::vector<JUnitCase>& cases, double seconds) {
  std::size_t failures = 0;
  for (const JUnitCase& c : cases) {
    failures += c.passed ? 0 : 1;
  }
  char time[32];
  std::snprintf(time, sizeof(time), "%.3f", seconds);
  std::ostringstream xml;
  xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites tests=\"" << cases.size() << "\" failures=\"" << failures << "\" time=\""
      << time << "\">\n"
      << "  <testsuite name=\"" << EscapeXml(suite) << "\" tests=\"" << cases.size()
      << "\" failures=\"" << failures << "\" errors=\"0\" skipped=\"0\" time=\"" << time << "\">\n";
  for (const JUnitCase& c : cases) {
    xml << "    <testcase classname=\"" << EscapeXml(suite) << "\" name=\"" << EscapeXml(c.name)
        << "\"";
    if (c.passed) {
      xml << "/>\n";
      continue;
    }
    xml << ">\n      <failure message=\"" << EscapeXml(c.message) << "\" type=\"AssertionError\">"
        << EscapeXml(c.message + "\n" + c.details) << "</failure>\n    </testcase>\n";
  }
  xml << "  </testsuite>\n</testsuites>\n";
  return xml.str();
}

Status WriteFileAtomically(const std::string& path, std::string_view content) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) {
      return MakeError(ErrorCode::kIOError,
                       "cannot write " + temporary + ": " + std::strerror(errno));
    }
    file.write(content.data(), static_cast<std::streamsize>(content.size()));
    file.flush();
    if (!file) {
      return MakeError(ErrorCode::kIOError, "cannot write " + temporary);
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temporary.c_str());
    return MakeError(ErrorCode::kIOError, "cannot write " + path + ": " + reason);
  }
  return {};
}

}  // namespace xrayd::daemon
