// The filter evaluator: every example of docs/filter-language.md#examples over the fixture traces
// with exact match sets, then the semantic rules of docs/filter-language.md one by one, then real
// SDK documents.
#include "query/filter_eval.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "query/filter_parser.h"
#include "tests/query/filter_fixtures_support.h"

namespace xrayd::query {
namespace {

using testing::FilterExample;
using testing::FilterExamples;
using testing::FilterFixtureTraces;
using testing::FixtureTrace;

// Fixture models, built once.
const std::vector<TraceModel>& FixtureModels() {
  static const std::vector<TraceModel> kModels = [] {
    std::vector<TraceModel> out;
    for (const FixtureTrace& trace : FilterFixtureTraces()) {
      out.push_back(testing::BuildFixtureModel(trace));
    }
    return out;
  }();
  return kModels;
}

const TraceModel& Fixture(int number) {
  return FixtureModels().at(static_cast<std::size_t>(number - 1));
}

// Membership as the fixture header describes it: Default plus FixtureTrace::groups.
EvalContext FixtureContext(const FixtureTrace& trace) {
  return EvalContext{[&trace](const GroupRef& ref) {
    if (IsDefaultGroupRef(ref)) {
      return true;
    }
    return ref.by == GroupRef::By::kName &&
           std::find(trace.groups.begin(), trace.groups.end(), ref.value) != trace.groups.end();
  }};
}

FilterExpr Parse(std::string_view text) {
  Result<FilterExpr> expr = ParseFilter(text);
  EXPECT_TRUE(expr.has_value()) << text << ": " << (expr ? "" : expr.error().message);
  return expr ? std::move(*expr) : FilterExpr{};
}

// Trace ids (ascending) of the fixtures matching `text`.
std::vector<std::string> MatchingIds(std::string_view text) {
  const FilterExpr filter = Parse(text);
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < FilterFixtureTraces().size(); ++i) {
    const FixtureTrace& trace = FilterFixtureTraces()[i];
    if (MatchesFilter(filter, FixtureModels()[i], FixtureContext(trace))) {
      ids.push_back(trace.trace_id);
    }
  }
  return ids;
}

// Fixture numbers matching `text`, for compact assertions in the rule tests.
std::vector<int> Matching(std::string_view text) {
  std::vector<int> numbers;
  for (const std::string& id : MatchingIds(text)) {
    numbers.push_back(std::stoi(id.substr(id.size() - 2)));
  }
  return numbers;
}

bool Matches(std::string_view text, const TraceModel& model, const EvalContext& context = {}) {
  return MatchesFilter(Parse(text), model, context);
}

// --- Fixtures and examples --------------------------------------------------------------------

TEST(FilterFixturesTest, DocumentsDecodeAndTraceIdsAscend) {
  const auto& traces = FilterFixtureTraces();
  EXPECT_GE(traces.size(), 15u);
  for (std::size_t i = 0; i < traces.size(); ++i) {
    const FixtureTrace& trace = traces[i];
    EXPECT_EQ(&testing::FixtureTraceNumber(static_cast<int>(i + 1)), &trace);
    if (i > 0) {
      EXPECT_LT(traces[i - 1].trace_id, trace.trace_id);
    }
    const auto docs = testing::FixtureStoredDocuments(trace);
    EXPECT_EQ(docs.size(), trace.documents.size()) << trace.trace_id;
    for (const auto& doc : docs) {
      EXPECT_EQ(doc.trace_id, trace.trace_id);
    }
  }
}

TEST(FilterFixturesTest, GroupMembershipFollowsTheGroupFilter) {
  const FilterExpr filter = Parse(testing::kHighResponseTimeFilter);
  for (std::size_t i = 0; i < FilterFixtureTraces().size(); ++i) {
    const FixtureTrace& trace = FilterFixtureTraces()[i];
    const bool listed = std::find(trace.groups.begin(), trace.groups.end(),
                                  testing::kHighResponseTimeGroup) != trace.groups.end();
    EXPECT_EQ(listed, MatchesFilter(filter, FixtureModels()[i])) << trace.trace_id;
  }
}

TEST(FilterFixturesTest, AllSixtyOneExamplesInOrderWithSortedSets) {
  const auto& examples = FilterExamples();
  ASSERT_EQ(examples.size(), 61u);
  for (std::size_t i = 0; i < examples.size(); ++i) {
    EXPECT_EQ(examples[i].number, static_cast<int>(i + 1));
    EXPECT_TRUE(std::is_sorted(examples[i].matches.begin(), examples[i].matches.end()));
    EXPECT_EQ(examples[i].rejected, examples[i].number >= 53);
  }
}

// Every accepted example except #52 must separate the fixtures: some match and some do not.
TEST(FilterFixturesTest, EveryExampleHasANonTrivialMatchSet) {
  const std::size_t all = FilterFixtureTraces().size();
  for (const FilterExample& example : FilterExamples()) {
    if (example.rejected) {
      continue;
    }
    EXPECT_FALSE(example.matches.empty()) << "#" << example.number;
    if (example.number != 52) {
      EXPECT_LT(example.matches.size(), all) << "#" << example.number;
    } else {
      EXPECT_EQ(example.matches.size(), all);
    }
  }
}

TEST(FilterEvalTest, SpecExamplesMatchExactlyTheirFixtureSets) {
  for (const FilterExample& example : FilterExamples()) {
    SCOPED_TRACE("#" + std::to_string(example.number) + " " + example.expression);
    if (example.rejected) {
      continue;
    }
    EXPECT_EQ(MatchingIds(example.expression), example.matches);
  }
}

TEST(FilterEvalTest, RejectedSpecExamplesNameTheOffendingToken) {
  for (const FilterExample& example : FilterExamples()) {
    if (!example.rejected || example.number == 60) {
      continue;
    }
    SCOPED_TRACE("#" + std::to_string(example.number) + " " + example.expression);
    Result<FilterExpr> expr = ParseFilter(example.expression);
    ASSERT_FALSE(expr.has_value());
    EXPECT_EQ(expr.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(expr.error().message.find("'" + example.error_token + "'"), std::string::npos)
        << expr.error().message;
  }
}

// #60 parses; the unknown group is rejected by the lookup that runs on CollectGroupRefs.
TEST(FilterEvalTest, SpecExample60IsRejectedByGroupLookup) {
  const FilterExample& example = FilterExamples()[59];
  ASSERT_EQ(example.number, 60);
  const FilterExpr filter = Parse(example.expression);
  const std::vector<const Node*> refs = CollectGroupRefs(filter);
  ASSERT_EQ(refs.size(), 1u);
  const auto& ref = std::get<GroupRef>(refs[0]->kind);
  EXPECT_EQ(ref.by, GroupRef::By::kName);
  EXPECT_EQ(ref.value, example.error_token);
  EXPECT_EQ(refs[0]->column, 1);
  // Were it evaluated anyway, no trace is a member of a group that does not exist.
  EXPECT_TRUE(MatchingIds(example.expression).empty());
}

// --- Semantic rules -----------------------------------------------------------------------------

TEST(FilterEvalTest, EmptyFilterMatchesEverything) {
  for (const TraceModel& model : FixtureModels()) {
    EXPECT_TRUE(MatchesFilter(FilterExpr{}, model));
  }
  EXPECT_TRUE(MatchesFilter(FilterExpr{}, TraceModel{}));
}

TEST(FilterEvalTest, MissingValueMakesEveryComparisonFalseIncludingNotEqual) {
  const TraceModel& no_http = Fixture(4);  // Root without http.
  for (const char* text :
       {"http.status != 200", "http.status = 200", "http.status < 1000", "http.url != \"x\"",
        "http.url CONTAINS \"\"", "http.url BEGINSWITH \"\"", "http.url ENDSWITH \"\"",
        "http.method", "annotation.nope != 1", "annotation.nope != \"x\"", "user != \"alice\""}) {
    EXPECT_FALSE(Matches(text, no_http)) << text;
  }
  // `!term` is true when the term is false.
  EXPECT_TRUE(Matches("!(http.status = 200)", no_http));
  EXPECT_TRUE(Matches("!http.status", no_http));
  // In progress root: no response time, yet a URL.
  EXPECT_FALSE(Matches("responsetime >= 0", Fixture(24)));
  EXPECT_FALSE(Matches("responsetime != 1", Fixture(24)));
  EXPECT_TRUE(Matches("http.url = \"http://reports.internal/q3\"", Fixture(24)));
}

TEST(FilterEvalTest, EmptyStringOperatorsTestPresence) {
  EXPECT_TRUE(Matches(R"(http.url CONTAINS "")", Fixture(1)));
  EXPECT_TRUE(Matches(R"(http.url BEGINSWITH "")", Fixture(1)));
  EXPECT_TRUE(Matches(R"(http.url ENDSWITH "")", Fixture(1)));
  EXPECT_FALSE(Matches(R"(http.url = "")", Fixture(1)));
  EXPECT_EQ(Matching(R"(annotation.username CONTAINS "")"), (std::vector<int>{5, 15, 17, 18}));
  EXPECT_EQ(Matching(R"(availabilityzone ENDSWITH "")"), (std::vector<int>{1, 2}));
}

TEST(FilterEvalTest, MultiValuedKeywordsAreExistential) {
  // Trace 15 has username "anonymous" (checkout) and "carol" (Auth); trace 17 only "anonymous".
  EXPECT_TRUE(Matches(R"(annotation.username != "anonymous")", Fixture(15)));
  EXPECT_TRUE(Matches(R"(annotation.username = "anonymous")", Fixture(15)));
  EXPECT_FALSE(Matches(R"(annotation.username != "anonymous")", Fixture(17)));
  // Users of any segment, not only the root.
  EXPECT_TRUE(Matches(R"(user = "alice")", Fixture(15)));
  EXPECT_FALSE(Matches(R"(user != "alice")", Fixture(15)));
  EXPECT_EQ(Matching(R"(user != "alice")"), (std::vector<int>{2, 16}));
  EXPECT_EQ(Matching(R"(instance.id BEGINSWITH "i-0a1b")"), (std::vector<int>{1, 2}));
  EXPECT_EQ(Matching(R"(resource.arn CONTAINS ":function:random-name")"), (std::vector<int>{12}));
  EXPECT_EQ(Matching(R"(availabilityzone = "us-east-1b")"), (std::vector<int>{2}));
}

TEST(FilterEvalTest, AnnotationTypingIsDynamic) {
  // age: 1 = 35; 2 = "40"; 9 = "45" and 20; 10 = 29; 11 = false; 19 = 30 and "n/a".
  EXPECT_EQ(Matching("annotation.age = 35"), (std::vector<int>{1}));
  EXPECT_EQ(Matching(R"(annotation.age = "35")"), (std::vector<int>{}));
  EXPECT_EQ(Matching(R"(annotation.age = "40")"), (std::vector<int>{2}));
  EXPECT_EQ(Matching("annotation.age < 30"), (std::vector<int>{9, 10}));
  EXPECT_EQ(Matching("annotation.age != 29"), (std::vector<int>{1, 9, 19}));
  EXPECT_EQ(Matching(R"(annotation.age != "n/a")"), (std::vector<int>{2, 9}));
  EXPECT_EQ(Matching(R"(annotation.age CONTAINS "")"), (std::vector<int>{2, 9, 19}));
  EXPECT_EQ(Matching("annotation.age = false"), (std::vector<int>{11}));
  EXPECT_EQ(Matching("annotation.age != true"), (std::vector<int>{11}));
  // Booleans: only boolean values compare; bare use is the value.
  EXPECT_EQ(Matching("annotation.internal = true"), (std::vector<int>{4}));
  EXPECT_EQ(Matching("annotation.internal"), (std::vector<int>{4, 13}));  // true, "false".
  EXPECT_EQ(Matching(R"(annotation.internal = "false")"), (std::vector<int>{13}));
  // Annotation keys are case-sensitive; the prefix is not.
  EXPECT_EQ(Matching(R"(ANNOTATION.gameid = "817DL6VO")"), (std::vector<int>{1, 25}));
  EXPECT_EQ(Matching(R"(annotation.GameId = "817DL6VO")"), (std::vector<int>{}));
}

TEST(FilterEvalTest, AnnotationNumbersUseDoubleEquality) {
  const TraceModel& model = Fixture(1);  // age 35.
  EXPECT_TRUE(Matches("annotation.age = 35.0", model));
  EXPECT_TRUE(Matches("annotation.age = 3.5e1", model));
  EXPECT_FALSE(Matches("annotation.age = 35.000001", model));
  EXPECT_TRUE(Matches("annotation.age >= 35 and annotation.age <= 35", model));
}

TEST(FilterEvalTest, StringsAreCaseSensitiveKeywordsAreNot) {
  EXPECT_EQ(Matching(R"(http.method = "post")"), (std::vector<int>{3}));
  EXPECT_EQ(Matching(R"(HTTP.Method = "POST" and RESPONSETIME > 5)"), (std::vector<int>{2, 15}));
  EXPECT_EQ(Matching(R"(user = "Alice")"), (std::vector<int>{16}));
  EXPECT_EQ(Matching(R"(service("API"))"), (std::vector<int>{}));
  EXPECT_EQ(Matching(R"(http.url CONTAINS "EXAMPLE")"), (std::vector<int>{}));
}

TEST(FilterEvalTest, BooleanKeywordsWithAndWithoutLiterals) {
  for (const char* keyword : {"ok", "error", "fault", "throttle", "partial", "inferred"}) {
    const std::string k = keyword;
    EXPECT_EQ(Matching(k), Matching(k + " = true")) << k;
    EXPECT_EQ(Matching(k + " != false"), Matching(k + " = true")) << k;
    EXPECT_EQ(Matching("!" + k), Matching(k + " = false")) << k;
    EXPECT_EQ(Matching("!" + k), Matching(k + " != true")) << k;
  }
  // A trace without a root (25) is neither ok nor faulted.
  EXPECT_FALSE(Matches("ok", Fixture(25)));
  EXPECT_FALSE(Matches("fault or error or throttle", Fixture(25)));
  // Status only in the root's http status counts; a faulted local subsegment does not (trace 1).
  EXPECT_TRUE(Matches("ok and !fault", Fixture(1)));
  EXPECT_TRUE(Matches("fault and !error", Fixture(3)));  // 502 without flags.
}

TEST(FilterEvalTest, PrecedenceAndGrouping) {
  // fault OR (error AND throttle): the 429 trace 5 and every fault, not the 404 trace 6.
  EXPECT_EQ(Matching("(fault OR error) AND throttle"), (std::vector<int>{5}));
  EXPECT_NE(Matching("fault OR error AND throttle"), Matching("(fault OR error) AND throttle"));
  EXPECT_EQ(Matching("error AND throttle OR fault"), Matching("fault OR error AND throttle"));
  // ! binds tighter than AND; implicit AND equals explicit AND.
  EXPECT_EQ(Matching("!ok AND error"), (std::vector<int>{5, 6, 12}));
  EXPECT_EQ(Matching("!(ok AND error)"), Matching("!ok OR !error"));
  EXPECT_EQ(Matching("ok !partial duration < 3"), Matching("ok AND !partial AND duration < 3"));
  // A negated service term negates the whole term, block included.
  EXPECT_EQ(Matching(R"(!service("data-plane") { fault })"),
            Matching(R"(!(service("data-plane") { fault }))"));
  EXPECT_FALSE(Matches(R"(!service("data-plane") { fault })", Fixture(27)));
  EXPECT_TRUE(Matches(R"(!service("data-plane") { fault })", Fixture(4)));
}

TEST(FilterEvalTest, ServiceBlockBindsEachSegmentOfTheNode) {
  // Trace 12: orders-gw -> random-name (AWS::Lambda) -> random-name (AWS::Lambda::Function).
  const TraceModel& lambda = Fixture(12);
  // A plain name matches both Lambda nodes; the block sees each segment with its node's type.
  EXPECT_TRUE(Matches(R"(service("random-name") { type = "AWS::Lambda" and ok })", lambda));
  EXPECT_TRUE(
      Matches(R"(service("random-name") { type = "AWS::Lambda::Function" and error })", lambda));
  EXPECT_FALSE(Matches(R"(service("random-name") { type = "AWS::Lambda" and error })", lambda));
  EXPECT_FALSE(
      Matches(R"(service(id(name: "random-name", type: "AWS::Lambda")) { error })", lambda));
  EXPECT_TRUE(Matches(R"(service("random-name") { name = "random-name" and !root })", lambda));
  EXPECT_TRUE(Matches(R"(service("orders-gw") { root and http.status = 400 and error })", lambda));
  EXPECT_TRUE(Matches(R"(service("random-name") {
      resource.arn = "arn:aws:lambda:us-east-1:123456789012:function:random-name" })",
                      lambda));
  // Inferred segments take the caller's http and status.
  EXPECT_TRUE(Matches(R"(service("example.com") { inferred and http.status = 404 and
                          http.url = "https://example.com/rates" and responsetime = 0.3 })",
                      Fixture(9)));
  EXPECT_FALSE(Matches(R"(service("shop") { inferred })", Fixture(9)));
  // duration covers subsegments, responsetime is the segment's own; user and EC2 fields bind.
  EXPECT_TRUE(Matches(R"(service("Auth") { user = "alice" and responsetime > 5.7 and
                          duration > 5.7 and fault and !root })",
                      Fixture(15)));
  EXPECT_TRUE(Matches(R"(service("web-frontend") { availabilityzone = "us-east-1a" and
                          instance.id = "i-0a1b2c3d4e5f60001" and user = "alice" and ok })",
                      Fixture(1)));
  // partial: the in-progress root.
  EXPECT_TRUE(Matches(R"(service("report-gen") { partial and !responsetime })", Fixture(24)));
  // service() without a name: any node; without a block: presence only.
  EXPECT_FALSE(Matches("service()", Fixture(25)));  // Only an orphan subsegment: no node.
  EXPECT_TRUE(Matches("service()", Fixture(4)));
  EXPECT_EQ(Matching(R"(service() { type = "remote" and error })"), (std::vector<int>{6, 9}));
}

TEST(FilterEvalTest, ClientNodeIsSelectedOnlyByTypeClient) {
  const TraceModel& model = Fixture(5);  // api, root, 429.
  EXPECT_TRUE(
      Matches(R"(edge(id(type: "client"), "api") { throttle and http.status = 429 })", model));
  EXPECT_FALSE(Matches(R"(edge("api", "api"))", model));
  EXPECT_FALSE(Matches(R"(service(id(name: "api")) { type = "client" })", model));
  EXPECT_TRUE(Matches(R"(service(id(name: "api", type: "client")))", model));
}

TEST(FilterEvalTest, EdgeBlockBindsTheCallersView) {
  // Trace 7: api.example.com -> backend.example.com; the call got 409, backend answered 200.
  EXPECT_TRUE(Matches(R"(edge("api.example.com", "backend.example.com") {
                          http.status = 409 and error and !fault and responsetime > 0.59 and
                          responsetime < 0.61 and http.url ENDSWITH "/orders" })",
                      Fixture(7)));
  EXPECT_FALSE(Matches(R"(edge("backend.example.com", "api.example.com"))", Fixture(7)));
  // The downstream's own error (trace 8) is not the edge's.
  EXPECT_TRUE(Matches(R"(edge("api.example.com", "backend.example.com") { ok })", Fixture(8)));
  EXPECT_TRUE(Matches(R"(service("backend.example.com") { error })", Fixture(8)));
  // id() selectors on both ends. The Lambda service -> function call is the service segment
  // itself: in trace 12 only the function errs, in trace 13 only the service.
  EXPECT_EQ(Matching(R"(edge(id(type: "AWS::Lambda"), id(type: "AWS::Lambda::Function")) {
                         error })"),
            (std::vector<int>{13}));
  EXPECT_TRUE(
      Matches(R"(edge("orders-gw", id(name: "random-name", type: "AWS::Lambda")))", Fixture(12)));
  EXPECT_FALSE(Matches(R"(edge("orders-gw", id(type: "AWS::Lambda::Function")))", Fixture(12)));
  // Inferred downstreams: the edge to the DynamoDB table node is named after the table.
  EXPECT_EQ(Matching(R"(edge("inventory", id(type: "AWS::DynamoDB::Table", name: "stock")))"),
            (std::vector<int>{18}));
}

TEST(FilterEvalTest, IdSelectors) {
  EXPECT_EQ(Matching(R"(id(type: "AWS::Lambda"))"), (std::vector<int>{12, 13, 14}));
  EXPECT_EQ(Matching(R"(id(name: "x"))"), (std::vector<int>{13, 14}));
  EXPECT_EQ(Matching(R"(id(account.id: "210987654321", type: "AWS::ApiGateway::Stage"))"),
            (std::vector<int>{13}));
  EXPECT_EQ(Matching(R"(service(id(type: "AWS::DynamoDB")))"), (std::vector<int>{17}));
  EXPECT_EQ(Matching(R"(service(id(type: "remote", name: "legacy")))"), (std::vector<int>{3}));
  // Top-level id() equals service(id()).
  for (const char* args : {R"(name: "x", type: "AWS::Lambda::Function")", R"(type: "remote")",
                           R"(account.id: "123456789012")"}) {
    EXPECT_EQ(Matching(std::string("id(") + args + ")"),
              Matching(std::string("service(id(") + args + "))"))
        << args;
  }
}

TEST(FilterEvalTest, GroupTermsUseTheContext) {
  const TraceModel& model = Fixture(1);
  // Null function: Default only, by name or ARN.
  EXPECT_TRUE(Matches(R"(group.name = "Default")", model));
  EXPECT_TRUE(Matches(R"(group.arn = "arn:aws:xray:us-east-1:000000000000:group/Default")", model));
  EXPECT_FALSE(Matches(R"(group.name = "default")", model));
  EXPECT_FALSE(Matches(R"(group.name = "high_response_time")", model));
  EXPECT_FALSE(
      Matches(R"(group.arn = "arn:aws:xray:us-east-1:000000000000:group/Other/ABC")", model));
  // A context decides alone, Default included.
  std::vector<std::string> asked;
  const EvalContext context{[&asked](const GroupRef& ref) {
    asked.push_back(ref.value);
    return ref.by == GroupRef::By::kArn && ref.value.ends_with("/G/XYZ");
  }};
  EXPECT_TRUE(
      Matches(R"(group.arn = "arn:aws:xray:us-east-1:1:group/G/XYZ" and ok)", model, context));
  EXPECT_FALSE(Matches(R"(group.name = "Default")", model, context));
  EXPECT_EQ(asked, (std::vector<std::string>{"arn:aws:xray:us-east-1:1:group/G/XYZ", "Default"}));
  // Fixture membership: #41 relies on it.
  EXPECT_EQ(Matching(R"(group.name = "high_response_time")"), (std::vector<int>{2, 15, 22, 23}));
}

TEST(FilterEvalTest, RootCauseServiceLevel) {
  // Trace 15 fault: services [checkout, Auth]. Trace 3: [game-api, legacy (inferred remote)].
  EXPECT_TRUE(Matches(R"(rootcause.fault.service { first and index = 0 and name = "checkout" })",
                      Fixture(15)));
  EXPECT_TRUE(Matches(R"(rootcause.fault.service { last and index = 1 and name = "Auth" and
                          type = "AWS::ECS::Container" and !inferred })",
                      Fixture(15)));
  EXPECT_FALSE(Matches(R"(rootcause.fault.service { last and name = "checkout" })", Fixture(15)));
  EXPECT_TRUE(Matches(R"(rootcause.fault.service { last and inferred and type = "remote" and
                          name = "legacy" })",
                      Fixture(3)));
  EXPECT_TRUE(Matches(R"(rootcause.error.service { last and account.id = "123456789012" })",
                      Fixture(12)) == false);  // The gateway (with the account) is first.
  EXPECT_TRUE(
      Matches(R"(rootcause.error.service { first and account.id = "123456789012" })", Fixture(12)));
  EXPECT_TRUE(Matches(R"(rootcause.error.service { last and type = "AWS::Lambda::Function" })",
                      Fixture(12)));
  // Without a block: the list of that kind is non-empty.
  EXPECT_EQ(Matching("rootcause.error.service"), (std::vector<int>{5, 6, 7, 8, 9, 12, 13}));
  EXPECT_EQ(Matching("rootcause.error.exception"), Matching("rootcause.error.service"));
  EXPECT_EQ(Matching("rootcause.responsetime.service"), Matching("responsetime"));
}

TEST(FilterEvalTest, RootCauseEntityAndExceptionLevels) {
  // Trace 15 fault entities, flattened: checkout, Auth (call), Auth, deserialize.
  EXPECT_TRUE(
      Matches(R"(rootcause.fault.entity { index = 1 and name = "Auth" and remote })", Fixture(15)));
  EXPECT_TRUE(Matches(R"(rootcause.fault.entity { index = 3 and last and !remote })", Fixture(15)));
  EXPECT_FALSE(Matches(R"(rootcause.fault.entity { index > 3 })", Fixture(15)));
  EXPECT_TRUE(Matches(R"(rootcause.fault.entity { first and name = "checkout" })", Fixture(15)));
  // Trace 16: exceptions [AccessDenied (deserialize), TokenExpired (parse-token)].
  EXPECT_TRUE(Matches(R"(rootcause.fault.exception { first and
                          message = "Access Denied for account_id: 1234567890" and
                          name = "AccessDeniedException" })",
                      Fixture(16)));
  EXPECT_TRUE(Matches(R"(rootcause.fault.exception { last and index = 1 and
                          name = "TokenExpiredException" })",
                      Fixture(16)));
  EXPECT_TRUE(Matches(R"(rootcause.fault.entity { last and name = "parse-token" })", Fixture(16)));
  // A fault root cause exists without any exception (trace 1: local render fault, root ok).
  EXPECT_TRUE(Matches("rootcause.fault.service", Fixture(1)));
  EXPECT_FALSE(Matches("rootcause.fault.exception { index >= 0 }", Fixture(1)));
  // Coverage: 19's call to traces covers 0.8 of the root's response time, the root 1.0.
  EXPECT_TRUE(Matches("rootcause.responsetime.entity { first and coverage = 1 }", Fixture(19)));
  EXPECT_TRUE(Matches(R"(rootcause.responsetime.entity { name = "traces" and coverage > 0.79 and
                          coverage < 0.81 })",
                      Fixture(19)));
  EXPECT_TRUE(Matches(R"(rootcause.responsetime.entity { name = "traces" and coverage < 0.7 })",
                      Fixture(20)));
}

TEST(FilterEvalTest, RootCauseJsonIsSubsetAndSubsequence) {
  const TraceModel& weather = Fixture(22);  // GetWeatherData -> get_temperature, no Type.
  const auto json = [&](const std::string& literal) {
    return Matches("rootcause.json = #" + literal, weather);
  };
  EXPECT_TRUE(json(R"([{"Services":[{"Name":"GetWeatherData"}]}])"));
  EXPECT_TRUE(json(R"([{"Services":[{"EntityPath":[{"Name":"get_temperature"}]}]}])"));
  EXPECT_TRUE(json(R"([{"Services":[]}])"));
  EXPECT_TRUE(json(R"([{}])"));
  EXPECT_TRUE(json(R"([])"));
  // Order matters: a subsequence, not a subset of a set.
  EXPECT_FALSE(json(R"([{"Services":[{"EntityPath":[{"Name":"get_temperature"},
                                                   {"Name":"GetWeatherData"}]}]}])"));
  // More elements than the value has.
  EXPECT_FALSE(json(R"([{"Services":[{"Name":"GetWeatherData"},{"Name":"GetWeatherData"}]}])"));
  // Every given key must exist and match, recursively; key names are case-sensitive.
  EXPECT_FALSE(json(R"([{"Services":[{"name":"GetWeatherData"}]}])"));
  EXPECT_FALSE(json(R"([{"Services":[{"Name":"GetWeatherData","Unknown":1}]}])"));
  EXPECT_FALSE(json(R"([{"Services":[{"Name":"getweatherdata"}]}])"));
  EXPECT_FALSE(json(R"([{"Services":{"Name":"GetWeatherData"}}])"));
  // Type null = no Type member (the DG example); Names, Inferred, ClientImpacting, exceptions.
  EXPECT_TRUE(json(R"([{"ClientImpacting":true,"Services":[{"Name":"GetWeatherData",
      "Names":["GetWeatherData"],"Type":null,"Inferred":false,"EntityPath":[
      {"Name":"get_temperature","Remote":false,"Exceptions":[{"Name":"ValueError",
       "Message":"sensor offline"}]}]}]}])"));
  EXPECT_FALSE(json(R"([{"Services":[{"Type":"AWS::EC2::Instance"}]}])"));
  EXPECT_FALSE(json(R"([{"ClientImpacting":false}])"));
  EXPECT_FALSE(json(R"([{"Services":[{"EntityPath":[{"Exceptions":[{"Message":"other"}]}]}]}])"));
  // Each object of the array must be found, in a root cause of any kind.
  EXPECT_TRUE(json(R"([{"Services":[{"EntityPath":[{"Exceptions":[]}]}]},
                       {"Services":[{"EntityPath":[{"Coverage":0.75}]}]}])"));
  EXPECT_FALSE(json(R"([{"Services":[{"Name":"GetWeatherData"}]},
                        {"Services":[{"Name":"Elsewhere"}]}])"));
  // Across services of a cause: trace 15's fault cause lists checkout then Auth.
  EXPECT_TRUE(Matches(R"(rootcause.json = #[{"Services":[{"Name":"checkout"},{"Name":"Auth",
      "Type":"AWS::ECS::Container","EntityPath":[{"Name":"deserialize","Exceptions":[
      {"Name":"AccessDeniedException"}]}]}]}])",
                      Fixture(15)));
  EXPECT_FALSE(Matches(R"(rootcause.json = #[{"Services":[{"Name":"Auth"},{"Name":"checkout"}]}])",
                       Fixture(15)));
}

// --- Real SDK documents -------------------------------------------------------------------------

// The document of a datagram that the AWS X-Ray SDK for Node.js sent, captured by
// tests/testdata/capture/capture.js (see tests/testdata/README.md).
std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(XRAYD_TESTDATA) + "/xray-sdk-node/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream text;
  text << in.rdbuf();
  std::string body = text.str();
  if (body.rfind("{\"format\"", 0) == 0) {
    body = body.substr(body.find('\n') + 1);  // Drop the daemon header line.
  }
  return body;
}

// One trace made of captured documents (one file per document).
TraceModel ModelOfTestdata(const std::vector<std::string>& names) {
  FixtureTrace trace;
  for (const std::string& name : names) {
    trace.documents.push_back(ReadTestdata(name));
  }
  const auto docs = testing::FixtureStoredDocuments(trace);
  EXPECT_EQ(docs.size(), names.size());
  return BuildTraceModel(docs.empty() ? "" : docs[0].trace_id, docs);
}

// POST /orders answered 500: DescribeTable on "orders" (200), PutItem on the missing table
// "orders_archive" (400, ResourceNotFoundException), then the local "charge-card" fails.
TEST(FilterEvalTest, RealDynamoDbSdkSegment) {
  const TraceModel model = ModelOfTestdata({"create-order-fault.01-segment.txt"});
  EXPECT_TRUE(Matches(R"(fault and !error and !throttle and user = "bob" and
                          http.method = "POST" and http.status = 500)",
                      model));
  EXPECT_TRUE(Matches(R"(annotation.customer_tier = "silver" and annotation.archive_failed = true)",
                      model));
  EXPECT_TRUE(Matches(R"(service("orders-api") { root and fault })", model));
  EXPECT_TRUE(Matches(R"(edge("orders-api", "orders_archive") { fault and error and
                          http.status = 400 })",
                      model));
  EXPECT_FALSE(Matches(R"(edge("orders-api", "orders") { fault or error })", model));
  EXPECT_TRUE(Matches(R"(edge("orders-api", "orders") { ok and http.status = 200 })", model));
  EXPECT_TRUE(Matches(R"(service(id(type: "AWS::DynamoDB::Table")) { inferred })", model));
  EXPECT_TRUE(Matches(R"(service(id(name: "orders_archive", type: "AWS::DynamoDB::Table")) {
                          inferred and fault })",
                      model));
  // Fault: the latest-ending faulty child of the root is the local "charge-card".
  EXPECT_TRUE(
      Matches(R"(rootcause.fault.service { last and !inferred and name = "orders-api" })", model));
  EXPECT_TRUE(Matches(R"(rootcause.fault.entity { last and name = "charge-card" })", model));
  EXPECT_TRUE(Matches(R"(rootcause.fault.exception { name = "PaymentTimeoutError" and
                          message = "card processor timed out" })",
                      model));
  // Error: the PutItem call (400) and the table behind it.
  EXPECT_TRUE(Matches(R"(rootcause.error.service { last and inferred and
                          type = "AWS::DynamoDB::Table" and name = "orders_archive" })",
                      model));
  EXPECT_TRUE(Matches(R"(rootcause.error.exception { name = "ResourceNotFoundException" and
                          message = "Requested resource not found" })",
                      model));
  EXPECT_TRUE(Matches(R"(rootcause.json = #[{"Services":[{"Name":"orders-api"},
                          {"Name":"orders_archive","Inferred":true}]}])",
                      model));
  EXPECT_FALSE(Matches("http.status = 400 or throttle or partial", model));
}

// GET /orders/42 answered 200: an http call to the backend and a DynamoDB GetItem on "orders".
TEST(FilterEvalTest, RealServerSdkSegment) {
  const TraceModel model = ModelOfTestdata({"get-order.01-segment.txt"});
  EXPECT_TRUE(Matches(R"(ok and http.status = 200 and http.method = "GET" and
                          http.url BEGINSWITH "http://127.0.0.1:" and http.url ENDSWITH "/orders/42"
                          and http.useragent = "node" and http.clientip = "127.0.0.1" and
                          user = "alice" and responsetime < 5)",
                      model));
  EXPECT_TRUE(Matches(R"(annotation.customer_tier = "gold" and annotation.order_id = 42 and
                          annotation.express_shipping = false)",
                      model));
  EXPECT_TRUE(Matches(R"(service("orders-api") { root and !inferred })", model));
  EXPECT_TRUE(Matches(R"(edge("orders-api", "127.0.0.1") { ok and http.status = 200 and
                          http.method = "GET" })",
                      model));
  EXPECT_TRUE(Matches(
      R"(service(id(name: "orders", type: "AWS::DynamoDB::Table")) { inferred and ok })", model));
  EXPECT_TRUE(Matches(R"(service(id(name: "127.0.0.1", type: "remote")) { inferred })", model));
  EXPECT_FALSE(Matches("fault or error or throttle or partial or rootcause.fault.service", model));
}

// GET /orders/7: the backend answers 429 and so does the API.
TEST(FilterEvalTest, RealThrottledSdkSegment) {
  const TraceModel model = ModelOfTestdata({"get-order-throttled.01-segment.txt"});
  EXPECT_TRUE(Matches(R"(throttle and error and !fault and http.status = 429)", model));
  EXPECT_TRUE(
      Matches(R"(edge("orders-api", "127.0.0.1") { throttle and http.status = 429 })", model));
  EXPECT_TRUE(
      Matches(R"(rootcause.error.service { last and inferred and name = "127.0.0.1" })", model));
}

// GET /report: the segment plus its four subsegments streamed on their own.
TEST(FilterEvalTest, RealStreamedSdkSubsegments) {
  const TraceModel model = ModelOfTestdata({"report-streamed.05-segment.txt",
                                            "report-streamed.01-subsegment-render-page-1.txt",
                                            "report-streamed.02-subsegment-render-page-2.txt",
                                            "report-streamed.03-subsegment-render-page-3.txt",
                                            "report-streamed.04-subsegment-127.0.0.1.txt"});
  EXPECT_TRUE(Matches(R"(ok and !partial and annotation.report_pages = 3)", model));
  // Annotations of the streamed subsegments belong to the trace.
  EXPECT_TRUE(Matches(R"(annotation.page = 1 and annotation.page = 3)", model));
  EXPECT_TRUE(Matches(R"(edge("orders-api", "127.0.0.1") { ok and http.status = 200 })", model));
  EXPECT_TRUE(Matches(R"(rootcause.responsetime.entity { name = "build-report" })", model));
}

// The segment flushed while still open.
TEST(FilterEvalTest, RealInProgressSdkSegment) {
  const TraceModel model = ModelOfTestdata({"long-operation.01-segment-in-progress.txt"});
  EXPECT_TRUE(Matches(R"(partial and annotation.batch = "nightly")", model));
  EXPECT_TRUE(Matches(R"(service("long-operation") { root and partial })", model));
  EXPECT_FALSE(Matches("responsetime > 0", model));
}

}  // namespace
}  // namespace xrayd::query
