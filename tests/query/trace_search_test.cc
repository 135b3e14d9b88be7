// Search (query/trace_search.h) over a real store: the SQL superset of query/filter_sql.h plus the
// C++ evaluator must give exactly the evaluator's answer, with summaries fresh or stale, across
// pages; tokens, time ranges and hostile literals.

#include "query/trace_search.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proto/document_decoder.h"
#include "query/filter_eval.h"
#include "query/filter_parser.h"
#include "query/filter_sql.h"
#include "query/summarizer.h"
#include "query/trace_summary_row.h"
#include "tests/query/filter_fixtures_support.h"

namespace xrayd::query {
namespace {

constexpr double kAllTime = 4e9;

class TraceSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::TraceStore::Open(":memory:", storage::OpenMode::kReadWrite);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }

  void Put(const std::vector<std::string>& bodies, double received_at) {
    proto::DocumentDecoder decoder;
    std::vector<proto::Document> docs;
    for (const std::string& body : bodies) {
      auto decoded = decoder.Decode(body);
      ASSERT_TRUE(decoded) << decoded.error().detail << "\n" << body;
      for (auto& d : *decoded)
        docs.push_back(std::move(d));
    }
    ASSERT_TRUE(store_->PutDocuments(docs, received_at));
  }

  void PutFixtures() {
    for (const testing::FixtureTrace& trace : testing::FilterFixtureTraces()) {
      Put(trace.documents, 1000);
    }
  }

  void SummarizeAll() {
    for (;;) {
      auto done = SummarizeStaleTraces(*store_, 1e12, 7);
      ASSERT_TRUE(done) << done.error().message;
      if (*done == 0)
        break;
    }
  }

  // Every page of a search, asserting newest-first order and no repeats across pages.
  std::vector<std::string> SearchAll(const std::string& expression, std::size_t page_size,
                                     const GroupLookup& groups = {},
                                     TimeRangeType type = TimeRangeType::kEvent) {
    auto filter = ParseFilter(expression);
    EXPECT_TRUE(filter) << expression;
    if (!filter)
      return {};
    SearchRequest request;
    request.filter = &*filter;
    request.time_range_type = type;
    request.start = 0;
    request.end = kAllTime;
    request.page_size = page_size;
    request.groups = groups;
    request.token_scope = expression;
    request.scan_window = scan_window_;
    request.max_annotation_hits = max_annotation_hits_;
    std::vector<std::string> ids;
    std::vector<double> keys;
    for (int guard = 0; guard < 1000; ++guard) {
      auto page = SearchTraces(*store_, request);
      EXPECT_TRUE(page) << page.error().message;
      if (!page)
        break;
      EXPECT_LE(page->matches.size(), page_size);
      for (const SearchMatch& m : page->matches) {
        ids.push_back(m.info.trace_id);
        keys.push_back(m.info.start_time);
        EXPECT_TRUE(m.model.has_value());
      }
      if (page->next_token.empty())
        break;
      request.next_token = page->next_token;
    }
    if (type == TimeRangeType::kEvent) {
      EXPECT_TRUE(std::is_sorted(keys.rbegin(), keys.rend())) << expression;
    }
    std::set<std::string> unique(ids.begin(), ids.end());
    EXPECT_EQ(unique.size(), ids.size()) << "a trace repeated across pages: " << expression;
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  // Every page of `request` from the one its token names, following NextToken (at most 100).
  std::vector<SearchPage> AllPages(SearchRequest request) {
    std::vector<SearchPage> pages;
    for (int guard = 0; guard < 100; ++guard) {
      auto page = SearchTraces(*store_, request);
      EXPECT_TRUE(page) << page.error().message;
      if (!page)
        break;
      request.next_token = page->next_token;
      pages.push_back(std::move(*page));
      if (request.next_token.empty())
        break;
    }
    return pages;
  }

  // The trace ids the pages matched, in order.
  static std::vector<std::string> MatchIds(const std::vector<SearchPage>& pages) {
    std::vector<std::string> ids;
    for (const SearchPage& page : pages) {
      for (const SearchMatch& m : page.matches)
        ids.push_back(m.info.trace_id);
    }
    return ids;
  }

  // The evaluator alone over every stored trace: the reference answer.
  std::vector<std::string> BruteForce(const std::string& expression, const GroupLookup& groups) {
    auto filter = ParseFilter(expression);
    EXPECT_TRUE(filter);
    std::vector<std::string> out;
    auto traces = store_->ListTraces(0, 100000);
    EXPECT_TRUE(traces);
    for (const storage::TraceInfo& info : *traces) {
      auto docs = store_->GetDocuments(info.trace_id);
      EXPECT_TRUE(docs);
      TraceModel model = BuildTraceModel(info.trace_id, *docs);
      EvalContext context;
      context.is_member = [&](const GroupRef& ref) {
        auto group = groups ? groups(ref) : nullptr;
        return group ? IsGroupMember(*group, model, 1000, groups) : IsDefaultGroupRef(ref);
      };
      if (MatchesFilter(*filter, model, context))
        out.push_back(info.trace_id);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Every accepted spec example: search (one page, and pages of two) gives the evaluator's answer,
  // and that answer is the fixture table's.
  void CheckSpecExamples(const std::string& phase, const GroupLookup& groups) {
    for (const testing::FilterExample& example : testing::FilterExamples()) {
      if (example.rejected)
        continue;
      SCOPED_TRACE(phase + " #" + std::to_string(example.number) + " " + example.expression);
      const std::vector<std::string> expected = BruteForce(example.expression, groups);
      EXPECT_EQ(SearchAll(example.expression, 100, groups), expected);
      EXPECT_EQ(SearchAll(example.expression, 2, groups), expected);
      scan_window_ = 3;  // Fewer traces per store query than the fixtures hold.
      EXPECT_EQ(SearchAll(example.expression, 100, groups), expected);
      scan_window_ = kDefaultScanWindow;
      if (example.expression.find("group.") == std::string::npos) {
        // The fixture table's exact sets (written for the evaluator) hold through search too.
        EXPECT_EQ(expected, example.matches);
      }
    }
  }

  // Trace i of `count` (from 0): one segment starting at 100 + i that responds in
  // `response_time(i)` seconds.
  void PutNumberedTraces(int count, const std::function<double(int)>& response_time) {
    for (int i = 0; i < count; ++i) {
      char id[64];
      std::snprintf(id, sizeof id, "1-5f000000-%024x", i + 1);
      Put({std::string(R"({"trace_id":")") + id + R"(","id":"00000000000000a1","name":"api",)" +
           R"("start_time":)" + std::to_string(100 + i) + R"(,"end_time":)" +
           std::to_string(100 + i + response_time(i)) + "}"},
          1000);
    }
  }

  // Trace i of `count` as PutNumberedTraces puts it, with `annotations(i)` (a JSON object's
  // members, or empty for none).
  void PutAnnotatedTraces(int count, const std::function<std::string(int)>& annotations) {
    for (int i = 0; i < count; ++i) {
      char id[64];
      std::snprintf(id, sizeof id, "1-5f000000-%024x", i + 1);
      const std::string members = annotations(i);
      Put({std::string(R"({"trace_id":")") + id + R"(","id":"00000000000000a1","name":"api",)" +
           R"("start_time":)" + std::to_string(100 + i) + R"(,"end_time":)" +
           std::to_string(100 + i + 0.5) +
           (members.empty() ? std::string() : R"(,"annotations":{)" + members + "}") + "}"},
          1000);
    }
  }

  std::unique_ptr<storage::TraceStore> store_;
  std::size_t scan_window_ = kDefaultScanWindow;  // SearchAll's SearchRequest::scan_window.
  std::int64_t max_annotation_hits_ = storage::kMaxAnnotationHits;  // SearchAll's too.
};

// A lookup with one group whose filter is `filter`, created before every fixture arrived.
GroupLookup OneGroup(const std::string& name, const std::string& filter) {
  auto definition = std::make_shared<GroupDefinition>();
  definition->name = name;
  definition->arn = "arn:aws:xray:us-east-1:000000000000:group/" + name + "/X";
  definition->filter = std::make_shared<FilterExpr>(std::move(*ParseFilter(filter)));
  definition->updated_at = 10;
  return [definition](const GroupRef& ref) -> std::shared_ptr<const GroupDefinition> {
    const std::string& key = ref.by == GroupRef::By::kName ? definition->name : definition->arn;
    return key == ref.value ? definition : nullptr;
  };
}

TEST_F(TraceSearchTest, SpecExamplesMatchTheEvaluatorWithStaleAndFreshSummaries) {
  PutFixtures();
  const GroupLookup groups = OneGroup("high_response_time", "responsetime > 5");
  CheckSpecExamples("stale", groups);
  SummarizeAll();
  CheckSpecExamples("fresh", groups);
}

// The storage writer summarizes a trace that arrives as one document in the same transaction
// (query::NewTraceSummaryRow); search must then give the evaluator's answer from those rows,
// beside stale multi-document traces and after the worker summarized those too.
TEST_F(TraceSearchTest, SpecExamplesMatchTheEvaluatorWithSummariesWrittenOnIngest) {
  store_->SetNewTraceSummarizer(TraceSummaryRowOf);
  PutFixtures();
  auto stale = store_->StaleTraces(1e12, 100000);
  ASSERT_TRUE(stale);
  auto traces = store_->ListTraces(0, 100000);
  ASSERT_TRUE(traces);
  ASSERT_LT(stale->size(), traces->size()) << "no fixture was summarized on ingest";
  ASSERT_GT(stale->size(), 0u) << "every fixture is one document: the mix is not tested";
  const GroupLookup groups = OneGroup("high_response_time", "responsetime > 5");
  CheckSpecExamples("one-document traces fresh", groups);
  SummarizeAll();
  CheckSpecExamples("all fresh", groups);
}

TEST_F(TraceSearchTest, ExactSqlSkipsEvaluationForFreshSummaries) {
  PutFixtures();
  SummarizeAll();
  auto filter = ParseFilter("responsetime > 1 AND !fault");
  ASSERT_TRUE(filter);
  EXPECT_TRUE(CompileFilterSql(*filter).exact);
  SearchRequest request;
  request.filter = &*filter;
  request.end = kAllTime;
  auto page = SearchTraces(*store_, request);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->evaluated, 0u);
  EXPECT_EQ(page->examined, page->matches.size());
}

TEST_F(TraceSearchTest, ChangedTraceIsFoundThroughItsStaleSummary) {
  const std::string id = "1-5f000000-000000000000000000000001";
  Put({R"({"trace_id":")" + id +
       R"(","id":"0000000000000001","name":"api","start_time":1593835520,"in_progress":true})"},
      1000);
  SummarizeAll();
  EXPECT_TRUE(SearchAll("responsetime > 2", 10).empty());
  Put({R"({"trace_id":")" + id +
       R"(","id":"0000000000000001","name":"api","start_time":1593835520,"end_time":1593835525})"},
      1001);
  EXPECT_EQ(SearchAll("responsetime > 2", 10), std::vector<std::string>{id});
  SummarizeAll();
  EXPECT_EQ(SearchAll("responsetime > 2", 10), std::vector<std::string>{id});
  EXPECT_TRUE(SearchAll("partial", 10).empty());
}

TEST_F(TraceSearchTest, HostileLiteralsStayData) {
  PutFixtures();
  SummarizeAll();
  for (const char* expression :
       {R"(http.url = "x' OR 1=1 --")", R"(annotation.k = "'); DROP TABLE traces; --")",
        R"(user CONTAINS "%")", R"(http.method BEGINSWITH "_")", R"(service("a\" OR \"1"))"}) {
    SCOPED_TRACE(expression);
    auto filter = ParseFilter(expression);
    ASSERT_TRUE(filter);
    const SqlFilter sql = CompileFilterSql(*filter);
    EXPECT_EQ(sql.predicate.find('\''), std::string::npos) << sql.predicate;
    EXPECT_EQ(SearchAll(expression, 10), BruteForce(expression, {}));
  }
  auto count = store_->CountDocuments();
  ASSERT_TRUE(count);
  EXPECT_GT(*count, 0);
}

// SQLite's parser stack is fixed: however deep the filter nests (up to the parser's own limit),
// the SQL stays within it and the answer stays the evaluator's.
TEST_F(TraceSearchTest, DeeplyNestedFiltersStayWithinSqlitesParserStack) {
  PutFixtures();
  SummarizeAll();
  for (int depth : {1, 2, 15, 16, 17, 30, 47, 48, 60}) {
    std::string nots(static_cast<std::size_t>(depth), '!');
    std::string alternating = "responsetime > 1";
    for (int level = 0; level < depth; ++level) {
      alternating = "(annotation.k = \"v\" " + std::string(level % 2 ? "AND" : "OR") + " " +
                    alternating + ")";
    }
    for (const std::string& expression :
         {"fault AND " + nots + "throttle", nots + "(responsetime > 1 OR !error)", alternating,
          "!(" + alternating + ")"}) {
      SCOPED_TRACE(expression);
      EXPECT_EQ(SearchAll(expression, 100), BruteForce(expression, {}));
    }
  }
}

TEST_F(TraceSearchTest, TraceIdTimeRangeIsHalfOpen) {
  auto put = [&](const char* epoch_hex, const char* suffix) {
    const std::string id = std::string("1-") + epoch_hex + "-00000000000000000000000" + suffix;
    Put({R"({"trace_id":")" + id +
         R"(","id":"0000000000000001","name":"api","start_time":1,"end_time":2})"},
        1000);
    return id;
  };
  const std::string before = put("00000063", "1");  // epoch 99
  const std::string first = put("00000064", "2");   // epoch 100
  const std::string last = put("000000c7", "3");    // epoch 199
  put("000000c8", "4");                             // epoch 200: excluded
  auto filter = ParseFilter("");
  SearchRequest request;
  request.filter = &*filter;
  request.time_range_type = TimeRangeType::kTraceId;
  request.start = 100;
  request.end = 200;
  auto page = SearchTraces(*store_, request);
  ASSERT_TRUE(page);
  std::vector<std::string> ids;
  for (const auto& m : page->matches)
    ids.push_back(m.info.trace_id);
  EXPECT_EQ(ids, (std::vector<std::string>{last, first}));
  (void)before;
}

// A search over its time budget ends its page early with a NextToken, after at least
// budget_after_examined candidates; following the tokens gives exactly the unbudgeted answer.
TEST_F(TraceSearchTest, TimeBudgetEndsAPageEarlyAndTheTokensFinishTheSearch) {
  PutNumberedTraces(300, [](int i) { return (i % 3) * 0.5; });
  auto filter = ParseFilter("responsetime > 0.2");
  ASSERT_TRUE(filter);
  SearchRequest request;
  request.filter = &*filter;
  request.end = kAllTime;
  request.page_size = 1000;
  request.token_scope = "budget";
  auto whole = SearchTraces(*store_, request);
  ASSERT_TRUE(whole);
  ASSERT_TRUE(whole->next_token.empty());
  ASSERT_EQ(whole->matches.size(), 200u);

  request.time_budget = std::chrono::nanoseconds(1);
  request.budget_after_examined = 64;
  const std::vector<SearchPage> pages = AllPages(request);
  ASSERT_EQ(pages.size(), 300 / 64 + 1);  // Four full budgets, then the last 44 candidates.
  for (std::size_t i = 0; i + 1 < pages.size(); ++i) {
    EXPECT_EQ(pages[i].examined, 64u);
  }
  EXPECT_EQ(MatchIds(pages), MatchIds({*whole}));
}

// Store queries that each read a window of the range give the answer of one query over all of it,
// by start time and by trace id, on pages of any size, whatever the window's size.
TEST_F(TraceSearchTest, ScanWindowsDoNotChangeTheAnswer) {
  PutNumberedTraces(100, [](int i) { return i % 7 == 0 ? 2.0 : 0.5; });
  for (const bool summarized : {false, true}) {  // Evaluated in C++, then filtered by SQL.
    if (summarized) {
      SummarizeAll();
    }
    for (const TimeRangeType type : {TimeRangeType::kEvent, TimeRangeType::kTraceId}) {
      scan_window_ = kDefaultScanWindow;
      const std::vector<std::string> whole = SearchAll("responsetime > 1", 1000, {}, type);
      ASSERT_EQ(whole.size(), 15u);
      for (const std::size_t window : {1, 6, 7, 50, 99, 100}) {
        SCOPED_TRACE("window " + std::to_string(window) + (summarized ? ", summarized" : ""));
        scan_window_ = window;
        EXPECT_EQ(SearchAll("responsetime > 1", 1000, {}, type), whole);
        EXPECT_EQ(SearchAll("responsetime > 1", 2, {}, type), whole);
      }
    }
  }
}

// A filter whose SQL rejects nearly every trace still ends its page at the time budget, after a
// window of the range, with a NextToken; following the tokens gives exactly the unbudgeted answer.
// TracesProcessedCount's figure (scanned) counts the traces that did not match.
TEST_F(TraceSearchTest, TheTimeBudgetEndsAPageAfterAScanWindowWithoutCandidates) {
  PutNumberedTraces(310, [](int i) { return i % 100 == 0 ? 2.0 : 0.5; });
  SummarizeAll();  // Fresh summaries: the SQL rejects the traces that do not match.
  auto filter = ParseFilter("responsetime > 1");
  ASSERT_TRUE(filter);
  SearchRequest request;
  request.filter = &*filter;
  request.end = kAllTime;
  request.page_size = 1000;
  request.token_scope = "windows";
  request.scan_window = 50;
  auto whole = SearchTraces(*store_, request);
  ASSERT_TRUE(whole);
  ASSERT_TRUE(whole->next_token.empty());
  ASSERT_EQ(whole->matches.size(), 4u);
  EXPECT_EQ(whole->examined, 4u);
  EXPECT_EQ(whole->scanned, 310u);

  request.time_budget = std::chrono::nanoseconds(1);
  const std::vector<SearchPage> pages = AllPages(request);
  ASSERT_EQ(pages.size(), 7u);  // Six windows of 50 each end a page, then the last 10 traces.
  for (std::size_t i = 0; i + 1 < pages.size(); ++i) {
    EXPECT_EQ(pages[i].scanned, 50u);
  }
  EXPECT_EQ(pages.back().scanned, 10u);
  EXPECT_EQ(MatchIds(pages), MatchIds({*whole}));
}

// A search whose requester has gone away stops after the window it is in, though the window held
// no candidate to check at.
TEST_F(TraceSearchTest, ACancelledSearchStopsAfterAScanWindowWithoutCandidates) {
  PutNumberedTraces(300, [](int) { return 0.5; });
  SummarizeAll();
  auto filter = ParseFilter("responsetime > 1");
  ASSERT_TRUE(filter);
  SearchRequest request;
  request.filter = &*filter;
  request.end = kAllTime;
  request.scan_window = 40;
  int asked = 0;
  request.cancelled = [&] { return ++asked == 2; };
  auto page = SearchTraces(*store_, request);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_TRUE(page->cancelled);
  EXPECT_EQ(page->scanned, 80u);
  EXPECT_TRUE(page->matches.empty());
}

// A filter that is, or ANDs, an annotation equality few traces have reads those traces from the
// annotation index (TracesProcessedCount: only them) instead of the time range, with the answer of
// the range scan it replaces: string, number and bool values, by start time and by trace id, with
// stale and fresh summaries, on pages of any size.
TEST_F(TraceSearchTest, AnAnnotationEqualityFewTracesHaveIsReadFromTheIndex) {
  PutAnnotatedTraces(300, [](int i) {
    std::string members = R"("order":"o-)" + std::to_string(i % 100) + R"(","n":)" +
                          std::to_string(i % 50) + R"(,"retry":)" +
                          (i % 75 == 0 ? "true" : "false");
    return i % 2 == 0 ? members : std::string();  // Odd traces have no annotations.
  });
  const std::vector<std::pair<std::string, std::size_t>> filters = {
      {R"(annotation.order = "o-42")", 3},
      {R"(annotation.n = 4 AND responsetime > 0.1)", 6},
      {R"(responsetime > 0.1 AND annotation.retry = true)", 2},
  };
  for (const bool summarized : {false, true}) {
    if (summarized) {
      SummarizeAll();
    }
    for (const auto& [expression, count] : filters) {
      for (const TimeRangeType type : {TimeRangeType::kEvent, TimeRangeType::kTraceId}) {
        SCOPED_TRACE(expression + (summarized ? ", summarized" : ""));
        max_annotation_hits_ = 1;  // Too few: the range is scanned.
        const std::vector<std::string> scanned = SearchAll(expression, 1000, {}, type);
        EXPECT_EQ(scanned.size(), count);
        max_annotation_hits_ = storage::kMaxAnnotationHits;
        EXPECT_EQ(SearchAll(expression, 1000, {}, type), scanned);
        EXPECT_EQ(SearchAll(expression, 1, {}, type), scanned);

        auto filter = ParseFilter(expression);
        ASSERT_TRUE(filter);
        SearchRequest request;
        request.filter = &*filter;
        request.time_range_type = type;
        request.end = kAllTime;
        auto page = SearchTraces(*store_, request);
        ASSERT_TRUE(page) << page.error().message;
        EXPECT_EQ(page->scanned, count) << "only the traces with the annotation are read";
        EXPECT_TRUE(page->next_token.empty());
      }
    }
  }
}

// A search whose requester has gone away stops at the next check, with what it found so far.
TEST_F(TraceSearchTest, ACancelledSearchStopsAtTheNextCheck) {
  PutNumberedTraces(300, [](int) { return 1.0; });
  SearchRequest request;
  request.end = kAllTime;
  request.page_size = 1000;
  int asked = 0;
  request.cancelled = [&] { return ++asked == 2; };
  auto page = SearchTraces(*store_, request);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_TRUE(page->cancelled);
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(page->examined, 2 * kCancelCheckInterval);
  EXPECT_EQ(page->matches.size(), 2 * kCancelCheckInterval);
  request.cancelled = [] { return false; };
  auto whole = SearchTraces(*store_, request);
  ASSERT_TRUE(whole);
  EXPECT_FALSE(whole->cancelled);
  EXPECT_EQ(whole->matches.size(), 300u);
}

TEST_F(TraceSearchTest, TokensAreBoundToTheirRequest) {
  PutFixtures();
  auto filter = ParseFilter("");
  SearchRequest request;
  request.filter = &*filter;
  request.end = kAllTime;
  request.page_size = 1;
  request.token_scope = "A";
  auto page = SearchTraces(*store_, request);
  ASSERT_TRUE(page);
  ASSERT_FALSE(page->next_token.empty());
  request.next_token = page->next_token;
  EXPECT_TRUE(SearchTraces(*store_, request));
  request.token_scope = "B";
  auto other = SearchTraces(*store_, request);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kInvalidArgument);
  request.next_token = "not a token!";
  EXPECT_FALSE(SearchTraces(*store_, request));
}

TEST_F(TraceSearchTest, UnknownGroupsAreNamedWithTheirColumn) {
  auto filter = ParseFilter(R"(ok AND group.name = "no-such-group")");
  ASSERT_TRUE(filter);
  Status status = CheckFilterGroups(*filter, {});
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("no-such-group"), std::string::npos);
  EXPECT_NE(status.error().message.find("column 8"), std::string::npos);
  auto default_group = ParseFilter(R"(group.name = "Default")");
  EXPECT_TRUE(CheckFilterGroups(*default_group, {}));
}

TEST_F(TraceSearchTest, GroupMembershipNeedsArrivalAfterTheGroupsLastUpdate) {
  PutFixtures();  // received_at 1000
  auto late = std::make_shared<GroupDefinition>();
  late->name = "late";
  late->filter = std::make_shared<FilterExpr>();
  late->updated_at = 2000;  // Updated after every trace arrived: no member.
  GroupLookup lookup = [late](const GroupRef& ref) -> std::shared_ptr<const GroupDefinition> {
    return ref.value == "late" ? late : nullptr;
  };
  EXPECT_TRUE(SearchAll(R"(group.name = "late")", 10, lookup).empty());
  SummarizeAll();
  EXPECT_TRUE(SearchAll(R"(group.name = "late")", 10, lookup).empty());
  late->updated_at = 10;
  EXPECT_EQ(SearchAll(R"(group.name = "late")", 100, lookup).size(),
            testing::FilterFixtureTraces().size());
}

}  // namespace
}  // namespace xrayd::query
