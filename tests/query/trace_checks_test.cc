#include "query/trace_checks.h"

#include <gtest/gtest.h>

#include "query/filter_eval.h"
#include "query/filter_parser.h"

namespace xrayd::query {
namespace {

std::vector<nlohmann::ordered_json> Documents() {
  return {nlohmann::ordered_json::parse(R"({
    "id": "70de5b6f19ff9a0a", "trace_id": "1-581cf771-a006649127e371903a2de979",
    "name": "checkout", "start_time": 100.0, "end_time": 100.5,
    "annotations": {"username": "alice", "items": 3, "vip": true},
    "http": {"response": {"status": 200}},
    "subsegments": [
      {"id": "a1", "name": "DynamoDB", "start_time": 100.1, "end_time": 100.2, "namespace": "aws",
       "subsegments": [{"id": "a2", "name": "retry", "start_time": 100.15, "end_time": 100.2,
                        "annotations": {"username": "bob"}}]}
    ]})")};
}

TEST(CountBoundTest, ParsesEveryFormAndRejectsTheRest) {
  struct Case {
    const char* text;
    CountBound::Op op;
    std::size_t count;
  };
  for (const Case& c : {Case{">=1", CountBound::Op::kGe, 1}, Case{">2", CountBound::Op::kGt, 2},
                        Case{"<=3", CountBound::Op::kLe, 3}, Case{"<4", CountBound::Op::kLt, 4},
                        Case{"=5", CountBound::Op::kEq, 5}, Case{"==6", CountBound::Op::kEq, 6},
                        Case{"7", CountBound::Op::kEq, 7}, Case{">= 8", CountBound::Op::kGe, 8}}) {
    auto bound = ParseCountBound(c.text);
    ASSERT_TRUE(bound) << c.text;
    EXPECT_EQ(bound->op, c.op) << c.text;
    EXPECT_EQ(bound->count, c.count) << c.text;
  }
  for (const char* bad : {"", ">=", "-1", ">=x", "1.5", "=>1", "1 "}) {
    auto bound = ParseCountBound(bad);
    ASSERT_FALSE(bound) << bad;
    EXPECT_NE(bound.error().message.find("invalid count"), std::string::npos);
  }
}

TEST(CountBoundTest, AcceptsExactlyWhatItSays) {
  EXPECT_TRUE(ParseCountBound(">=1")->Accepts(1));
  EXPECT_FALSE(ParseCountBound(">=1")->Accepts(0));
  EXPECT_FALSE(ParseCountBound(">1")->Accepts(1));
  EXPECT_TRUE(ParseCountBound("<=2")->Accepts(2));
  EXPECT_FALSE(ParseCountBound("<2")->Accepts(2));
  EXPECT_TRUE(ParseCountBound("0")->Accepts(0));
  EXPECT_FALSE(ParseCountBound("0")->Accepts(1));
  EXPECT_EQ(ParseCountBound("==3")->ToString(), "= 3");
  EXPECT_TRUE(LooksLikeCountBound(">=1"));
  EXPECT_TRUE(LooksLikeCountBound("0"));
  EXPECT_FALSE(LooksLikeCountBound("fault"));
  EXPECT_FALSE(LooksLikeCountBound("!ok"));
}

TEST(TraceChecksTest, FindsNodesByNameAtAnyDepth) {
  auto docs = Documents();
  EXPECT_TRUE(HasNodeNamed(docs, "checkout"));
  EXPECT_TRUE(HasNodeNamed(docs, "DynamoDB"));
  EXPECT_TRUE(HasNodeNamed(docs, "retry"));
  EXPECT_FALSE(HasNodeNamed(docs, "dynamodb"));  // Exact, case-sensitive.
  EXPECT_FALSE(HasNodeNamed(docs, "S3"));
  EXPECT_FALSE(HasNodeNamed({}, "checkout"));
}

TEST(TraceChecksTest, AnnotationsMatchByTypeAndValueOnAnyNode) {
  auto docs = Documents();
  EXPECT_TRUE(HasAnnotation(docs, "username", std::nullopt));
  EXPECT_TRUE(HasAnnotation(docs, "username", "alice"));
  EXPECT_TRUE(HasAnnotation(docs, "username", "bob"));  // On the nested subsegment.
  EXPECT_FALSE(HasAnnotation(docs, "username", "carol"));
  EXPECT_TRUE(HasAnnotation(docs, "items", "3"));
  EXPECT_TRUE(HasAnnotation(docs, "items", "3.0"));  // Numbers compare as numbers.
  EXPECT_FALSE(HasAnnotation(docs, "items", "4"));
  EXPECT_FALSE(HasAnnotation(docs, "items", "three"));
  EXPECT_TRUE(HasAnnotation(docs, "vip", "true"));
  EXPECT_FALSE(HasAnnotation(docs, "vip", "false"));
  EXPECT_FALSE(HasAnnotation(docs, "missing", std::nullopt));
  EXPECT_EQ(AnnotationValues(docs, "username"), (std::vector<std::string>{"\"alice\"", "\"bob\""}));
  EXPECT_EQ(AnnotationValues(docs, "items"), (std::vector<std::string>{"3"}));
}

TEST(TraceChecksTest, ModelFromDocumentsEvaluatesFiltersLikeTheStore) {
  auto docs = Documents();
  TraceModel model = ModelFromDocuments("1-581cf771-a006649127e371903a2de979", docs);
  auto matches = [&](const char* text) {
    auto filter = ParseFilter(text);
    EXPECT_TRUE(filter) << text;
    return filter && MatchesFilter(*filter, model);
  };
  EXPECT_TRUE(matches("annotation.username = \"alice\""));
  EXPECT_TRUE(matches("http.status = 200 AND responsetime >= 0.5"));
  EXPECT_FALSE(matches("fault"));
  EXPECT_TRUE(matches("service(\"checkout\")"));
}

TEST(TraceChecksTest, SplitsTopLevelAndTermsOnly) {
  auto terms = SplitTopLevelTerms(*ParseFilter("ok AND (fault OR error) AND annotation.a = 1"));
  ASSERT_EQ(terms.size(), 3u);
  EXPECT_EQ(terms[0].text, "ok");
  EXPECT_EQ(terms[1].text, "fault OR error");
  EXPECT_EQ(terms[2].text, "annotation.a = 1");
  auto single = SplitTopLevelTerms(*ParseFilter("fault OR error"));
  ASSERT_EQ(single.size(), 1u);
  EXPECT_EQ(single[0].text, "fault OR error");
  EXPECT_TRUE(SplitTopLevelTerms(FilterExpr{}).empty());
}

}  // namespace
}  // namespace xrayd::query
