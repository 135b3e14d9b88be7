// Table-driven tests for the X-Ray filter parser: every example of
// docs/filter-language.md#examples, lexer edge cases, precedence, scopes, limits and print ->
// reparse round trips.
#include "query/filter_parser.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "query/filter_lexer.h"
#include "query/filter_printer.h"

namespace xrayd::query {
namespace {

// Parses, and on success checks that the canonical text reparses to an equal tree.
std::string DumpOrError(std::string_view text) {
  Result<FilterExpr> expr = ParseFilter(text);
  if (!expr) {
    EXPECT_EQ(expr.error().code, ErrorCode::kInvalidArgument) << text;
    return "ERR " + expr.error().message;
  }
  const std::string printed = PrintFilter(*expr);
  Result<FilterExpr> again = ParseFilter(printed, ParseOptions{.max_length = 0});
  EXPECT_TRUE(again.has_value()) << text << " printed as " << printed;
  if (again) {
    EXPECT_TRUE(*again == *expr) << text << " printed as " << printed;
    EXPECT_EQ(PrintFilter(*again), printed);
  }
  return DumpFilter(*expr);
}

std::string ErrorOf(std::string_view text) {
  Result<FilterExpr> expr = ParseFilter(text);
  if (expr) {
    ADD_FAILURE() << "expected an error for: " << text << " got " << DumpFilter(*expr);
    return "";
  }
  EXPECT_EQ(expr.error().code, ErrorCode::kInvalidArgument);
  return expr.error().message;
}

struct SpecExample {
  int number;  // Row of docs/filter-language.md#examples.
  const char* text;
  bool accepted;
  const char* expected;  // Accepted: DumpFilter of the tree. Rejected: text the message must name.
};

// docs/filter-language.md#examples, all 61 rows. #52 is the empty filter. #60 (unknown group)
// parses: the group check needs the store and runs after parsing, on CollectGroupRefs (see
// SpecExample60 below).
const SpecExample kSpecExamples[] = {
    {1, R"f(responsetime > 5)f", true, R"f([responsetime > 5])f"},
    {2, R"f(duration >= 5 AND duration <= 8)f", true, R"f((and [duration >= 5] [duration <= 8]))f"},
    {3, R"f(http.status = 500)f", true, R"f([http.status = 500])f"},
    {4, R"f(http.status != 200)f", true, R"f([http.status != 200])f"},
    {5, R"f(http.status >= 500 AND http.status < 600)f", true,
     R"f((and [http.status >= 500] [http.status < 600]))f"},
    {6, R"f(ok)f", true, R"f([ok])f"},
    {7, R"f(!ok)f", true, R"f((not [ok]))f"},
    {8, R"f(ok = false)f", true, R"f([ok = false])f"},
    {9, R"f(fault = true)f", true, R"f([fault = true])f"},
    {10, R"f(error)f", true, R"f([error])f"},
    {11, R"f(throttle)f", true, R"f([throttle])f"},
    {12, R"f(partial)f", true, R"f([partial])f"},
    {13, R"f(inferred)f", true, R"f([inferred])f"},
    {14, R"f(ok !partial duration <3)f", true, R"f((and [ok] (not [partial]) [duration < 3]))f"},
    {15, R"f(http.url CONTAINS "/api/game/")f", true, R"f([http.url CONTAINS "/api/game/"])f"},
    {16,
     R"f(http.url BEGINSWITH "http://api.example.com/" AND http.url CONTAINS "/v2/" AND !service("api.example.com"))f",
     true,
     R"f((and [http.url BEGINSWITH "http://api.example.com/"] [http.url CONTAINS "/v2/"] (not (service "api.example.com"))))f"},
    {17, R"f(http.method = "POST")f", true, R"f([http.method = "POST"])f"},
    {18, R"f(http.useragent ENDSWITH "Firefox/45.0")f", true,
     R"f([http.useragent ENDSWITH "Firefox/45.0"])f"},
    {19, R"f(http.clientip = "78.255.233.48")f", true, R"f([http.clientip = "78.255.233.48"])f"},
    {20, R"f(user CONTAINS "")f", true, R"f([user CONTAINS ""])f"},
    {21, R"f(user = "alice")f", true, R"f([user = "alice"])f"},
    {22, R"f(http.url AND responseTime > 2)f", true, R"f((and [http.url] [responsetime > 2]))f"},
    {23, R"f(annotation.gameid = "817DL6VO")f", true, R"f([annotation.gameid = "817DL6VO"])f"},
    {24, R"f(annotation.age)f", true, R"f([annotation.age])f"},
    {25, R"f(!annotation.age)f", true, R"f((not [annotation.age]))f"},
    {26, R"f(annotation.age > 29)f", true, R"f([annotation.age > 29])f"},
    {27, R"f(annotation.internal = false)f", true, R"f([annotation.internal = false])f"},
    {28,
     R"f(Annotation.username CONTAINS "" AND Annotation.username != "anonymous" AND responsetime > 3)f",
     true,
     R"f((and [annotation.username CONTAINS ""] [annotation.username != "anonymous"] [responsetime > 3]))f"},
    {29, R"f(service("api.example.com") { fault })f", true,
     R"f((service "api.example.com" [fault]))f"},
    {30, R"f(service() { fault })f", true, R"f((service [fault]))f"},
    {31, R"f(service("api"))f", true, R"f((service "api"))f"},
    {32, R"f(service("data-plane") {root = true and fault = true})f", true,
     R"f((service "data-plane" (and [root = true] [fault = true])))f"},
    {33, R"f(service("example.com") {fault OR error})f", true,
     R"f((service "example.com" (or [fault] [error])))f"},
    {34, R"f(edge("api.example.com", "backend.example.com") { error })f", true,
     R"f((edge "api.example.com" "backend.example.com" [error]))f"},
    {35, R"f(edge("a", "b") { responsetime > 1 })f", true,
     R"f((edge "a" "b" [responsetime > 1]))f"},
    {36, R"f(edge("a","b"))f", true, R"f((edge "a" "b"))f"},
    {37, R"f(service(id(name: "random-name", type: "AWS::Lambda::Function")) { error })f", true,
     R"f((service id(name: "random-name", type: "AWS::Lambda::Function") [error]))f"},
    {38, R"f(service(id(type: "AWS::Lambda::Function")) { error })f", true,
     R"f((service id(type: "AWS::Lambda::Function") [error]))f"},
    {39, R"f(service(id(account.id: "123456789012")))f", true,
     R"f((service id(account.id: "123456789012")))f"},
    {40, R"f(id(name: "x", type: "AWS::Lambda::Function"))f", true,
     R"f((id(name: "x", type: "AWS::Lambda::Function")))f"},
    {41, R"f(group.name = "high_response_time" AND user = "alice")f", true,
     R"f((and (group.name "high_response_time") [user = "alice"]))f"},
    {42, R"f(fault = true AND http.url CONTAINS "example/game" AND responsetime >= 5)f", true,
     R"f((and [fault = true] [http.url CONTAINS "example/game"] [responsetime >= 5]))f"},
    {43, R"f((http.status = 500 OR http.status = 502) AND !service("legacy"))f", true,
     R"f((and (or [http.status = 500] [http.status = 502]) (not (service "legacy"))))f"},
    {44, R"f(fault OR error AND throttle)f", true, R"f((or [fault] (and [error] [throttle])))f"},
    {45, R"f(rootcause.fault.service { name = "Auth" })f", true,
     R"f((rootcause.fault.service [name = "Auth"]))f"},
    {46, R"f(rootcause.responsetime.service { last and type = "AWS::DynamoDB" })f", true,
     R"f((rootcause.responsetime.service (and [last] [type = "AWS::DynamoDB"])))f"},
    {47, R"f(rootcause.fault.entity { last and name = "deserialize" })f", true,
     R"f((rootcause.fault.entity (and [last] [name = "deserialize"])))f"},
    {48, R"f(rootcause.responsetime.entity { remote and coverage > 0.7 and name = "traces" })f",
     true,
     R"f((rootcause.responsetime.entity (and [remote] [coverage > 0.7] [name = "traces"])))f"},
    {49, R"f(rootcause.fault.service { index > 5 })f", true,
     R"f((rootcause.fault.service [index > 5]))f"},
    {50,
     R"f(rootcause.fault.exception { last and message = "Access Denied for account_id: 1234567890" })f",
     true,
     R"f((rootcause.fault.exception (and [last] [message = "Access Denied for account_id: 1234567890"])))f"},
    {51,
     R"f(rootcause.json = #[{ "Services": [ { "Name": "GetWeatherData", "EntityPath": [{ "Name": "GetWeatherData" }, { "Name": "get_temperature" } ] } ] }])f",
     true,
     R"f((rootcause.json [{"Services":[{"EntityPath":[{"Name":"GetWeatherData"},{"Name":"get_temperature"}],"Name":"GetWeatherData"}]}]))f"},
    {52, R"f()f", true, R"f((all))f"},
    {53, R"f(responsetime CONTAINS "5")f", false, R"f('CONTAINS')f"},
    {54, R"f(http.url > 3)f", false, R"f('>')f"},
    {55, R"f(service("a") { annotation.x = 1 })f", false, R"f('annotation.x')f"},
    {56, R"f(user = alice)f", false, R"f('alice')f"},
    {57, R"f(responsetime > 5 OR)f", false, R"f('OR')f"},
    {58, R"f(http.status IN (500, 502))f", false, R"f('IN')f"},
    {59, R"f(name = "x")f", false, R"f('name')f"},
    {60, R"f(group.name = "no-such-group")f", true, R"f((group.name "no-such-group"))f"},
    {61, R"f(rootcause.responsetime.exception)f", false, R"f('rootcause.responsetime.exception')f"},
};

TEST(FilterParserTest, SpecExamples) {
  ASSERT_EQ(std::size(kSpecExamples), 61u);
  for (const SpecExample& example : kSpecExamples) {
    SCOPED_TRACE("reference example #" + std::to_string(example.number) + ": " + example.text);
    if (example.accepted) {
      EXPECT_EQ(DumpOrError(example.text), example.expected);
    } else {
      const std::string message = ErrorOf(example.text);
      EXPECT_NE(message.find(example.expected), std::string::npos) << message;
      EXPECT_NE(message.find("column"), std::string::npos) << message;
    }
  }
}

TEST(FilterParserTest, SpecExampleMessagesReadWell) {
  EXPECT_EQ(ErrorOf("user = alice"),
            "expected a quoted string after '=' at column 6, found 'alice' at column 8");
  EXPECT_EQ(ErrorOf("responsetime > 5 OR"), "unexpected end of expression after 'OR' at column 18");
  EXPECT_EQ(ErrorOf("http.status IN (500, 502)"),
            "'IN' is not part of the X-Ray filter language (column 13); use OR of comparisons");
  EXPECT_EQ(ErrorOf(R"(responsetime CONTAINS "5")"),
            "'CONTAINS' cannot be used with 'responsetime', which is a number (column 14); use =, "
            "!=, <, <=, > or >=");
  EXPECT_NE(ErrorOf(R"(service("a") { annotation.x = 1 })").find("inside a service() block"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"(name = "x")").find("'name' cannot be used at the top level (column 1)"),
            std::string::npos);
}

TEST(FilterParserTest, SpecExample60ExposesGroupNamesForALaterCheck) {
  Result<FilterExpr> expr =
      ParseFilter(R"(group.name = "no-such-group" OR !(ok AND group.arn = "arn:x"))");
  ASSERT_TRUE(expr.has_value());
  std::vector<const Node*> groups = CollectGroupRefs(*expr);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(std::get<GroupRef>(groups[0]->kind).value, "no-such-group");
  EXPECT_EQ(std::get<GroupRef>(groups[0]->kind).by, GroupRef::By::kName);
  EXPECT_EQ(groups[0]->column, 1);
  EXPECT_EQ(std::get<GroupRef>(groups[1]->kind).value, "arn:x");
  EXPECT_EQ(std::get<GroupRef>(groups[1]->kind).by, GroupRef::By::kArn);
  EXPECT_EQ(groups[1]->column, 42);
}

TEST(FilterParserTest, EmptyAndBlankFiltersMatchAll) {
  for (const char* text : {"", " ", "\t\r\n "}) {
    Result<FilterExpr> expr = ParseFilter(text);
    ASSERT_TRUE(expr.has_value());
    EXPECT_EQ(expr->root, nullptr);
    EXPECT_EQ(PrintFilter(*expr), "");
  }
}

TEST(FilterParserTest, Precedence) {
  EXPECT_EQ(DumpOrError("fault OR error AND throttle"), "(or [fault] (and [error] [throttle]))");
  EXPECT_EQ(DumpOrError("fault AND error OR throttle"), "(or (and [fault] [error]) [throttle])");
  EXPECT_EQ(DumpOrError("!ok AND fault"), "(and (not [ok]) [fault])");
  EXPECT_EQ(DumpOrError("!(ok AND fault)"), "(not (and [ok] [fault]))");
  EXPECT_EQ(DumpOrError("!ok = false"), "(not [ok = false])");
  EXPECT_EQ(DumpOrError("!!ok"), "(not (not [ok]))");
  EXPECT_EQ(DumpOrError(R"(!service("x") { fault })"), R"((not (service "x" [fault])))");
  EXPECT_EQ(DumpOrError("ok OR fault OR error"), "(or [ok] [fault] [error])");
  EXPECT_EQ(DumpOrError("(ok OR fault) OR error"), "(or (or [ok] [fault]) [error])");
  EXPECT_EQ(DumpOrError("ok AND (fault AND error)"), "(and [ok] (and [fault] [error]))");
  EXPECT_EQ(DumpOrError("((ok))"), "[ok]");
}

TEST(FilterParserTest, ImplicitAnd) {
  EXPECT_EQ(DumpOrError("ok !partial duration <3"), "(and [ok] (not [partial]) [duration < 3])");
  EXPECT_EQ(DumpOrError("ok fault OR error throttle"),
            "(or (and [ok] [fault]) (and [error] [throttle]))");
  EXPECT_EQ(DumpOrError(R"(service("a") annotation.x (ok))"),
            R"((and (service "a") [annotation.x] [ok]))");
  EXPECT_EQ(DumpOrError("ok AND !partial"), DumpOrError("ok !partial"));
}

TEST(FilterParserTest, KeywordsAreCaseInsensitiveKeysAndStringsAreNot) {
  EXPECT_EQ(DumpOrError("RESPONSETIME > 5 Or ErRoR aNd True = OK"),
            "ERR expected a keyword, function, '!' or '(' after 'aNd' at column 27, found 'True' "
            "at column 31");
  EXPECT_EQ(DumpOrError("RESPONSETIME > 5 Or ErRoR aNd OK = True"),
            "(or [responsetime > 5] (and [error] [ok = true]))");
  EXPECT_EQ(DumpOrError(R"(HTTP.URL contains "A" and User EndsWith "B")"),
            R"((and [http.url CONTAINS "A"] [user ENDSWITH "B"]))");
  EXPECT_EQ(DumpOrError(R"(Annotation.UserName = "Bob")"), R"([annotation.UserName = "Bob"])");
  EXPECT_EQ(DumpOrError(R"(SERVICE(ID(NAME: "Api", Account.Id: "1")) { Root })"),
            R"((service id(name: "Api", account.id: "1") [root]))");
  EXPECT_EQ(DumpOrError("RootCause.Fault.Service"), "(rootcause.fault.service)");
  EXPECT_EQ(DumpOrError(R"(Group.Name = "G")"), R"((group.name "G"))");
}

TEST(FilterParserTest, StringEscapes) {
  auto value = [](std::string_view text) {
    Result<FilterExpr> expr = ParseFilter(text);
    EXPECT_TRUE(expr.has_value()) << text;
    return expr ? std::get<std::string>(std::get<Comparison>(expr->root->kind).value) : "";
  };
  EXPECT_EQ(value(R"(user = "a\"b")"), "a\"b");
  EXPECT_EQ(value(R"(user = "a\\b")"), "a\\b");
  EXPECT_EQ(value(R"(user = "a\b")"), "a\\b");  // Unknown escape: both characters kept.
  EXPECT_EQ(value(R"(user = "a\nb")"), "a\\nb");
  EXPECT_EQ(value(R"(user = "\\")"), "\\");
  EXPECT_EQ(value(R"(user = "")"), "");
  EXPECT_EQ(value(R"(user = "it's OR AND ( { #[")"), "it's OR AND ( { #[");
  EXPECT_EQ(value("user = \"h\xC3\xA9llo\""), "h\xC3\xA9llo");
  EXPECT_NE(ErrorOf(R"(user = "a\")").find("unterminated string starting at column 8"),
            std::string::npos);
  EXPECT_NE(ErrorOf("user = 'alice'").find("single quotes"), std::string::npos);
}

TEST(FilterParserTest, Numbers) {
  auto number = [](std::string_view text) {
    Result<FilterExpr> expr = ParseFilter(text);
    EXPECT_TRUE(expr.has_value()) << text;
    return expr ? std::get<double>(std::get<Comparison>(expr->root->kind).value) : -1.0;
  };
  EXPECT_EQ(number("duration < 3"), 3.0);
  EXPECT_EQ(number("duration < 0.5"), 0.5);
  EXPECT_EQ(number("duration < .5"), 0.5);
  EXPECT_EQ(number("duration < -.5"), -0.5);
  EXPECT_EQ(number("duration < -2"), -2.0);
  EXPECT_EQ(number("duration < 1e3"), 1000.0);
  EXPECT_EQ(number("duration < 1.5E-2"), 0.015);
  EXPECT_EQ(number("duration < 2e+1"), 20.0);
  EXPECT_EQ(number("duration<3"), 3.0);
  EXPECT_NE(ErrorOf("duration < 5s").find("malformed number '5s' at column 12"), std::string::npos);
  EXPECT_NE(ErrorOf("duration < 1.").find("malformed number '1.'"), std::string::npos);
  EXPECT_NE(ErrorOf("duration < 1e").find("malformed number '1e'"), std::string::npos);
  EXPECT_NE(ErrorOf("duration < 1.2.3").find("malformed number"), std::string::npos);
  EXPECT_NE(ErrorOf("duration < 1e999").find("out of range"), std::string::npos);
  EXPECT_NE(ErrorOf("duration < - 1").find("unexpected character '-' at column 12"),
            std::string::npos);
  EXPECT_NE(ErrorOf("duration < +1").find("'+'"), std::string::npos);
}

TEST(FilterLexerTest, ColumnsAreOneBasedBytes) {
  Result<std::vector<Token>> tokens = LexFilter(R"(  http.status>=500 AND("x"))");
  ASSERT_TRUE(tokens.has_value());
  std::vector<int> columns;
  std::vector<TokenKind> kinds;
  for (const Token& token : *tokens) {
    columns.push_back(token.column);
    kinds.push_back(token.kind);
  }
  EXPECT_EQ(columns, (std::vector<int>{3, 14, 16, 20, 23, 24, 27, 28}));
  EXPECT_EQ(kinds,
            (std::vector<TokenKind>{TokenKind::kWord, TokenKind::kCompareOp, TokenKind::kNumber,
                                    TokenKind::kAnd, TokenKind::kLParen, TokenKind::kString,
                                    TokenKind::kRParen, TokenKind::kEnd}));
  EXPECT_EQ((*tokens)[0].value, "http.status");
  EXPECT_EQ((*tokens)[1].op, CompareOp::kGe);
}

TEST(FilterLexerTest, DottedKeywordsAreSingleTokens) {
  Result<std::vector<Token>> tokens = LexFilter("rootcause.fault.service Annotation.Key_1 a.b");
  ASSERT_TRUE(tokens.has_value());
  ASSERT_EQ(tokens->size(), 4u);
  EXPECT_EQ((*tokens)[0].value, "rootcause.fault.service");
  EXPECT_EQ((*tokens)[1].kind, TokenKind::kAnnotation);
  EXPECT_EQ((*tokens)[1].value, "Key_1");
  EXPECT_EQ((*tokens)[2].value, "a.b");
}

TEST(FilterLexerTest, OperatorsNeedNoSpaces) {
  EXPECT_EQ(DumpOrError("duration<=3"), "[duration <= 3]");
  EXPECT_EQ(DumpOrError("http.status!=200"), "[http.status != 200]");
  EXPECT_EQ(DumpOrError("!ok"), "(not [ok])");
  EXPECT_EQ(DumpOrError(R"(service("a"){fault})"), R"((service "a" [fault]))");
  EXPECT_EQ(DumpOrError("ok\tAND\nfault\r\n"), "(and [ok] [fault])");
}

TEST(FilterLexerTest, RejectsConstructsOutsideTheLanguage) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"ok && fault", "'&&' is not part of the X-Ray filter language (column 4); use AND"},
      {"ok || fault", "'||' is not part of the X-Ray filter language (column 4); use OR"},
      {"ok & fault", "unexpected character '&' at column 4"},
      {"http.status IN (500)", "'IN' is not part of the X-Ray filter language (column 13)"},
      {"http.status in (500)", "'in' is not part of the X-Ray filter language (column 13)"},
      {R"(http.url LIKE "%a")", "'LIKE' is not part of the X-Ray filter language (column 10)"},
      {"NOT ok", "'NOT' is not part of the X-Ray filter language (column 1); use '!'"},
      {"annotation[x] = 1", "'annotation[...]' is not part of the X-Ray filter language"},
      {"annotation.x [0] = 1", "'annotation[...]' is not part of the X-Ray filter language"},
      {R"(http.url = /a.*/)", "unexpected character '/' at column 12"},
      {"ok $ fault", "unexpected character '$' at column 4"},
      {"ok = #[1]", "'#[' at column 6 may only follow 'rootcause.json ='"},
      {"rootcause.json = #{}", "a JSON literal starts with '#['"},
      {"annotation. = 1", "expected annotation.KEY"},
      {"annotation.a.b = 1", "found 'annotation.a.b' at column 1"},
      {"user = 'a'", "single quotes do not delimit strings (column 8)"},
  };
  for (const Case& c : cases) {
    const std::string message = ErrorOf(c.text);
    EXPECT_NE(message.find(c.message), std::string::npos) << c.text << " -> " << message;
  }
}

TEST(FilterParserTest, NotIsASynonymOfBangOnlyWhenAllowed) {
  ParseOptions options;
  options.allow_not = true;
  Result<FilterExpr> expr = ParseFilter("NOT ok AND not fault", options);
  ASSERT_TRUE(expr.has_value());
  EXPECT_EQ(DumpFilter(*expr), "(and (not [ok]) (not [fault]))");
  EXPECT_EQ(PrintFilter(*expr), "!ok AND !fault");
}

TEST(FilterParserTest, GrammarErrorsNameTheTokenAndColumn) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"ok AND", "unexpected end of expression after 'AND' at column 4"},
      {"!", "unexpected end of expression after '!' at column 1"},
      {"(ok", "expected ')' to close '(' at column 1 after 'ok' at column 2, found the end"},
      {"ok)", "unmatched ')' at column 3"},
      {"OR ok", "found 'OR' at column 1"},
      {"ok OR OR fault", "found 'OR' at column 7"},
      {R"(user = "a" "b")", "unexpected '\"b\"' at column 12; expected AND, OR or the end"},
      {R"("x")", "found '\"x\"' at column 1"},
      {"5 < duration", "found '5' at column 1"},
      {R"(foo = "x")", "unknown keyword 'foo' at column 1"},
      {"user =", "expected a quoted string after '=' at column 6, found the end of the expression"},
      {"user = true", "expected a quoted string after '=' at column 6, found 'true' at column 8"},
      {"duration > \"3\"", "expected a number after '>' at column 10, found '\"3\"'"},
      {"ok = 1", "expected true or false after '=' at column 4, found '1' at column 6"},
      {"ok > true", "'>' cannot be used with 'ok', which is true or false (column 4)"},
      {"http.url > 3", "'>' cannot be used with 'http.url', which is a string (column 10)"},
      {R"(user BEGINSWITH 3)", "expected a quoted string after 'BEGINSWITH' at column 6"},
      {R"(annotation.a > "x")", "expected a number after '>' at column 14"},
      {"annotation.a CONTAINS 3", "expected a quoted string after 'CONTAINS' at column 14"},
      {"annotation.a ENDSWITH true", "expected a quoted string after 'ENDSWITH'"},
      {"annotation.a = b", "expected a quoted string, a number, true or false after '='"},
      {"service", "expected '(' after 'service' at column 1, found the end"},
      {"service(", "expected a quoted service name or id(...) after '(' at column 8"},
      {R"(service("a")", "expected ')' after '\"a\"' at column 9"},
      {"service(a)", "expected a quoted service name or id(...) after '(' at column 8, found 'a'"},
      {R"(service("a") {})", "after '{' at column 14, found '}' at column 15"},
      {R"(service("a") { ok)", "expected '}' to close '{' at column 14"},
      {R"(edge("a"))", "expected ',' after '\"a\"' at column 6, found ')' at column 9"},
      {R"(edge("a", "b", "c"))", "expected ')' after '\"b\"' at column 11"},
      {"id()", "expected name:, type: or account.id: after '(' at column 3"},
      {R"(id(name "a"))", "expected ':' after 'name' at column 4"},
      {R"(id(name: a))", "expected a quoted string after ':' at column 8, found 'a'"},
      {R"(id(name: "a", name: "b"))", "'name' is given twice in id(...) (column 15)"},
      {R"(id(nme: "a"))", "expected name:, type: or account.id: after '(' at column 3"},
      {R"(id(name: "a") { fault })", "unexpected '{' at column 15"},
      {"group.name", "expected '=' after 'group.name' at column 1"},
      {R"(group.name != "g")", "only '=' can be used with 'group.name', found '!=' at column 12"},
      {"group.arn = 1", "expected a quoted group ARN after '=' at column 11"},
      {"rootcause.json", "expected '= #[...]' after 'rootcause.json' at column 1"},
      {R"(rootcause.json = "x")", "expected a '#[...]' JSON array after '=' at column 16"},
      {"rootcause.json = #[1]", "element 1 of the rootcause.json literal at column 18"},
      {"rootcause.json = #[{]}", "literal at column 18 is not a valid JSON array"},
      {R"(rootcause.json = #[{"a": 1})", "unterminated JSON literal starting at column 18"},
      {"rootcause.x.service", "unknown keyword 'rootcause.x.service' at column 1"},
      {"rootcause.fault", "unknown keyword 'rootcause.fault' at column 1"},
      {"rootcause.responsetime.exception { name = \"x\" }",
       "'rootcause.responsetime.exception' (column 1) is not valid"},
  };
  for (const Case& c : cases) {
    const std::string message = ErrorOf(c.text);
    EXPECT_NE(message.find(c.message), std::string::npos) << c.text << " -> " << message;
  }
}

TEST(FilterParserTest, ScopedKeywordsOnlyInTheirBlocks) {
  // Accepted, one per scope.
  EXPECT_EQ(DumpOrError(R"(service("a") { root AND name = "a" AND type = "T" AND user = "u" })"),
            R"((service "a" (and [root] [name = "a"] [type = "T"] [user = "u"])))");
  EXPECT_EQ(DumpOrError(R"(edge("a", "b") { ok OR http.status = 500 OR responsetime > 1 })"),
            R"((edge "a" "b" (or [ok] [http.status = 500] [responsetime > 1])))");
  EXPECT_EQ(DumpOrError(R"(rootcause.error.service { account.id = "1" inferred first })"),
            R"((rootcause.error.service (and [account.id = "1"] [inferred] [first])))");
  EXPECT_EQ(DumpOrError("rootcause.responsetime.entity { !remote OR coverage >= 0.5 }"),
            "(rootcause.responsetime.entity (or (not [remote]) [coverage >= 0.5]))");
  EXPECT_EQ(DumpOrError(R"(rootcause.error.exception { index = 0 AND message CONTAINS "x" })"),
            R"((rootcause.error.exception (and [index = 0] [message CONTAINS "x"])))");
  // Rejected.
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"root",
       "'root' cannot be used at the top level (column 1); it is only valid inside "
       "service() blocks"},
      {R"(type = "x")", "'type' cannot be used at the top level"},
      {"index > 1", "'index' cannot be used at the top level"},
      {"coverage > 1", "'coverage' cannot be used at the top level"},
      {R"(account.id = "1")", "'account.id' cannot be used at the top level"},
      {R"(edge("a", "b") { name = "x" })", "'name' cannot be used inside an edge() block"},
      {R"(edge("a", "b") { user = "x" })", "'user' cannot be used inside an edge() block"},
      {R"(edge("a", "b") { annotation.k })", "'annotation.k' cannot be used inside an edge()"},
      {R"(service("a") { annotation.k })", "'annotation.k' cannot be used inside a service()"},
      {R"(service("a") { message = "x" })", "'message' cannot be used inside a service() block"},
      {R"(service("a") { (ok OR !index) })", "'index' cannot be used inside a service() block"},
      {"rootcause.fault.service { fault }",
       "'fault' cannot be used inside a rootcause.*.service block"},
      {"rootcause.fault.entity { type = \"x\" }",
       "'type' cannot be used inside a rootcause.*.entity block"},
      {"rootcause.fault.entity { coverage > 1 }",
       "'coverage' (column 26) is only valid inside rootcause.responsetime.entity blocks"},
      {"rootcause.fault.exception { remote }",
       "'remote' cannot be used inside a rootcause.*.exception block"},
      {R"(service("a") { service("b") })", "'service' cannot be used inside a service() block"},
      {R"(service("a") { edge("a", "b") })", "'edge' cannot be used inside a service() block"},
      {R"(service("a") { id(name: "b") })", "'id' cannot be used inside a service() block"},
      {R"(edge("a", "b") { group.name = "g" })", "'group.name' cannot be used inside an edge()"},
      {"rootcause.fault.service { rootcause.error.service }",
       "'rootcause.error.service' cannot be used inside a rootcause.*.service block"},
  };
  for (const Case& c : cases) {
    const std::string message = ErrorOf(c.text);
    EXPECT_NE(message.find(c.message), std::string::npos) << c.text << " -> " << message;
  }
}

TEST(FilterParserTest, AnnotationLiteralsFollowTheOperator) {
  EXPECT_EQ(DumpOrError("annotation.a = 1"), "[annotation.a = 1]");
  EXPECT_EQ(DumpOrError("annotation.a != true"), "[annotation.a != true]");
  EXPECT_EQ(DumpOrError(R"(annotation.a = "s")"), R"([annotation.a = "s"])");
  EXPECT_EQ(DumpOrError("annotation.a <= -1.25"), "[annotation.a <= -1.25]");
  EXPECT_EQ(DumpOrError(R"(annotation.a BEGINSWITH "s")"), R"([annotation.a BEGINSWITH "s"])");
  EXPECT_EQ(DumpOrError("annotation.9_a_B"), "[annotation.9_a_B]");
}

TEST(FilterParserTest, RootCauseJsonKeepsTheArray) {
  Result<FilterExpr> expr = ParseFilter(R"(rootcause.json = #[{"Services": [{"Name": "a]}"}]}])");
  ASSERT_TRUE(expr.has_value());
  const auto& json = std::get<RootCauseJson>(expr->root->kind).value;
  ASSERT_TRUE(json.is_array());
  EXPECT_EQ(json[0]["Services"][0]["Name"], "a]}");
  EXPECT_EQ(DumpOrError(R"(rootcause.json = #[] AND ok)"), "(and (rootcause.json []) [ok])");
  EXPECT_NE(ErrorOf("rootcause.json = #" + std::string(kMaxFilterDepth + 1, '[') +
                    std::string(kMaxFilterDepth + 1, ']'))
                .find("nests deeper than 64 levels"),
            std::string::npos);
}

TEST(FilterParserTest, NodesKeepTheColumnOfTheirFirstToken) {
  Result<FilterExpr> expr = ParseFilter(R"(  ok OR (fault  !service("a") { error }))");
  ASSERT_TRUE(expr.has_value());
  const Node& root = *expr->root;
  EXPECT_EQ(root.column, 3);
  const auto& children = std::get<Or>(root.kind).children;
  EXPECT_EQ(children[0]->column, 3);
  EXPECT_EQ(children[1]->column, 10);  // The AND starts at 'fault', not at '('.
  const auto& conj = std::get<And>(children[1]->kind).children;
  EXPECT_EQ(conj[1]->column, 17);  // '!'
  const Node& service = *std::get<Not>(conj[1]->kind).child;
  EXPECT_EQ(service.column, 18);
  EXPECT_EQ(std::get<ServiceFn>(service.kind).block->column, 33);
}

TEST(FilterParserTest, LengthLimitCountsCharacters) {
  std::string ok_filter = "user = \"" + std::string(kMaxFilterLength - 9, 'a') + "\"";
  ASSERT_EQ(ok_filter.size(), kMaxFilterLength);
  EXPECT_TRUE(ParseFilter(ok_filter).has_value());
  EXPECT_EQ(ErrorOf(ok_filter + " "),
            "filter expression is 2001 characters long; the maximum is 2000");
  // Two-byte UTF-8 characters count once.
  std::string accents;
  for (std::size_t i = 0; i < kMaxFilterLength - 9; ++i) {
    accents += "\xC3\xA9";
  }
  EXPECT_TRUE(ParseFilter("user = \"" + accents + "\"").has_value());
  EXPECT_TRUE(ParseFilter(ok_filter + " ", ParseOptions{.max_length = 0}).has_value());
}

TEST(FilterParserTest, DepthLimitRejectsDeepNestingWithoutCrashing) {
  auto nested = [](int depth) {
    return std::string(depth - 1, '(') + "ok" + std::string(depth - 1, ')');
  };
  EXPECT_TRUE(ParseFilter(nested(kMaxFilterDepth)).has_value());
  EXPECT_NE(ErrorOf(nested(kMaxFilterDepth + 1)).find("nests deeper than 64 levels"),
            std::string::npos);
  EXPECT_TRUE(ParseFilter(std::string(kMaxFilterDepth - 1, '!') + "ok").has_value());
  EXPECT_NE(ErrorOf(std::string(kMaxFilterDepth, '!') + "ok").find("nests deeper"),
            std::string::npos);
  // Far beyond the limit, and far beyond the length limit when length is unlimited.
  ParseOptions unlimited;
  unlimited.max_length = 0;
  EXPECT_FALSE(ParseFilter(std::string(100000, '('), unlimited).has_value());
  EXPECT_FALSE(ParseFilter(std::string(100000, '!') + "ok", unlimited).has_value());
  EXPECT_FALSE(ParseFilter(nested(1000)).has_value());
}

TEST(FilterParserTest, LongFlatChainsAreNotNesting) {
  std::string chain = "ok";
  for (int i = 0; i < 300; ++i) {
    chain += i % 2 == 0 ? " AND fault" : " OR error";
  }
  ParseOptions unlimited;
  unlimited.max_length = 0;
  Result<FilterExpr> expr = ParseFilter(chain, unlimited);
  ASSERT_TRUE(expr.has_value());
  EXPECT_EQ(std::get<Or>(expr->root->kind).children.size(), 151u);
}

TEST(FilterPrinterTest, CanonicalText) {
  auto print = [](std::string_view text) {
    Result<FilterExpr> expr = ParseFilter(text);
    EXPECT_TRUE(expr.has_value()) << text;
    return expr ? PrintFilter(*expr) : "";
  };
  EXPECT_EQ(print("ok !partial duration <3"), "ok AND !partial AND duration < 3");
  EXPECT_EQ(print("responseTime > .5"), "responsetime > 0.5");
  EXPECT_EQ(print("duration > 1.50e1"), "duration > 15");
  EXPECT_EQ(print("(ok OR fault) AND !(error OR throttle)"),
            "(ok OR fault) AND !(error OR throttle)");
  EXPECT_EQ(print("ok OR (fault AND error)"), "ok OR fault AND error");
  EXPECT_EQ(print("(ok AND fault) AND error"), "(ok AND fault) AND error");
  EXPECT_EQ(print(R"(user = "a\"b\c")"), R"(user = "a\"b\\c")");
  EXPECT_EQ(print(R"(service(id(account.id: "1", type: "T", name: "n")))"),
            R"(service(id(name: "n", type: "T", account.id: "1")))");
  EXPECT_EQ(print(R"(edge(id(name:"a"),"b"){fault})"), R"(edge(id(name: "a"), "b") { fault })");
  EXPECT_EQ(print("rootcause.json = #[ { \"a\" : [ 1 , 2.5 ] } ]"),
            R"(rootcause.json = #[{"a":[1,2.5]}])");
}

TEST(FilterPrinterTest, RoundTripsTrickyInputs) {
  const char* inputs[] = {
      R"(user = "\\\"\\")",
      "duration < 1e-300 OR duration > 1.7976931348623157e308",
      "duration = -0",
      "duration = 0.1 OR duration = 0.30000000000000004",
      "!!!(ok OR !(fault AND !error)) throttle",
      R"(rootcause.json = #[{"k": "\"]\\", "n": [[[]]], "u": "\u00e9"}])",
      R"(annotation.A = "x" OR annotation.a = "x")",
  };
  for (const char* input : inputs) {
    SCOPED_TRACE(input);
    EXPECT_EQ(DumpOrError(input).rfind("ERR", 0), std::string::npos);
  }
}

TEST(FilterAstTest, EqualityIgnoresColumnsButNotCase) {
  Result<FilterExpr> a = ParseFilter("ok   AND annotation.K = 1");
  Result<FilterExpr> b = ParseFilter("OK annotation.K=1.0");
  Result<FilterExpr> c = ParseFilter("ok AND annotation.k = 1");
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(*a == *b);
  EXPECT_FALSE(*a == *c);
  EXPECT_FALSE(*a == FilterExpr{});
  EXPECT_TRUE(FilterExpr{} == FilterExpr{});
}

}  // namespace
}  // namespace xrayd::query
