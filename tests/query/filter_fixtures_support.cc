#include "tests/query/filter_fixtures_support.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>

#include "proto/document_decoder.h"

namespace xrayd::testing {
namespace {

constexpr double kEpoch = 1700000000;

std::string TraceId(int number) {
  char text[40];
  std::snprintf(text, sizeof(text), "1-6553f100-%024d", number);
  return text;
}

double Base(int number) {
  return kEpoch + 1000.0 * number;
}

// Expands the fixture shorthand in `text`: `@trace` is the trace id, `@<seconds>` (e.g. @1.25) is
// the trace's base time plus that many seconds, written with millisecond precision.
std::string Expand(int number, std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '@') {
      out += text[i];
      continue;
    }
    if (text.substr(i + 1, 5) == "trace") {
      out += TraceId(number);
      i += 5;
      continue;
    }
    std::size_t end = i + 1;
    while (end < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) {
      ++end;
    }
    const double offset =
        std::strtod(std::string(text.substr(i + 1, end - i - 1)).c_str(), nullptr);
    char value[40];
    std::snprintf(value, sizeof(value), "%.3f", Base(number) + offset);
    out += value;
    i = end - 1;
  }
  return out;
}

FixtureTrace Trace(int number, std::string description,
                   const std::vector<std::string_view>& documents,
                   std::vector<std::string> groups = {}) {
  FixtureTrace trace;
  trace.trace_id = TraceId(number);
  trace.description = std::move(description);
  for (std::string_view document : documents) {
    trace.documents.push_back(Expand(number, document));
  }
  trace.groups = std::move(groups);
  return trace;
}

// svc0 -> svc1 -> ... -> svc<n-1> over remote calls, every segment and call faulted, the last
// service failing in its local "write" subsegment: a fault root cause with n services.
std::vector<std::string> FaultChain(int number, int services) {
  std::vector<std::string> documents;
  for (int k = 0; k < services; ++k) {
    char text[1024];
    const double start = 0.1 * k;
    const double end = 3 - 0.1 * k;
    std::string parent;
    if (k > 0) {
      char p[64];
      std::snprintf(p, sizeof(p), R"("parent_id":"%02db%013d",)", number, k - 1);
      parent = p;
    }
    std::string child;
    if (k + 1 < services) {
      char c[512];
      std::snprintf(c, sizeof(c),
                    R"({"id":"%02db%013d","name":"svc%d","namespace":"remote","start_time":@%.3f,)"
                    R"("end_time":@%.3f,"fault":true,"http":{"request":{"method":"POST",)"
                    R"("url":"http://svc%d.internal/step"},"response":{"status":500}}})",
                    number, k, k + 1, start + 0.05, end - 0.05, k + 1);
      child = c;
    } else {
      char c[256];
      std::snprintf(c, sizeof(c),
                    R"({"id":"%02dc%013d","name":"write","start_time":@%.3f,"end_time":@%.3f,)"
                    R"("fault":true,"cause":{"exceptions":[{"id":"%02dd%013d","type":"IOError",)"
                    R"("message":"volume is read-only"}]}})",
                    number, k, start + 0.1, end - 0.1, number, k);
      child = c;
    }
    std::snprintf(text, sizeof(text),
                  R"({"trace_id":"@trace","id":"%02da%013d",%s"name":"svc%d","start_time":@%.3f,)"
                  R"("end_time":@%.3f,"fault":true,"subsegments":[%s]})",
                  number, k, parent.c_str(), k, start, end, child.c_str());
    documents.push_back(Expand(number, text));
  }
  return documents;
}

std::vector<FixtureTrace> MakeTraces() {
  std::vector<FixtureTrace> t;
  t.push_back(Trace(1, "ok web root with every http field, user, typed annotations, EC2 fields",
                    {R"({"trace_id":"@trace","id":"01a0000000000001","name":"web-frontend",
    "origin":"AWS::EC2::Instance","start_time":@0,"end_time":@1.2,"user":"alice",
    "resource_arn":"arn:aws:ec2:us-east-1:123456789012:instance/i-0a1b2c3d4e5f60001",
    "aws":{"ec2":{"instance_id":"i-0a1b2c3d4e5f60001","availability_zone":"us-east-1a"},
           "xray":{"sdk":"X-Ray for Node.js","sdk_version":"3.5.0"}},
    "http":{"request":{"method":"GET","url":"http://www.example.com/api/game/42",
      "user_agent":"Mozilla/5.0 (Windows NT 6.1; WOW64; rv:45.0) Gecko/20100101 Firefox/45.0",
      "client_ip":"78.255.233.48"},"response":{"status":200,"content_length":512}},
    "annotations":{"gameid":"817DL6VO","age":35,"internal":false},
    "subsegments":[{"id":"01b0000000000001","name":"render","start_time":@0.1,"end_time":@0.9,
      "fault":true}]})"}));
  t.push_back(Trace(2, "fault 500 root, POST, 6 s, local subsegment fault with exception",
                    {R"({"trace_id":"@trace","id":"02a0000000000001","name":"game-api",
    "origin":"AWS::EC2::Instance","start_time":@0,"end_time":@6,"user":"bob","fault":true,
    "aws":{"ec2":{"instance_id":"i-0a1b2c3d4e5f60002","availability_zone":"us-east-1b"}},
    "http":{"request":{"method":"POST","url":"http://www.example.com/example/game/7",
      "user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.11; rv:44.0) Firefox/44.0",
      "client_ip":"10.0.0.7"},"response":{"status":500}},
    "annotations":{"gameid":"817dl6vo","age":"40"},
    "subsegments":[{"id":"02b0000000000001","name":"save-score","start_time":@1,"end_time":@5.5,
      "fault":true,"cause":{"working_directory":"/app","exceptions":[{"id":"02c0000000000001",
      "type":"IOException","message":"disk full"}]}}]})"},
                    {kHighResponseTimeGroup}));
  t.push_back(Trace(3, "502 root (status only), 5 s, lower-case method, remote call to legacy",
                    {R"({"trace_id":"@trace","id":"03a0000000000001","name":"game-api",
    "origin":"AWS::EC2::Instance","start_time":@0,"end_time":@5,
    "http":{"request":{"method":"post","url":"http://www.example.com/example/game/8",
      "user_agent":"curl/8.0.1","client_ip":"78.255.233.49"},"response":{"status":502}},
    "subsegments":[{"id":"03b0000000000001","name":"legacy","namespace":"remote",
      "start_time":@0.5,"end_time":@4.5,"http":{"request":{"method":"GET",
      "url":"http://legacy.internal/scores"},"response":{"status":502}}}]})"}));
  t.push_back(Trace(4, "ok root without http, named data-plane, boolean annotation true",
                    {R"({"trace_id":"@trace","id":"04a0000000000001","name":"data-plane",
    "start_time":@0,"end_time":@0.5,"annotations":{"internal":true}})"}));
  t.push_back(Trace(5, "429 root (error and throttle) of node api, /v2/ URL on api.example.com",
                    {R"({"trace_id":"@trace","id":"05a0000000000001","name":"api",
    "origin":"AWS::ECS::Container","start_time":@0,"end_time":@2.5,
    "http":{"request":{"method":"GET","url":"http://api.example.com/v2/items"},
      "response":{"status":429}},"annotations":{"username":"dave"}})"}));
  t.push_back(Trace(6, "404 root of node api calling the remote api.example.com (404)",
                    {R"({"trace_id":"@trace","id":"06a0000000000001","name":"api",
    "origin":"AWS::ECS::Container","start_time":@0,"end_time":@0.3,
    "http":{"request":{"method":"GET","url":"http://api.example.com/v2/users"},
      "response":{"status":404}},
    "subsegments":[{"id":"06b0000000000001","name":"api.example.com","namespace":"remote",
      "start_time":@0.05,"end_time":@0.25,"http":{"request":{"method":"GET",
      "url":"http://api.example.com/v2/inner","traced":false},"response":{"status":404}}}]})"}));
  t.push_back(Trace(7, "api.example.com faults; its call to backend.example.com got a 409",
                    {R"({"trace_id":"@trace","id":"07a0000000000001","name":"api.example.com",
    "origin":"AWS::EC2::Instance","start_time":@0,"end_time":@1,"fault":true,
    "http":{"request":{"method":"GET","url":"http://api.example.com/v1/orders"},
      "response":{"status":500}},
    "subsegments":[{"id":"07b0000000000001","name":"backend.example.com","namespace":"remote",
      "start_time":@0.1,"end_time":@0.7,"error":true,"http":{"request":{"method":"GET",
      "url":"http://backend.example.com/orders","traced":true},"response":{"status":409}}}]})",
                     R"({"trace_id":"@trace","id":"07c0000000000001","parent_id":"07b0000000000001",
    "name":"backend.example.com","origin":"AWS::EC2::Instance","start_time":@0.15,
    "end_time":@0.65,"http":{"request":{"method":"GET","url":"http://backend.example.com/orders"},
      "response":{"status":200}}})"}));
  t.push_back(Trace(8, "api.example.com ok; its call ok, but backend.example.com's segment errs",
                    {R"({"trace_id":"@trace","id":"08a0000000000001","name":"api.example.com",
    "origin":"AWS::EC2::Instance","start_time":@0,"end_time":@1,
    "http":{"request":{"method":"GET","url":"http://api.example.com/v1/orders"},
      "response":{"status":200}},
    "subsegments":[{"id":"08b0000000000001","name":"backend.example.com","namespace":"remote",
      "start_time":@0.1,"end_time":@0.7,"http":{"request":{"method":"GET",
      "url":"http://backend.example.com/orders","traced":true},"response":{"status":200}}}]})",
                     R"({"trace_id":"@trace","id":"08c0000000000001","parent_id":"08b0000000000001",
    "name":"backend.example.com","origin":"AWS::EC2::Instance","start_time":@0.15,
    "end_time":@0.65,"error":true,"http":{"request":{"method":"GET",
      "url":"http://backend.example.com/orders"},"response":{"status":400}}})"}));
  t.push_back(Trace(9, "ok shop calling the remote example.com (404); age as string and number",
                    {R"({"trace_id":"@trace","id":"09a0000000000001","name":"shop",
    "origin":"AWS::EC2::Instance","start_time":@0,"end_time":@0.8,
    "http":{"request":{"method":"GET","url":"http://shop.example.com/cart"},
      "response":{"status":200}},"annotations":{"age":"45"},
    "subsegments":[{"id":"09b0000000000001","name":"example.com","namespace":"remote",
      "start_time":@0.1,"end_time":@0.4,"annotations":{"age":20},"http":{"request":{
      "method":"GET","url":"https://example.com/rates"},"response":{"status":404}}}]})"}));
  t.push_back(Trace(10, "a calls the remote b for 1.5 s; age 29",
                    {R"({"trace_id":"@trace","id":"10a0000000000001","name":"a","start_time":@0,
    "end_time":@2,"annotations":{"age":29},
    "subsegments":[{"id":"10b0000000000001","name":"b","namespace":"remote","start_time":@0.2,
      "end_time":@1.7,"http":{"request":{"method":"GET","url":"http://b/x"},
      "response":{"status":200}}}]})"}));
  t.push_back(Trace(11, "b calls the remote a for 1.5 s (reverse edge); age false",
                    {R"({"trace_id":"@trace","id":"11a0000000000001","name":"b","start_time":@0,
    "end_time":@2,"annotations":{"age":false},
    "subsegments":[{"id":"11b0000000000001","name":"a","namespace":"remote","start_time":@0.2,
      "end_time":@1.7,"http":{"request":{"method":"GET","url":"http://a/x"},
      "response":{"status":200}}}]})"}));
  t.push_back(Trace(12, "API Gateway (account 123456789012) -> Lambda random-name, function errs",
                    {R"({"trace_id":"@trace","id":"12a0000000000001","name":"orders-gw",
    "origin":"AWS::ApiGateway::Stage","start_time":@0,"end_time":@1,
    "aws":{"account_id":"123456789012"},
    "resource_arn":"arn:aws:apigateway:us-east-1::/restapis/abc123/stages/prod",
    "http":{"request":{"method":"POST","url":"https://orders.example.com/prod/orders"},
      "response":{"status":400}},
    "subsegments":[{"id":"12b0000000000001","name":"Lambda","namespace":"aws","start_time":@0.1,
      "end_time":@0.9,"aws":{"operation":"Invoke","function_name":"random-name",
      "region":"us-east-1"},"http":{"response":{"status":200}}}]})",
                     R"({"trace_id":"@trace","id":"12c0000000000001","parent_id":"12b0000000000001",
    "name":"random-name","origin":"AWS::Lambda","start_time":@0.12,"end_time":@0.88,
    "http":{"response":{"status":200}},"resource_arn":
      "arn:aws:lambda:us-east-1:123456789012:function:random-name"})",
                     R"({"trace_id":"@trace","id":"12d0000000000001","parent_id":"12c0000000000001",
    "name":"random-name","origin":"AWS::Lambda::Function","start_time":@0.2,"end_time":@0.8,
    "error":true,"cause":{"exceptions":[{"id":"12e0000000000001","type":"ValidationError",
      "message":"order id missing"}]}})"}));
  t.push_back(Trace(13, "API Gateway (other account) -> Lambda x: the service node errs",
                    {R"({"trace_id":"@trace","id":"13a0000000000001","name":"Api",
    "origin":"AWS::ApiGateway::Stage","start_time":@0,"end_time":@1,
    "aws":{"account_id":"210987654321"},"annotations":{"internal":"false"},
    "http":{"request":{"method":"POST","url":"https://orders.example.com/prod/orders"},
      "response":{"status":200}},
    "subsegments":[{"id":"13b0000000000001","name":"Lambda","namespace":"aws","start_time":@0.1,
      "end_time":@0.9,"aws":{"operation":"Invoke","function_name":"x"},
      "http":{"response":{"status":200}}}]})",
                     R"({"trace_id":"@trace","id":"13c0000000000001","parent_id":"13b0000000000001",
    "name":"x","origin":"AWS::Lambda","start_time":@0.12,"end_time":@0.88,"error":true})",
                     R"({"trace_id":"@trace","id":"13d0000000000001","parent_id":"13c0000000000001",
    "name":"x","origin":"AWS::Lambda::Function","start_time":@0.2,"end_time":@0.8})"}));
  t.push_back(Trace(14, "API Gateway -> Lambda x whose function segment never arrived",
                    {R"({"trace_id":"@trace","id":"14a0000000000001","name":"orders-gw",
    "origin":"AWS::ApiGateway::Stage","start_time":@0,"end_time":@1,
    "http":{"request":{"method":"POST","url":"https://orders.example.com/prod/orders"},
      "response":{"status":200}},
    "subsegments":[{"id":"14b0000000000001","name":"Lambda","namespace":"aws","start_time":@0.1,
      "end_time":@0.9,"aws":{"operation":"Invoke","function_name":"x"},
      "http":{"response":{"status":200}}}]})",
                     R"({"trace_id":"@trace","id":"14c0000000000001","parent_id":"14b0000000000001",
    "name":"x","origin":"AWS::Lambda","start_time":@0.12,"end_time":@0.88})"}));
  t.push_back(Trace(15, "checkout -> Auth faults in deserialize (Access Denied), 7 s, user alice",
                    {R"({"trace_id":"@trace","id":"15a0000000000001","name":"checkout",
    "origin":"AWS::EC2::Instance","start_time":@0,"end_time":@7,"fault":true,
    "annotations":{"username":"anonymous"},
    "http":{"request":{"method":"POST","url":"https://shop.example.com/checkout"},
      "response":{"status":500}},
    "subsegments":[{"id":"15b0000000000001","name":"Auth","namespace":"remote","start_time":@0.5,
      "end_time":@6.5,"fault":true,"http":{"request":{"method":"POST",
      "url":"https://auth.example.com/token","traced":true},"response":{"status":500}}}]})",
                     R"({"trace_id":"@trace","id":"15c0000000000001","parent_id":"15b0000000000001",
    "name":"Auth","origin":"AWS::ECS::Container","start_time":@0.6,"end_time":@6.4,"fault":true,
    "user":"alice","annotations":{"username":"carol"},
    "subsegments":[{"id":"15d0000000000001","name":"deserialize","start_time":@1,"end_time":@6,
      "fault":true,"cause":{"exceptions":[{"id":"15e0000000000001",
      "type":"AccessDeniedException","message":"Access Denied for account_id: 1234567890"}]}}]})"},
                    {kHighResponseTimeGroup}));
  t.push_back(Trace(16, "checkout -> auth faults in deserialize, then deeper in parse-token",
                    {R"({"trace_id":"@trace","id":"16a0000000000001","name":"checkout",
    "origin":"AWS::EC2::Instance","start_time":@0,"end_time":@3,"fault":true,"user":"Alice",
    "http":{"request":{"method":"POST","url":"https://shop.example.com/checkout"},
      "response":{"status":500}},
    "subsegments":[{"id":"16b0000000000001","name":"auth","namespace":"remote","start_time":@0.2,
      "end_time":@2.8,"fault":true,"http":{"response":{"status":500}}}]})",
                     R"({"trace_id":"@trace","id":"16c0000000000001","parent_id":"16b0000000000001",
    "name":"auth","origin":"AWS::ECS::Container","start_time":@0.3,"end_time":@2.7,"fault":true,
    "subsegments":[{"id":"16d0000000000001","name":"deserialize","start_time":@0.5,
      "end_time":@2.5,"fault":true,"cause":{"exceptions":[{"id":"16e0000000000001",
      "type":"AccessDeniedException","message":"Access Denied for account_id: 1234567890"}]},
      "subsegments":[{"id":"16f0000000000001","name":"parse-token","start_time":@1,
        "end_time":@2,"fault":true,"cause":{"exceptions":[{"id":"16e0000000000002",
        "type":"TokenExpiredException","message":"Token expired"}]}}]}]})"}));
  t.push_back(Trace(17, "ok inventory, 4 s, slow DynamoDB ListTables, no table (AWS::DynamoDB)",
                    {R"({"trace_id":"@trace","id":"17a0000000000001","name":"inventory",
    "origin":"AWS::EC2::Instance","start_time":@0,"end_time":@4,
    "annotations":{"username":"anonymous"},
    "http":{"request":{"method":"GET","url":"https://inventory.example.com/stock"},
      "response":{"status":200}},
    "subsegments":[{"id":"17b0000000000001","name":"DynamoDB","namespace":"aws",
      "start_time":@0.2,"end_time":@3.7,"aws":{"operation":"ListTables","region":"us-east-1",
      "request_id":"ABCDEF0123456789","retries":0},"http":{"response":{"status":200}}}]})"}));
  t.push_back(Trace(18, "ok inventory, 4 s, slow DynamoDB Scan of table stock",
                    {R"({"trace_id":"@trace","id":"18a0000000000001","name":"inventory",
    "origin":"AWS::EC2::Instance","start_time":@0,"end_time":@4,
    "annotations":{"username":"erin"},
    "http":{"request":{"method":"GET","url":"https://inventory.example.com/stock"},
      "response":{"status":200}},
    "subsegments":[{"id":"18b0000000000001","name":"DynamoDB","namespace":"aws",
      "start_time":@0.2,"end_time":@3.7,"aws":{"operation":"Scan","region":"us-east-1",
      "table_name":"stock"},"http":{"response":{"status":200}}}]})"}));
  t.push_back(Trace(19, "query-api whose remote call traces takes 80% of the response time",
                    {R"({"trace_id":"@trace","id":"19a0000000000001","name":"query-api",
    "origin":"AWS::EC2::Instance","start_time":@0,"end_time":@1,"annotations":{"age":30},
    "http":{"request":{"method":"GET","url":"https://query.example.com/search"},
      "response":{"status":200}},
    "subsegments":[{"id":"19b0000000000001","name":"traces","namespace":"remote",
      "start_time":@0.1,"end_time":@0.9,"annotations":{"age":"n/a"},"http":{"request":{
      "method":"GET","url":"https://traces.example.com/q"},"response":{"status":200}}}]})"}));
  t.push_back(Trace(20, "query-api whose remote call traces takes 50% of the response time",
                    {R"({"trace_id":"@trace","id":"20a0000000000001","name":"query-api",
    "origin":"AWS::EC2::Instance","start_time":@0,"end_time":@1,
    "http":{"request":{"method":"GET","url":"https://query.example.com/search"},
      "response":{"status":200}},
    "subsegments":[{"id":"20b0000000000001","name":"traces","namespace":"remote",
      "start_time":@0.1,"end_time":@0.6,"http":{"request":{"method":"GET",
      "url":"https://traces.example.com/q"},"response":{"status":200}}}]})"}));
  {
    FixtureTrace chain;
    chain.trace_id = TraceId(21);
    chain.description = "fault through 7 instrumented services svc0 -> ... -> svc6";
    chain.documents = FaultChain(21, 7);
    t.push_back(std::move(chain));
  }
  t.push_back(Trace(22, "GetWeatherData faults in get_temperature, 8 s",
                    {R"({"trace_id":"@trace","id":"22a0000000000001","name":"GetWeatherData",
    "start_time":@0,"end_time":@8,"fault":true,
    "subsegments":[{"id":"22b0000000000001","name":"get_temperature","start_time":@1,
      "end_time":@7,"fault":true,"cause":{"exceptions":[{"id":"22c0000000000001",
      "type":"ValueError","message":"sensor offline"}]}}]})"},
                    {kHighResponseTimeGroup}));
  t.push_back(Trace(23, "GetWeatherData faults in get_humidity, 8.5 s",
                    {R"({"trace_id":"@trace","id":"23a0000000000001","name":"GetWeatherData",
    "start_time":@0,"end_time":@8.5,"fault":true,
    "subsegments":[{"id":"23b0000000000001","name":"get_humidity","start_time":@1,
      "end_time":@7,"fault":true,"cause":{"exceptions":[{"id":"23c0000000000001",
      "type":"ValueError","message":"sensor offline"}]}}]})"},
                    {kHighResponseTimeGroup}));
  t.push_back(Trace(24, "root still in progress (URL, no status) + a complete subsegment",
                    {R"({"trace_id":"@trace","id":"24a0000000000001","name":"report-gen",
    "start_time":@0,"in_progress":true,
    "http":{"request":{"method":"GET","url":"http://reports.internal/q3"}}})",
                     R"({"type":"subsegment","trace_id":"@trace","id":"24b0000000000001",
    "parent_id":"24a0000000000001","name":"render-pdf","start_time":@0.1,"end_time":@0.6})"}));
  t.push_back(Trace(25, "no root: one orphan subsegment whose parent never arrived",
                    {R"({"type":"subsegment","trace_id":"@trace","id":"25b0000000000001",
    "parent_id":"25f0000000000001","name":"cache-refresh","start_time":@0,"end_time":@0.2,
    "annotations":{"gameid":"817DL6VO"}})"}));
  t.push_back(Trace(26, "data-plane is the root and faults (503)",
                    {R"({"trace_id":"@trace","id":"26a0000000000001","name":"data-plane",
    "start_time":@0,"end_time":@0.4,
    "http":{"request":{"method":"GET","url":"http://data-plane.internal/sync"},
      "response":{"status":503}}})"}));
  t.push_back(Trace(27, "ok control-plane root; the downstream data-plane faults",
                    {R"({"trace_id":"@trace","id":"27a0000000000001","name":"control-plane",
    "start_time":@0,"end_time":@1,
    "http":{"request":{"method":"GET","url":"http://control-plane.internal/deploy"},
      "response":{"status":200}},
    "subsegments":[{"id":"27b0000000000001","name":"data-plane","namespace":"remote",
      "start_time":@0.1,"end_time":@0.9,"http":{"request":{"method":"POST",
      "url":"http://data-plane.internal/sync","traced":true},"response":{"status":503}}}]})",
                     R"({"trace_id":"@trace","id":"27c0000000000001","parent_id":"27b0000000000001",
    "name":"data-plane","start_time":@0.15,"end_time":@0.85,"fault":true,
    "http":{"request":{"method":"POST","url":"http://data-plane.internal/sync"},
      "response":{"status":503}}})"}));
  return t;
}

// Trace ids from fixture numbers.
std::vector<std::string> Ids(std::initializer_list<int> numbers) {
  std::vector<std::string> ids;
  for (int n : numbers) {
    ids.push_back(TraceId(n));
  }
  return ids;
}

std::vector<std::string> AllIds() {
  std::vector<std::string> ids;
  for (int n = 1; n <= 27; ++n) {
    ids.push_back(TraceId(n));
  }
  return ids;
}

FilterExample Match(int number, std::string expression, std::vector<std::string> matches) {
  return FilterExample{number, std::move(expression), false, std::move(matches), {}};
}

FilterExample Err(int number, std::string expression, std::string token) {
  return FilterExample{number, std::move(expression), true, {}, std::move(token)};
}

// Each set is derived by hand from the trace descriptions above and docs/filter-language.md.
// Boundary cases the sets pin down: #1 trace 3 has exactly 5 s and 24 no response time (in
// progress); #4 traces 4/10/11/21-25 have no root status, so != is false; #6-#8 trace 25 has no
// root: neither ok nor faulted; #9/#30 trace 1's faulted local subsegment is neither a root fault
// nor a node fault, while 27's downstream data-plane fault is on the map; #14 trace 24 differs only
// by partial; #16 trace 6 differs only by reaching api.example.com; #17 trace 3 says "post"; #21 16
// is "Alice"; #23 25's orphan subsegment annotation counts; #24-#26 age values 35, "40", "45"+20,
// 29, false, 30+"n/a"; #27 13 has the string "false"; #28 15 has anonymous and carol; #29 6's
// api.example.com only errs; #31 13 is "Api"; #32 4 is an ok root, 27 a non-root fault; #34 8's
// backend errs but the caller's call is ok; #35/#36 11 is the reverse edge; #37/#38 13's error is
// on the AWS::Lambda node; #40 14 has only the AWS::Lambda node x; #41 01 is alice but not slow;
// #43 3 calls legacy; #44 6 and 12 are errors without throttle; #45/#47/#50 trace 16 differs by
// case and by a deeper parse-token; #46 18's table makes AWS::DynamoDB::Table; #48 20 covers
// 50%; #49 only the chain has more than 6 services; #51 23 fails in get_humidity.
std::vector<FilterExample> MakeExamples() {
  return {
      Match(1, "responsetime > 5", Ids({2, 15, 22, 23})),
      Match(2, "duration >= 5 AND duration <= 8", Ids({2, 3, 15, 22})),
      Match(3, "http.status = 500", Ids({2, 7, 15, 16})),
      Match(4, "http.status != 200", Ids({2, 3, 5, 6, 7, 12, 15, 16, 26})),
      Match(5, "http.status >= 500 AND http.status < 600", Ids({2, 3, 7, 15, 16, 26})),
      Match(6, "ok", Ids({1, 4, 8, 9, 10, 11, 13, 14, 17, 18, 19, 20, 24, 27})),
      Match(7, "!ok", Ids({2, 3, 5, 6, 7, 12, 15, 16, 21, 22, 23, 25, 26})),
      Match(8, "ok = false", Ids({2, 3, 5, 6, 7, 12, 15, 16, 21, 22, 23, 25, 26})),
      Match(9, "fault = true", Ids({2, 3, 7, 15, 16, 21, 22, 23, 26})),
      Match(10, "error", Ids({5, 6, 12})),
      Match(11, "throttle", Ids({5})),
      Match(12, "partial", Ids({24})),
      Match(13, "inferred", Ids({3, 6, 9, 10, 11, 17, 18, 19, 20})),
      Match(14, "ok !partial duration <3", Ids({1, 4, 8, 9, 10, 11, 13, 14, 19, 20, 27})),
      Match(15, R"(http.url CONTAINS "/api/game/")", Ids({1})),
      Match(
          16,
          R"(http.url BEGINSWITH "http://api.example.com/" AND http.url CONTAINS "/v2/" AND !service("api.example.com"))",
          Ids({5})),
      Match(17, R"(http.method = "POST")", Ids({2, 12, 13, 14, 15, 16})),
      Match(18, R"(http.useragent ENDSWITH "Firefox/45.0")", Ids({1})),
      Match(19, R"(http.clientip = "78.255.233.48")", Ids({1})),
      Match(20, R"(user CONTAINS "")", Ids({1, 2, 15, 16})),
      Match(21, R"(user = "alice")", Ids({1, 15})),
      Match(22, "http.url AND responseTime > 2", Ids({2, 3, 5, 15, 16, 17, 18})),
      Match(23, R"(annotation.gameid = "817DL6VO")", Ids({1, 25})),
      Match(24, "annotation.age", Ids({1, 2, 9, 10, 19})),
      Match(25, "!annotation.age", Ids({3,  4,  5,  6,  7,  8,  11, 12, 13, 14, 15,
                                        16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27})),
      Match(26, "annotation.age > 29", Ids({1, 19})),
      Match(27, "annotation.internal = false", Ids({1})),
      Match(
          28,
          R"(Annotation.username CONTAINS "" AND Annotation.username != "anonymous" AND responsetime > 3)",
          Ids({15, 18})),
      Match(29, R"(service("api.example.com") { fault })", Ids({7})),
      Match(30, "service() { fault }", Ids({2, 3, 7, 15, 16, 21, 22, 23, 26, 27})),
      Match(31, R"(service("api"))", Ids({5, 6})),
      Match(32, R"(service("data-plane") {root = true and fault = true})", Ids({26})),
      Match(33, R"(service("example.com") {fault OR error})", Ids({9})),
      Match(34, R"(edge("api.example.com", "backend.example.com") { error })", Ids({7})),
      Match(35, R"(edge("a", "b") { responsetime > 1 })", Ids({10})),
      Match(36, R"(edge("a","b"))", Ids({10})),
      Match(37, R"(service(id(name: "random-name", type: "AWS::Lambda::Function")) { error })",
            Ids({12})),
      Match(38, R"(service(id(type: "AWS::Lambda::Function")) { error })", Ids({12})),
      Match(39, R"(service(id(account.id: "123456789012")))", Ids({12})),
      Match(40, R"(id(name: "x", type: "AWS::Lambda::Function"))", Ids({13})),
      Match(41, R"(group.name = "high_response_time" AND user = "alice")", Ids({15})),
      Match(42, R"(fault = true AND http.url CONTAINS "example/game" AND responsetime >= 5)",
            Ids({2, 3})),
      Match(43, R"((http.status = 500 OR http.status = 502) AND !service("legacy"))",
            Ids({2, 7, 15, 16})),
      Match(44, "fault OR error AND throttle", Ids({2, 3, 5, 7, 15, 16, 21, 22, 23, 26})),
      Match(45, R"(rootcause.fault.service { name = "Auth" })", Ids({15})),
      Match(46, R"(rootcause.responsetime.service { last and type = "AWS::DynamoDB" })", Ids({17})),
      Match(47, R"(rootcause.fault.entity { last and name = "deserialize" })", Ids({15})),
      Match(48,
            R"(rootcause.responsetime.entity { remote and coverage > 0.7 and name = "traces" })",
            Ids({19})),
      Match(49, "rootcause.fault.service { index > 5 }", Ids({21})),
      Match(
          50,
          R"(rootcause.fault.exception { last and message = "Access Denied for account_id: 1234567890" })",
          Ids({15})),
      Match(
          51,
          R"(rootcause.json = #[{ "Services": [ { "Name": "GetWeatherData", "EntityPath": [{ "Name": "GetWeatherData" }, { "Name": "get_temperature" } ] } ] }])",
          Ids({22})),
      Match(52, "", AllIds()),
      Err(53, R"(responsetime CONTAINS "5")", "CONTAINS"),
      Err(54, "http.url > 3", ">"),
      Err(55, R"(service("a") { annotation.x = 1 })", "annotation.x"),
      Err(56, "user = alice", "alice"),
      Err(57, "responsetime > 5 OR", "OR"),
      Err(58, "http.status IN (500, 502)", "IN"),
      Err(59, R"(name = "x")", "name"),
      Err(60, R"(group.name = "no-such-group")", "no-such-group"),
      Err(61, "rootcause.responsetime.exception", "rootcause.responsetime.exception"),
  };
}

}  // namespace

const std::vector<FixtureTrace>& FilterFixtureTraces() {
  static const std::vector<FixtureTrace> kTraces = MakeTraces();
  return kTraces;
}

const std::vector<FilterExample>& FilterExamples() {
  static const std::vector<FilterExample> kExamples = MakeExamples();
  return kExamples;
}

std::vector<storage::StoredDocument> FixtureStoredDocuments(const FixtureTrace& trace) {
  proto::DocumentDecoder decoder;
  std::vector<storage::StoredDocument> out;
  for (const std::string& body : trace.documents) {
    auto decoded = decoder.Decode(body);
    if (!decoded) {
      ADD_FAILURE() << trace.trace_id << ": document rejected: " << body;
      continue;
    }
    for (proto::Document& doc : *decoded) {
      storage::StoredDocument stored;
      stored.trace_id = doc.trace_id;
      stored.id = doc.id;
      stored.parent_id = doc.parent_id;
      stored.kind = doc.kind;
      stored.in_progress = doc.in_progress;
      stored.start_time = doc.start_time;
      stored.end_time = doc.end_time.value_or(0);
      stored.raw = std::move(doc.raw);
      out.push_back(std::move(stored));
    }
  }
  const double received = out.empty() ? 0 : out.front().start_time;
  for (storage::StoredDocument& doc : out) {
    doc.received_at = received;
  }
  return out;
}

query::TraceModel BuildFixtureModel(const FixtureTrace& trace) {
  const std::vector<storage::StoredDocument> docs = FixtureStoredDocuments(trace);
  return query::BuildTraceModel(trace.trace_id, docs);
}

const FixtureTrace& FixtureTraceNumber(int number) {
  return FilterFixtureTraces().at(static_cast<std::size_t>(number - 1));
}

}  // namespace xrayd::testing
