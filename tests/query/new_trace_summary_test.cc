// query::NewTraceSummaryRow: a new trace's summary from the ingest parse must be the row the trace
// model gives for the same stored documents (tests/support/new_trace_summary_check.h): one
// document, and traces of several; and through a store whose writer keeps the facts, a trace
// whose documents arrive one batch at a time ends with that row too.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proto/document_decoder.h"
#include "query/trace_summary_row.h"
#include "storage/database.h"
#include "storage/trace_store.h"
#include "tests/support/new_trace_summary_check.h"

namespace xrayd::query {
namespace {

constexpr const char* kHead =
    R"("trace_id":"1-581cf771-a006649127e371903a2de979","id":"70de5b6f19ff9a0a","name":"api","start_time":1478293361.271)";

std::string Segment(const std::string& rest) {
  return std::string("{") + kHead + (rest.empty() ? "" : ",") + rest + "}";
}

proto::Document DecodeOne(const std::string& body) {
  proto::DocumentDecoder decoder;
  auto docs = decoder.Decode(body);
  EXPECT_TRUE(docs.has_value()) << body << ": " << (docs ? "" : docs.error().detail);
  if (!docs || docs->size() != 1) {
    ADD_FAILURE() << "not one document: " << body;
    return {};
  }
  return std::move(docs->front());
}

// Documents that exercise every member of the row, and the JSON spellings where a second parser
// could read them differently: repeated keys, nulls, wrong types, integral floats, nesting.
const std::vector<std::string>& Cases() {
  static const std::vector<std::string> cases = {
      Segment(R"("end_time":1478293361.449)"),
      Segment(
          R"("end_time":1478293361.449,"http":{"request":{"method":"GET","url":"https://a/b","user_agent":"curl","client_ip":"10.0.0.1"},"response":{"status":200}})"),
      Segment(R"("end_time":1478293362,"http":{"response":{"status":500.0}},"error":true)"),
      Segment(R"("end_time":1478293362,"http":{"response":{"status":429}})"),
      Segment(R"("end_time":1478293362,"http":{"response":{"status":404.5}},"fault":false)"),
      Segment(R"("end_time":1478293362,"http":{"response":{"status":"503"}},"throttle":true)"),
      Segment(R"("end_time":1478293362,"http":{"response":{"status":-1}})"),
      Segment(R"("end_time":1478293362,"http":{"response":{"status":5e2}})"),
      Segment(
          R"("end_time":1478293362,"http":{"request":{"url":"first","url":"second"},"request":{"method":"POST"}})"),
      Segment(R"("end_time":1478293362,"http":{"request":{"url":null,"method":7}},"user":null)"),
      Segment(R"("end_time":1478293362,"http":[1,2],"aws":"text")"),
      Segment(R"("in_progress":true)"),
      Segment(R"("in_progress":true,"http":{"response":{"status":502}})"),
      Segment(
          R"("end_time":1478293362.5,"subsegments":[{"id":"1111111111111111","name":"work","start_time":1478293361.3,"in_progress":true}])"),
      Segment(
          R"("end_time":1478293360,"user":"alice","resource_arn":"arn:aws:ec2:x","aws":{"account_id":"123","ec2":{"instance_id":"i-1","availability_zone":"us-east-1a"}})"),
      Segment(
          R"("end_time":1478293362,"user":"","resource_arn":"","aws":{"ec2":{"instance_id":"i-1"},"ec2":{"availability_zone":"b"}})"),
      Segment(R"("end_time":1478293362,"origin":"AWS::EC2::Instance","subsegments":[
        {"id":"1111111111111111","name":"DynamoDB","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"table_name":"orders","operation":"GetItem"}},
        {"id":"2222222222222222","name":"SQS","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"queue_url":"https://sqs.us-east-1.amazonaws.com/123/jobs"}},
        {"id":"3333333333333333","name":"SQS","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"queue_url":"no-slash"}},
        {"id":"4444444444444444","name":"S3","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"resource_names":["bucket-1","bucket-2"]}},
        {"id":"5555555555555555","name":"Lambda","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"function_name":"f"}},
        {"id":"6666666666666666","name":"STS","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"resource_names":[7,"x"]}},
        {"id":"7777777777777777","name":"api.example.com","namespace":"remote","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"table_name":"ignored"}},
        {"id":"8888888888888888","name":"local","namespace":"local","start_time":1478293361.3,"end_time":1478293361.4}
      ])"),
      Segment(
          R"("end_time":1478293362,"subsegments":[{"id":"1111111111111111","name":"outer","start_time":1478293361.3,"end_time":1478293361.9,"subsegments":[
        {"id":"2222222222222222","name":"DynamoDB","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":{"table_name":"a","table_name":"b"},"subsegments":[
          {"id":"3333333333333333","name":"deep.example","namespace":"remote","start_time":1478293361.3,"in_progress":true}]}]}])"),
      Segment(
          R"("end_time":1478293362,"subsegments":[{"id":"1111111111111111","name":"Dynamo","namespace":"aws","namespace":"local","start_time":1478293361.3,"end_time":1478293361.4}])"),
      Segment(
          R"("end_time":1478293362,"subsegments":[{"id":"1111111111111111","name":"Dynamo","namespace":"local","namespace":"aws","start_time":1478293361.3,"end_time":1478293361.4,"aws":null}])"),
      Segment(
          R"("end_time":1478293362,"parent_id":"abcdefabcdefabcd","http":{"response":{"status":201}})"),
      Segment(R"("end_time":1478293350)"),
      Segment(R"("end_time":1478293361.2710004)"),
  };
  return cases;
}

TEST(NewTraceSummaryTest, EveryCaseMatchesTheTraceModelsRow) {
  for (const std::string& body : Cases()) {
    const proto::Document doc = DecodeOne(body);
    ASSERT_TRUE(doc.summary_facts.has_value()) << body;
    EXPECT_EQ(testing::NewTraceSummaryMismatch(doc), "") << body;
  }
}

TEST(NewTraceSummaryTest, TheRowCarriesTheSegmentsValues) {
  const proto::Document doc = DecodeOne(Cases()[16]);
  const proto::Document* const trace[] = {&doc};
  const std::optional<storage::TraceSummaryRow> row = NewTraceSummaryRow(trace);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->flags & storage::kSummaryFlagInferred, storage::kSummaryFlagInferred);
  const auto values = testing::ValueSet(*row);
  for (const char* service :
       {"api", "orders", "jobs", "no-slash", "bucket-1", "Lambda", "STS", "api.example.com"}) {
    EXPECT_NE(std::find(values.begin(), values.end(),
                        std::pair<std::string, std::string>("$service", service)),
              values.end())
        << service;
  }
  EXPECT_EQ(std::count_if(values.begin(), values.end(),
                          [](const auto& v) { return v.second == "local"; }),
            0);
}

TEST(NewTraceSummaryTest, CapturedSdkSegmentsMatchTheTraceModelsRow) {
  int checked = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(XRAYD_TESTDATA) + "/xray-sdk-node")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string body = text.str();
    body = body.substr(body.find('\n') + 1);  // The daemon header line.
    proto::DocumentDecoder decoder;
    auto docs = decoder.Decode(body);
    ASSERT_TRUE(docs.has_value()) << entry.path();
    for (const proto::Document& doc : *docs) {
      EXPECT_EQ(testing::NewTraceSummaryMismatch(doc), "") << entry.path();
      checked += doc.summary_facts ? 1 : 0;
    }
  }
  EXPECT_GE(checked, 5);
}

std::vector<proto::Document> DecodeAll(const std::vector<std::string>& bodies) {
  std::vector<proto::Document> docs;
  for (const std::string& body : bodies) {
    docs.push_back(DecodeOne(body));
  }
  return docs;
}

std::vector<const proto::Document*> Pointers(const std::vector<proto::Document>& docs) {
  std::vector<const proto::Document*> out;
  for (const proto::Document& doc : docs) {
    out.push_back(&doc);
  }
  return out;
}

// A segment of the trace of kHead: `fields` follow id, name and start_time.
std::string Seg(const char* id, const char* name, double start, const std::string& fields) {
  return R"({"trace_id":"1-581cf771-a006649127e371903a2de979","id":")" + std::string(id) +
         R"(","name":")" + name + R"(","start_time":)" + std::to_string(start) + "," + fields + "}";
}

// An independent subsegment of the same trace under `parent`.
std::string Sub(const char* id, const char* parent, const std::string& fields) {
  return R"({"type":"subsegment","trace_id":"1-581cf771-a006649127e371903a2de979","id":")" +
         std::string(id) + R"(","parent_id":")" + parent +
         R"(","name":"sub","start_time":1478293361.3,)" + fields + "}";
}

// Traces of several documents: graph links, inferred calls, roots, partial traces.
const std::vector<std::vector<std::string>>& Traces() {
  static const std::vector<std::vector<std::string>> traces = {
      // A remote call answered by an instrumented service: no inferred node for it.
      {Seg("1000000000000001", "front", 1478293361.1,
           R"("end_time":1478293362,"http":{"response":{"status":502}},"fault":true,"subsegments":[{"id":"2000000000000001","name":"back.internal","namespace":"remote","start_time":1478293361.2,"end_time":1478293361.9}])"),
       Seg("1000000000000002", "back", 1478293361.25,
           R"("parent_id":"2000000000000001","end_time":1478293361.8,"user":"bob","aws":{"ec2":{"availability_zone":"us-east-1b"}})")},
      // The same call unanswered: inferred.
      {Seg("1000000000000001", "front", 1478293361.1,
           R"("end_time":1478293362,"subsegments":[{"id":"2000000000000001","name":"back.internal","namespace":"remote","start_time":1478293361.2,"end_time":1478293361.9}])"),
       Seg("1000000000000002", "back", 1478293361.25,
           R"("parent_id":"2000000000000009","end_time":1478293361.8)")},
      // Independent subsegments under the segment and under its embedded subsegment, one an AWS
      // call
      // and one in progress.
      {Seg("1000000000000001", "front", 1478293361.1,
           R"("end_time":1478293362,"user":"alice","subsegments":[{"id":"2000000000000001","name":"work","start_time":1478293361.2,"end_time":1478293361.9}])"),
       Sub("3000000000000001", "1000000000000001",
           R"("namespace":"aws","end_time":1478293363,"aws":{"table_name":"orders"})"),
       Sub("3000000000000002", "2000000000000001",
           R"("in_progress":true,"subsegments":[{"id":"3000000000000003","name":"S3","namespace":"aws","start_time":1478293361.4,"end_time":1478293361.5,"aws":{"resource_names":["b"]}}])")},
      // A segment whose parent is an independent subsegment: the subsegment's call reaches it.
      {Seg("1000000000000001", "front", 1478293361.1, R"("end_time":1478293362)"),
       Sub("3000000000000001", "1000000000000001",
           R"("namespace":"remote","end_time":1478293361.9)"),
       Seg("1000000000000002", "back", 1478293361.3,
           R"("parent_id":"3000000000000001","end_time":1478293361.8,"error":true)")},
      // The root has not arrived: the downstream segment whose parent is unknown is the root.
      {Seg("1000000000000002", "back", 1478293361.25,
           R"("parent_id":"2000000000000001","end_time":1478293361.8,"http":{"request":{"url":"https://b/x","method":"PUT"},"response":{"status":429}},"throttle":true)"),
       Seg("1000000000000003", "cache", 1478293361.3,
           R"("parent_id":"1000000000000002","end_time":1478293361.5)")},
      // Two root candidates: the earlier start wins, then the smaller id.
      {Seg("1000000000000002", "late", 1478293361.5, R"("end_time":1478293361.8)"),
       Seg("1000000000000009", "early", 1478293361.2, R"("end_time":1478293361.3,"error":true)"),
       Seg("1000000000000003", "early-too", 1478293361.2,
           R"("end_time":1478293361.4,"http":{"response":{"status":201}})")},
      // An in-progress root: no response time, partial; the duration counts complete documents.
      {Seg("1000000000000001", "front", 1478293361.1, R"("in_progress":true)"),
       Seg("1000000000000002", "back", 1478293361.25,
           R"("parent_id":"1000000000000001","end_time":1478293361.8,"resource_arn":"arn:x","aws":{"ec2":{"instance_id":"i-2"}})")},
      // Every segment's parent is in the trace: no root.
      {Seg("1000000000000001", "a", 1478293361.1,
           R"("parent_id":"1000000000000002","end_time":1478293362)"),
       Seg("1000000000000002", "b", 1478293361.2,
           R"("parent_id":"1000000000000001","end_time":1478293362)")},
      // A segment that names itself or its own subsegment as parent.
      {Seg("1000000000000001", "self", 1478293361.1,
           R"("parent_id":"1000000000000001","end_time":1478293362)"),
       Seg("1000000000000002", "own-sub", 1478293361.2,
           R"("parent_id":"2000000000000002","end_time":1478293362,"subsegments":[{"id":"2000000000000002","name":"x","namespace":"remote","start_time":1478293361.3,"end_time":1478293361.4}])")},
  };
  return traces;
}

TEST(NewTraceSummaryTest, EveryTraceOfSeveralDocumentsMatchesTheTraceModelsRow) {
  for (const std::vector<std::string>& bodies : Traces()) {
    const std::vector<proto::Document> docs = DecodeAll(bodies);
    const std::vector<const proto::Document*> trace = Pointers(docs);
    std::string all;
    for (const std::string& body : bodies) {
      all += body + "\n";
    }
    ASSERT_TRUE(NewTraceSummaryRow(trace).has_value()) << all;
    EXPECT_EQ(testing::NewTraceSummaryMismatch(trace), "") << all;
  }
}

// The captures grouped by trace, each in the order the SDK sent them: a streamed trace (its
// independent subsegments, one an HTTP call, then the segment) and an in-progress segment with its
// complete version.
std::map<std::string, std::vector<proto::Document>> CapturedTraces() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(XRAYD_TESTDATA) + "/xray-sdk-node")) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::map<std::string, std::vector<proto::Document>> traces;
  for (const std::filesystem::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const std::string body = text.str().substr(text.str().find('\n') + 1);
    for (proto::Document& doc : DecodeAll({body})) {
      traces[doc.trace_id].push_back(std::move(doc));
    }
  }
  return traces;
}

TEST(NewTraceSummaryTest, CapturedSdkTracesMatchTheTraceModelsRow) {
  std::map<std::string, std::vector<proto::Document>> traces = CapturedTraces();
  int several = 0;
  for (auto& entry : traces) {
    const std::string& trace_id = entry.first;
    std::vector<proto::Document>& docs = entry.second;
    // The store keeps one version per id: the complete one.
    std::set<std::string> complete;
    for (const proto::Document& doc : docs) {
      if (!doc.in_progress) {
        complete.insert(doc.id);
      }
    }
    std::erase_if(docs, [&complete](const proto::Document& doc) {
      return doc.in_progress && complete.contains(doc.id);
    });
    const std::vector<const proto::Document*> trace = Pointers(docs);
    ASSERT_TRUE(NewTraceSummaryRow(trace).has_value()) << trace_id;
    EXPECT_EQ(testing::NewTraceSummaryMismatch(trace), "") << trace_id;
    several += docs.size() > 1 ? 1 : 0;
  }
  EXPECT_GE(several, 1);
}

TEST(NewTraceSummaryTest, AnAnsweredCallInfersNoNode) {
  const std::vector<proto::Document> answered = DecodeAll(Traces()[0]);
  const auto row = NewTraceSummaryRow(Pointers(answered));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->flags & storage::kSummaryFlagInferred, 0);
  EXPECT_EQ(row->flags & storage::kSummaryFlagFault, storage::kSummaryFlagFault);
  EXPECT_EQ(row->http_status, 502);
  const std::vector<proto::Document> unanswered = DecodeAll(Traces()[1]);
  const auto inferred = NewTraceSummaryRow(Pointers(unanswered));
  ASSERT_TRUE(inferred.has_value());
  EXPECT_EQ(inferred->flags & storage::kSummaryFlagInferred, storage::kSummaryFlagInferred);
  const auto values = testing::ValueSet(*inferred);
  EXPECT_NE(std::find(values.begin(), values.end(),
                      std::pair<std::string, std::string>("$service", "back.internal")),
            values.end());
}

TEST(NewTraceSummaryTest, TracesTheModelPlacesByItselfHaveNoRow) {
  // An independent subsegment whose parent is in no segment document: an orphan, or a chain of
  // independent subsegments.
  EXPECT_FALSE(NewTraceSummaryRow(Pointers(DecodeAll({Sub("3000000000000001", "1000000000000001",
                                                          R"("end_time":1478293362)")})))
                   .has_value());
  EXPECT_FALSE(NewTraceSummaryRow(
                   Pointers(DecodeAll(
                       {Seg("1000000000000001", "front", 1478293361.1, R"("end_time":1478293362)"),
                        Sub("3000000000000001", "1000000000000001", R"("end_time":1478293362)"),
                        Sub("3000000000000002", "3000000000000001", R"("end_time":1478293362)")})))
                   .has_value());
  // Ids in upper case: the model matches ids by their text, the store by value.
  const proto::Document upper =
      DecodeOne(Seg("10000000000000AB", "front", 1478293361.1, R"("end_time":1478293362)"));
  EXPECT_FALSE(upper.summary_facts.has_value());
}

// Stores `docs` one per batch, as a trace whose documents arrive over time, with the writer
// summarizing from the facts it keeps (storage::TraceStore::SetNewTraceSummarizer). Returns "" when
// the trace ends stale (left to the summary worker) or when its stored summary is the model's row
// of its stored documents (`fresh` counts those of several documents), else the difference.
std::string SummaryAfterOneBatchPerDocument(const std::vector<proto::Document>& docs, int* fresh) {
  const std::string path = ::testing::TempDir() + "kept_facts_summary.db";
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
  auto store = storage::TraceStore::Open(path, storage::OpenMode::kReadWrite);
  if (!store) {
    return store.error().message;
  }
  (*store)->SetNewTraceSummarizer(TraceSummaryRowOf);
  double at = 10;
  for (const proto::Document& doc : docs) {
    auto put = (*store)->PutDocuments(std::span(&doc, 1), at++);
    if (!put) {
      return put.error().message;
    }
  }
  auto stale = (*store)->StaleTraces(1e12, 10);
  if (!stale || !stale->empty()) {
    return stale ? "" : stale.error().message;
  }
  auto stored = (*store)->GetDocuments(docs.front().trace_id);
  if (!stored) {
    return stored.error().message;
  }
  const storage::TraceSummaryRow model =
      SummaryRowFromModel(BuildTraceModel(docs.front().trace_id, *stored));
  auto db = storage::Database::Open(path, storage::DatabaseOptions{.read_only = true});
  if (!db) {
    return db.error().message;
  }
  auto row = (*db)->Prepare(
      "SELECT response_time, duration, flags, http_status, http_url, http_method, "
      "http_useragent, http_clientip, seq FROM traces");
  auto values = (*db)->Prepare(
      "SELECT k.key, a.value FROM annotations a JOIN annotation_key_names k ON k.id = a.key_id "
      "WHERE k.key LIKE '$%' AND a.trace_seq = ?1");
  if (!row || !values || !row->Step().value_or(false)) {
    return "no traces row";
  }
  const auto text = [&](int column) {
    return row->ColumnIsNull(column) ? std::nullopt
                                     : std::optional<std::string>(row->ColumnText(column));
  };
  storage::TraceSummaryRow kept;
  if (!row->ColumnIsNull(0)) {
    kept.response_time = row->ColumnDouble(0);
  }
  if (!row->ColumnIsNull(1)) {
    kept.duration = row->ColumnDouble(1);
  }
  kept.flags = row->ColumnInt64(2);
  if (!row->ColumnIsNull(3)) {
    kept.http_status = row->ColumnInt64(3);
  }
  kept.http_url = text(4);
  kept.http_method = text(5);
  kept.http_useragent = text(6);
  kept.http_clientip = text(7);
  if (!values->BindInt64(1, row->ColumnInt64(8))) {
    return "bind";
  }
  std::set<std::pair<std::string, std::string>> stored_values;
  while (values->Step().value_or(false)) {
    stored_values.emplace(values->ColumnText(0), values->ColumnText(1));
  }
  // The stored values may hold more: they are additive (a call answered later keeps its inferred
  // node's name), and search re-checks them.
  for (const auto& value : testing::ValueSet(model)) {
    if (!stored_values.contains(value)) {
      return "missing value " + value.first + "=" + value.second;
    }
  }
  kept.values = testing::ValueSet(model);
  *fresh += docs.size() > 1 ? 1 : 0;
  const std::string kept_text = testing::DescribeRow(kept);
  const std::string model_text = testing::DescribeRow(model);
  return kept_text == model_text ? "" : "kept facts: " + kept_text + "\nmodel: " + model_text;
}

TEST(NewTraceSummaryTest, ATraceArrivingOneDocumentPerBatchEndsWithTheModelsRow) {
  int fresh = 0;
  for (const std::vector<std::string>& bodies : Traces()) {
    std::vector<proto::Document> docs = DecodeAll(bodies);
    EXPECT_EQ(SummaryAfterOneBatchPerDocument(docs, &fresh), "") << bodies.front();
    std::reverse(docs.begin(), docs.end());
    EXPECT_EQ(SummaryAfterOneBatchPerDocument(docs, &fresh), "") << bodies.front() << " reversed";
  }
  for (const auto& [trace_id, docs] : CapturedTraces()) {
    EXPECT_EQ(SummaryAfterOneBatchPerDocument(docs, &fresh), "") << trace_id;
  }
  // Traces of several documents that end summarized by the writer: those whose root came last or
  // was in progress until then.
  EXPECT_GE(fresh, 14);
}

}  // namespace
}  // namespace xrayd::query
