#include "query/trace_timeline.h"

#include <algorithm>
#include <cstdio>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "query/terminal_text.h"
#include "query/trace_assembler.h"
#include "query/trace_line.h"
#include "query/trace_model.h"

namespace xrayd::query {
namespace {

using Json = nlohmann::ordered_json;

constexpr char kTrace[] = "1-6553f100-0123456789abcdef01234567";
constexpr double kT0 = 1700000000.0;  // The trace id's time: 22:13:20 UTC.

// The fixed trace, as the store holds it (independent subsegments separate):
//   api (segment, fault, http 500, annotations) 0-200 ms
//     auth 5-25; DynamoDB (aws, throttled 429, two exceptions, annotation) 30-80 > attempt 30-50;
//     orders-svc (remote, 500) 90-190 > orders (segment of another service, exception) 100-180
//       > db query 110-150; cache warm (independent, in progress) from 150
//   late callback (independent, parent missing) 120-130
std::vector<Json> FixedTrace() {
  Json api = {{"trace_id", kTrace},
              {"id", "a000000000000001"},
              {"name", "api"},
              {"origin", "AWS::EC2::Instance"},
              {"start_time", kT0},
              {"end_time", kT0 + 0.200},
              {"fault", true},
              {"http",
               {{"request", {{"method", "GET"}, {"url", "https://example.com/orders"}}},
                {"response", {{"status", 500}}}}},
              {"annotations", {{"customer", "alice"}, {"retries", 2}}}};
  Json attempt = {{"id", "c000000000000001"},
                  {"name", "attempt"},
                  {"start_time", kT0 + 0.030},
                  {"end_time", kT0 + 0.050}};
  Json dynamo = {{"id", "b000000000000002"},
                 {"name", "DynamoDB"},
                 {"namespace", "aws"},
                 {"aws", {{"operation", "GetItem"}}},
                 {"start_time", kT0 + 0.030},
                 {"end_time", kT0 + 0.080},
                 {"error", true},
                 {"throttle", true},
                 {"http", {{"response", {{"status", 429}}}}},
                 {"annotations", {{"table", "orders"}}},
                 {"cause",
                  {{"exceptions",
                    {{{"id", "1111111111111111"},
                      {"type", "ProvisionedThroughputExceededException"},
                      {"message", "Rate exceeded"}},
                     {{"id", "2222222222222222"}, {"type", "RetryError"}}}}}},
                 {"subsegments", Json::array({attempt})}};
  Json remote = {{"id", "b000000000000003"},
                 {"name", "orders-svc"},
                 {"namespace", "remote"},
                 {"start_time", kT0 + 0.090},
                 {"end_time", kT0 + 0.190},
                 {"fault", true},
                 {"http", {{"response", {{"status", 500}}}}}};
  Json auth = {{"id", "b000000000000001"},
               {"name", "auth"},
               {"start_time", kT0 + 0.005},
               {"end_time", kT0 + 0.025}};
  api["subsegments"] = Json::array({auth, dynamo, remote});
  Json orders = {{"trace_id", kTrace},
                 {"id", "d000000000000001"},
                 {"parent_id", "b000000000000003"},
                 {"name", "orders"},
                 {"origin", "AWS::ECS::Container"},
                 {"start_time", kT0 + 0.100},
                 {"end_time", kT0 + 0.180},
                 {"fault", true},
                 {"http", {{"response", {{"status", 500}}}}},
                 {"cause",
                  {{"exceptions",
                    {{{"id", "3333333333333333"},
                      {"type", "NullPointerException"},
                      {"message", "order was null"}}}}}},
                 {"subsegments",
                  {{{"id", "e000000000000001"},
                    {"name", "db query"},
                    {"start_time", kT0 + 0.110},
                    {"end_time", kT0 + 0.150}}}}};
  Json cache = {{"type", "subsegment"},     {"trace_id", kTrace},
                {"id", "f000000000000001"}, {"parent_id", "a000000000000001"},
                {"name", "cache warm"},     {"start_time", kT0 + 0.150},
                {"in_progress", true}};
  Json late = {{"type", "subsegment"},     {"trace_id", kTrace},
               {"id", "f000000000000002"}, {"parent_id", "9999999999999999"},
               {"name", "late callback"},  {"start_time", kT0 + 0.120},
               {"end_time", kT0 + 0.130}};
  // Arrival order differs from display order on purpose.
  return {late, orders, api, cache};
}

TimelineOptions Fixed() {
  TimelineOptions options;
  options.bar_width = 40;
  options.name_width = 30;
  return options;
}

// Written by hand from the fixture (5 ms per column), not copied from the output.
constexpr char kGolden[] =
    "Trace 1-6553f100-0123456789abcdef01234567  200.0 ms  2 segments, 7 subsegments  fault  in "
    "progress\n"
    "                                0 ms                            200.0 ms\n"
    "api (EC2::Instance)            |========================================|   200.0 ms   F   "
    "http 500\n"
    "    annotations: customer=\"alice\" retries=2\n"
    "  auth                         | ====                                   |    20.0 ms\n"
    "  DynamoDB (aws GetItem)       |      ==========                        |    50.0 ms  ! T  "
    "http 429\n"
    "      annotations: table=\"orders\"\n"
    "      exception: ProvisionedThroughputExceededException: Rate exceeded (+1 more)\n"
    "    attempt                    |      ====                              |    20.0 ms\n"
    "  orders-svc (remote)          |                  ====================  |   100.0 ms   F   "
    "http 500\n"
    "    orders (ECS::Container)    |                    ================    |    80.0 ms   F   "
    "http 500\n"
    "        exception: NullPointerException: order was null\n"
    "      db query                 |                      ========          |    40.0 ms\n"
    "  cache warm                   |                              ~~~~~~~~~~|          \u2026     "
    "  in progress\n"
    "late callback                  |                        ==              |    10.0 ms       "
    "orphan: parent 9999999999999999 missing\n";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  return lines;
}

// The display column at which the bar opens on a row (the first '|').
std::size_t BarColumn(const std::string& line) {
  return DisplayWidth(line.substr(0, line.find('|')));
}

TEST(TraceTimelineTest, RendersTheFixedTraceExactly) {
  EXPECT_EQ(RenderTimeline(FixedTrace(), Fixed()), kGolden);
}

TEST(TraceTimelineTest, OutputDoesNotDependOnDocumentOrder) {
  std::vector<Json> docs = FixedTrace();
  std::reverse(docs.begin(), docs.end());
  EXPECT_EQ(RenderTimeline(docs, Fixed()), kGolden);
}

TEST(TraceTimelineTest, AssembledDocumentsRenderAsStoredOnes) {
  // BatchGetTraces shape: independent subsegments already nested in their parents.
  std::vector<storage::StoredDocument> stored;
  for (const Json& doc : FixedTrace()) {
    storage::StoredDocument s;
    s.trace_id = kTrace;
    s.id = doc["id"].get<std::string>();
    s.parent_id = doc.value("parent_id", "");
    s.kind = doc.value("type", "") == "subsegment" ? proto::DocumentKind::kSubsegment
                                                   : proto::DocumentKind::kSegment;
    s.in_progress = doc.value("in_progress", false);
    s.start_time = doc["start_time"].get<double>();
    s.end_time = doc.value("end_time", 0.0);
    s.raw = doc.dump();
    stored.push_back(std::move(s));
  }
  const nlohmann::json trace = AssembleTrace(kTrace, stored);
  std::vector<Json> documents;
  for (const auto& segment : trace["Segments"]) {
    documents.push_back(Json::parse(segment["Document"].get<std::string>()));
  }
  ASSERT_EQ(documents.size(), 3u);  // api (with cache warm inside), orders, late callback.
  EXPECT_EQ(RenderTimeline(documents, Fixed()), kGolden);
}

TEST(TraceTimelineTest, ColourIsAnsiAroundTheSameText) {
  TimelineOptions options = Fixed();
  options.color = true;
  const std::string colored = RenderTimeline(FixedTrace(), options);
  EXPECT_NE(colored.find("\x1b[31m"), std::string::npos);  // Fault in red.
  EXPECT_EQ(std::regex_replace(colored, std::regex("\x1b\\[[0-9;]*m"), ""), kGolden);
  EXPECT_EQ(RenderTimeline(FixedTrace(), Fixed()).find('\x1b'), std::string::npos);
}

TEST(TraceTimelineTest, ZeroDurationTraceDrawsOneColumn) {
  const Json doc = {{"trace_id", kTrace},
                    {"id", "a000000000000001"},
                    {"name", "instant"},
                    {"start_time", kT0},
                    {"end_time", kT0}};
  const std::vector<std::string> lines = Lines(RenderTimeline(std::vector<Json>{doc}, Fixed()));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], std::string("Trace ") + kTrace + "  0.0 ms  1 segment, 0 subsegments  ok");
  EXPECT_EQ(lines[2],
            "instant" + std::string(24, ' ') + "|=" + std::string(39, ' ') + "|     0.0 ms");
}

TEST(TraceTimelineTest, EmptyInputAndUnreadableDocuments) {
  EXPECT_EQ(RenderTimeline(std::vector<Json>{}, Fixed()),
            "Trace (no trace id)  0.0 ms  0 segments, 0 subsegments  ok\n(no segments)\n");
  const std::vector<Json> docs = {Json::parse("[1, 2]"), Json("text"),
                                  Json::parse("x", nullptr, false)};
  const std::string out = RenderTimeline(docs, Fixed());
  EXPECT_NE(out.find("3 unreadable documents"), std::string::npos) << out;
}

TEST(TraceTimelineTest, InProgressSegmentRunsToTheTraceEnd) {
  const std::vector<Json> docs = {{{"trace_id", kTrace},
                                   {"id", "a000000000000001"},
                                   {"name", "running"},
                                   {"start_time", kT0},
                                   {"in_progress", true}},
                                  {{"trace_id", kTrace},
                                   {"id", "a000000000000002"},
                                   {"name", "done"},
                                   {"start_time", kT0 + 0.1},
                                   {"end_time", kT0 + 0.2}}};
  const std::vector<std::string> lines = Lines(RenderTimeline(docs, Fixed()));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[0].find("2 segments, 0 subsegments  ok  in progress"), std::string::npos);
  EXPECT_NE(lines[2].find("|" + std::string(40, '~') + "|"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find("in progress"), std::string::npos);
  EXPECT_NE(lines[3].find("|" + std::string(20, ' ') + std::string(20, '=') + "|"),
            std::string::npos)
      << lines[3];
}

TEST(TraceTimelineTest, CompleteVersionWinsOverInProgressDuplicate) {
  const Json partial = {{"trace_id", kTrace},
                        {"id", "a000000000000001"},
                        {"name", "svc"},
                        {"start_time", kT0},
                        {"in_progress", true}};
  const Json complete = {{"trace_id", kTrace},
                         {"id", "a000000000000001"},
                         {"name", "svc"},
                         {"start_time", kT0},
                         {"end_time", kT0 + 0.05}};
  for (const std::vector<Json>& docs :
       {std::vector<Json>{partial, complete}, std::vector<Json>{complete, partial}}) {
    const std::string out = RenderTimeline(docs, Fixed());
    EXPECT_NE(out.find("1 segment, 0 subsegments  ok\n"), std::string::npos) << out;
    EXPECT_NE(out.find("50.0 ms"), std::string::npos) << out;
    EXPECT_EQ(out.find("in progress"), std::string::npos) << out;
  }
}

TEST(TraceTimelineTest, DeepNestingCapsIndentation) {
  Json leaf = {{"id", "b000000000000030"},
               {"name", "level30"},
               {"start_time", kT0 + 0.030},
               {"end_time", kT0 + 0.031}};
  for (int i = 29; i >= 1; --i) {
    char id[17];
    std::snprintf(id, sizeof(id), "b0000000000000%02d", i);
    leaf = {{"id", id},
            {"name", "level" + std::to_string(i)},
            {"start_time", kT0 + i * 0.001},
            {"end_time", kT0 + 0.1 - i * 0.001},
            {"subsegments", Json::array({leaf})}};
  }
  Json root = {{"trace_id", kTrace},    {"id", "a000000000000001"},
               {"name", "root"},        {"start_time", kT0},
               {"end_time", kT0 + 0.1}, {"subsegments", Json::array({leaf})}};
  TimelineOptions options = Fixed();
  options.max_indent_depth = 8;
  const std::vector<std::string> lines = Lines(RenderTimeline(std::vector<Json>{root}, options));
  ASSERT_EQ(lines.size(), 2u + 31u);
  EXPECT_EQ(lines[2 + 8].rfind(std::string(16, ' ') + "level8 ", 0), 0u) << lines[2 + 8];
  EXPECT_EQ(lines[2 + 9].rfind(std::string(16, ' ') + "[9] level9", 0), 0u) << lines[2 + 9];
  EXPECT_EQ(lines[2 + 30].rfind(std::string(16, ' ') + "[30] level30", 0), 0u);
  for (std::size_t i = 2; i < lines.size(); ++i) {
    EXPECT_EQ(BarColumn(lines[i]), 31u) << lines[i];
  }
}

TEST(TraceTimelineTest, LongAndNonAsciiNamesKeepTheColumns) {
  const std::string long_name(300, 'x');
  const std::string cjk = "\u6ce8\u6587\u30b5\u30fc\u30d3\u30b9";  // 注文サービス: 12 columns.
  const std::string accented = "cafe\u0301";                       // e + combining acute.
  std::string long_cjk;
  for (int i = 0; i < 40; ++i) {
    long_cjk += "\u6ce8";
  }
  std::vector<Json> docs;
  int n = 0;
  for (const std::string& name : {long_name, cjk, accented, long_cjk}) {
    docs.push_back({{"trace_id", kTrace},
                    {"id", "a00000000000000" + std::to_string(++n)},
                    {"name", name},
                    {"start_time", kT0 + n * 0.01},
                    {"end_time", kT0 + 0.1}});
  }
  const std::vector<std::string> lines = Lines(RenderTimeline(docs, Fixed()));
  ASSERT_EQ(lines.size(), 6u);
  for (const std::string& line : lines) {
    EXPECT_EQ(SanitizeForTerminal(line), line) << "invalid UTF-8 or control characters";
  }
  for (std::size_t i = 2; i < lines.size(); ++i) {
    EXPECT_EQ(BarColumn(lines[i]), 31u) << lines[i];
  }
  EXPECT_EQ(lines[2].rfind(std::string(29, 'x') + "\u2026 |", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3].rfind(cjk + std::string(18, ' ') + " |", 0), 0u) << lines[3];
  EXPECT_EQ(lines[4].rfind(accented + std::string(26, ' ') + " |", 0), 0u) << lines[4];
  // 14 wide characters (28 columns) + the ellipsis, then one space of padding: 30 columns.
  std::string cut;
  for (int i = 0; i < 14; ++i) {
    cut += "\u6ce8";
  }
  EXPECT_EQ(lines[5].rfind(cut + "\u2026  |", 0), 0u) << lines[5];
}

TEST(TraceTimelineTest, ControlCharactersNeverReachTheTerminal) {
  const Json doc = {{"trace_id", kTrace},
                    {"id", "a000000000000001"},
                    {"name", "evil\x1b[2J\u202e"},
                    {"start_time", kT0},
                    {"end_time", kT0 + 0.01},
                    {"annotations", {{"k", "line1\nline2\x07"}}},
                    {"cause", {{"exceptions", {{{"type", "E\r"}, {"message", "\x1b]0;x\x07"}}}}}}};
  const std::string out = RenderTimeline(std::vector<Json>{doc}, Fixed());
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_EQ(out.find('\x07'), std::string::npos) << out;
  EXPECT_EQ(out.find("\u202e"), std::string::npos) << out;
  EXPECT_NE(out.find("evil?[2J?"), std::string::npos) << out;
  EXPECT_EQ(Lines(out).size(), 5u) << out;  // Header, ruler, row, annotations, exception.
}

TEST(TraceTimelineTest, ParentCycleIsShownOnce) {
  const std::vector<Json> docs = {{{"type", "subsegment"},
                                   {"trace_id", kTrace},
                                   {"id", "a000000000000001"},
                                   {"parent_id", "a000000000000002"},
                                   {"name", "one"},
                                   {"start_time", kT0},
                                   {"end_time", kT0 + 0.1}},
                                  {{"type", "subsegment"},
                                   {"trace_id", kTrace},
                                   {"id", "a000000000000002"},
                                   {"parent_id", "a000000000000001"},
                                   {"name", "two"},
                                   {"start_time", kT0 + 0.01},
                                   {"end_time", kT0 + 0.1}}};
  const std::vector<std::string> lines = Lines(RenderTimeline(docs, Fixed()));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[2].rfind("one ", 0), 0u);
  EXPECT_NE(lines[2].find("orphan: parent cycle"), std::string::npos);
  EXPECT_EQ(lines[3].rfind("  two ", 0), 0u);
}

TEST(TraceTimelineTest, TerminalTextHelpers) {
  EXPECT_EQ(SanitizeForTerminal("a\tb\x01\x7f\xc3"), "a b???");
  EXPECT_EQ(SanitizeForTerminal("\xc0\xaf"), "??");       // Overlong '/'.
  EXPECT_EQ(SanitizeForTerminal("\xed\xa0\x80"), "???");  // Surrogate.
  EXPECT_EQ(SanitizeForTerminal("\u00e9\U0001F600"), "\u00e9\U0001F600");
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("\U0001F600x"), 3u);
  EXPECT_EQ(DisplayWidth("e\u0301"), 1u);
  EXPECT_EQ(TruncateToWidth("abcdef", 4), "abc\u2026");
  EXPECT_EQ(TruncateToWidth("abcd", 4), "abcd");
  EXPECT_EQ(TruncateToWidth("\u6ce8\u6ce8\u6ce8", 4), "\u6ce8\u2026");
  EXPECT_EQ(TruncateToWidth("abc", 0), "");
  EXPECT_EQ(FormatMilliseconds(1478293361.449 - 1478293361.271), "178.0 ms");
  EXPECT_EQ(FormatMilliseconds(0.0123456), "12.3 ms");
}

storage::StoredDocument Stored(const Json& doc) {
  storage::StoredDocument s;
  s.trace_id = kTrace;
  s.id = doc["id"].get<std::string>();
  s.parent_id = doc.value("parent_id", "");
  s.kind = doc.value("type", "") == "subsegment" ? proto::DocumentKind::kSubsegment
                                                 : proto::DocumentKind::kSegment;
  s.in_progress = doc.value("in_progress", false);
  s.start_time = doc["start_time"].get<double>();
  s.end_time = doc.value("end_time", 0.0);
  s.raw = doc.dump();
  return s;
}

TEST(TraceTimelineTest, TraceLineSummarizesTheRootSegment) {
  std::vector<storage::StoredDocument> stored;
  for (const Json& doc : FixedTrace()) {
    if (!doc.value("in_progress", false)) {
      stored.push_back(Stored(doc));
    }
  }
  const TraceModel model = BuildTraceModel(kTrace, stored);
  EXPECT_EQ(RenderTraceLine(model),
            std::string("22:13:20.000Z  ") + kTrace + "    200.0 ms  api" + std::string(13, ' ') +
                "  GET https://example.com/orders 500  fault  3 annotations");
  EXPECT_NE(RenderTraceLine(model, /*color=*/true).find("\x1b[31mfault\x1b[0m"), std::string::npos);

  const Json plain = {{"trace_id", kTrace},
                      {"id", "a000000000000001"},
                      {"name", "worker"},
                      {"start_time", kT0 + 0.5},
                      {"end_time", kT0 + 0.75}};
  EXPECT_EQ(RenderTraceLine(BuildTraceModel(kTrace, std::vector{Stored(plain)})),
            std::string("22:13:20.500Z  ") + kTrace + "    250.0 ms  worker" +
                std::string(10, ' ') + "  ok");
}

}  // namespace
}  // namespace xrayd::query
