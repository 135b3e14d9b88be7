#include "query/trace_summary_json.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "query/trace_model.h"

namespace xrayd::query {
namespace {

constexpr const char* kTrace = "1-581cf771-a006649127e371903a2de979";

storage::StoredDocument Doc(const std::string& raw, double start, double end) {
  storage::StoredDocument doc;
  doc.trace_id = kTrace;
  doc.id = nlohmann::json::parse(raw).at("id").get<std::string>();
  doc.start_time = start;
  doc.end_time = end;
  doc.raw = raw;
  return doc;
}

TEST(TraceSummaryJsonTest, WireShapeOfAFaultingTrace) {
  const std::vector<storage::StoredDocument> docs = {Doc(R"({
    "id":"a000000000000001","name":"web","origin":"AWS::EC2::Instance","user":"bob",
    "start_time":10,"end_time":10.5,"fault":true,"resource_arn":"arn:x",
    "aws":{"account_id":"123456789012","ec2":{"instance_id":"i-1","availability_zone":"az-1"}},
    "http":{"request":{"url":"http://h/p","method":"GET"},"response":{"status":500}},
    "annotations":{"k":"v","n":1.5,"b":true},
    "subsegments":[{"id":"b000000000000001","name":"db","namespace":"remote",
      "start_time":10.125,"end_time":10.375,"fault":true,
      "cause":{"exceptions":[{"id":"c000000000000001","type":"Boom","message":"bad",
                              "remote":true}]}}]})",
                                                         10, 10.5)};
  const nlohmann::json expected = nlohmann::json::parse(R"({
    "Id": "1-581cf771-a006649127e371903a2de979",
    "StartTime": 10,
    "Duration": 0.5,
    "ResponseTime": 0.5,
    "HasFault": true,
    "HasError": false,
    "HasThrottle": false,
    "IsPartial": false,
    "Http": {"HttpURL": "http://h/p", "HttpStatus": 500, "HttpMethod": "GET"},
    "Annotations": {
      "k": [{"AnnotationValue": {"StringValue": "v"},
             "ServiceIds": [{"Name": "web", "Names": ["web"], "AccountId": "123456789012",
                             "Type": "AWS::EC2::Instance"}]}],
      "n": [{"AnnotationValue": {"NumberValue": 1.5},
             "ServiceIds": [{"Name": "web", "Names": ["web"], "AccountId": "123456789012",
                             "Type": "AWS::EC2::Instance"}]}],
      "b": [{"AnnotationValue": {"BooleanValue": true},
             "ServiceIds": [{"Name": "web", "Names": ["web"], "AccountId": "123456789012",
                             "Type": "AWS::EC2::Instance"}]}]
    },
    "Users": [{"UserName": "bob",
               "ServiceIds": [{"Name": "web", "Names": ["web"], "AccountId": "123456789012",
                               "Type": "AWS::EC2::Instance"}]}],
    "ServiceIds": [
      {"Name": "web", "Names": ["web"], "AccountId": "123456789012", "Type": "AWS::EC2::Instance"},
      {"Name": "db", "Names": ["db"], "Type": "remote"}
    ],
    "ResourceARNs": [{"ARN": "arn:x"}],
    "InstanceIds": [{"Id": "i-1"}],
    "AvailabilityZones": [{"Name": "az-1"}],
    "EntryPoint": {"Name": "web", "Names": ["web"], "AccountId": "123456789012",
                   "Type": "AWS::EC2::Instance"},
    "FaultRootCauses": [{
      "Services": [
        {"Name": "web", "Names": ["web"], "AccountId": "123456789012",
         "Type": "AWS::EC2::Instance", "Inferred": false,
         "EntityPath": [{"Name": "web", "Exceptions": [], "Remote": false},
                        {"Name": "db", "Exceptions": [{"Name": "Boom", "Message": "bad"}],
                         "Remote": true}]},
        {"Name": "db", "Names": ["db"], "Type": "remote", "Inferred": true,
         "EntityPath": [{"Name": "db", "Exceptions": [], "Remote": true}]}
      ],
      "ClientImpacting": true
    }],
    "ErrorRootCauses": [],
    "ResponseTimeRootCauses": [{
      "Services": [
        {"Name": "web", "Names": ["web"], "AccountId": "123456789012",
         "Type": "AWS::EC2::Instance", "Inferred": false,
         "EntityPath": [{"Name": "web", "Coverage": 1.0, "Remote": false},
                        {"Name": "db", "Coverage": 0.5, "Remote": true}]},
        {"Name": "db", "Names": ["db"], "Type": "remote", "Inferred": true,
         "EntityPath": [{"Name": "db", "Coverage": 0.5, "Remote": true}]}
      ],
      "ClientImpacting": true
    }],
    "Revision": 1
  })");
  const nlohmann::json actual = TraceSummaryToJson(BuildTraceModel(kTrace, docs));
  EXPECT_EQ(actual, expected) << actual.dump(2);
}

TEST(TraceSummaryJsonTest, OmitsAbsentMembers) {
  // In progress, no http, no origin: no ResponseTime, empty Http, ServiceId without Type.
  std::vector<storage::StoredDocument> docs = {
      Doc(R"({"id":"a000000000000001","name":"s","start_time":7,"in_progress":true})", 7, 0)};
  docs[0].in_progress = true;
  const nlohmann::json actual = TraceSummaryToJson(BuildTraceModel(kTrace, docs));
  const nlohmann::json expected = nlohmann::json::parse(R"({
    "Id": "1-581cf771-a006649127e371903a2de979", "StartTime": 7, "Duration": 0,
    "HasFault": false, "HasError": false, "HasThrottle": false, "IsPartial": true,
    "Http": {}, "Annotations": {}, "Users": [],
    "ServiceIds": [{"Name": "s", "Names": ["s"]}],
    "ResourceARNs": [], "InstanceIds": [], "AvailabilityZones": [],
    "EntryPoint": {"Name": "s", "Names": ["s"]},
    "FaultRootCauses": [], "ErrorRootCauses": [], "ResponseTimeRootCauses": [],
    "Revision": 1
  })");
  EXPECT_EQ(actual, expected) << actual.dump(2);
}

}  // namespace
}  // namespace xrayd::query
