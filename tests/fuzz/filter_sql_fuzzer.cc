// libFuzzer target for the filter-to-SQL compiler (query/filter_sql.h): every parsed filter must
// compile to SQL that SQLite accepts, and over a small store with fresh summaries the candidates
// must be a superset of the evaluator's matches, and equal to them when the SQL claims exactness.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "proto/document_decoder.h"
#include "query/filter_eval.h"
#include "query/filter_parser.h"
#include "query/filter_sql.h"
#include "query/summarizer.h"
#include "query/trace_search.h"

namespace {

using namespace xrayd;

constexpr double kReceived = 1000;

const char* const kDocuments[] = {
    R"({"trace_id":"1-5f000001-000000000000000000000001","id":"0000000000000001","name":"api",
        "start_time":100,"end_time":105,"user":"alice","http":{"request":{"method":"GET",
        "url":"https://api.example.com/v2/x","client_ip":"1.2.3.4","user_agent":"curl/8"},
        "response":{"status":200}},"annotations":{"age":31,"flag":true,"name":"bob"},
        "aws":{"ec2":{"instance_id":"i-1","availability_zone":"us-east-1a"}},
        "resource_arn":"arn:aws:ec2:x","subsegments":[{"id":"0000000000000002","name":"DynamoDB",
        "namespace":"aws","start_time":100.5,"end_time":101,"error":true,
        "aws":{"table_name":"t","operation":"GetItem"}}]})",
    R"({"trace_id":"1-5f000002-000000000000000000000002","id":"0000000000000003","name":"api",
        "start_time":200,"end_time":200.5,"fault":true,"http":{"response":{"status":502}},
        "annotations":{"age":"old","flag":false},"cause":{"exceptions":[{"id":"0000000000000009",
        "type":"Boom","message":"bad"}]}})",
    R"({"trace_id":"1-5f000003-000000000000000000000003","id":"0000000000000004","name":"worker",
        "start_time":300,"in_progress":true,"user":"carol"})",
    R"({"trace_id":"1-5f000004-000000000000000000000004","id":"0000000000000005","name":"edge",
        "start_time":400,"end_time":402,"throttle":true,"error":true,
        "http":{"request":{"method":"POST","url":"http://a/b"},"response":{"status":429}}})",
    R"({"trace_id":"1-5f000004-000000000000000000000004","id":"0000000000000006","name":"backend",
        "parent_id":"0000000000000007","start_time":400.1,"end_time":401,"origin":"AWS::Lambda"})",
    R"({"trace_id":"1-5f000005-000000000000000000000005","id":"000000000000000a","name":"orphan",
        "type":"subsegment","parent_id":"00000000000000ff","start_time":500,"end_time":501})",
};

struct Fixture {
  std::unique_ptr<storage::TraceStore> store;
  std::vector<std::string> ids;
  std::vector<query::TraceModel> models;
  query::GroupLookup groups;
};

const Fixture& GetFixture() {
  static const Fixture* fixture = [] {
    auto* f = new Fixture;
    f->store = std::move(*storage::TraceStore::Open(":memory:", storage::OpenMode::kReadWrite));
    proto::DocumentDecoder decoder;
    std::vector<proto::Document> docs;
    for (const char* text : kDocuments) {
      auto decoded = decoder.Decode(text);
      if (!decoded) {
        std::fprintf(stderr, "bad fixture: %s\n", decoded.error().detail.c_str());
        std::abort();
      }
      for (auto& d : *decoded)
        docs.push_back(std::move(d));
    }
    if (!f->store->PutDocuments(docs, kReceived))
      std::abort();
    while (true) {
      auto done = query::SummarizeStaleTraces(*f->store, 1e12, 100);
      if (!done)
        std::abort();
      if (*done == 0)
        break;
    }
    auto traces = f->store->ListTraces(0, 100);
    if (!traces)
      std::abort();
    for (const auto& info : *traces) {
      auto stored = f->store->GetDocuments(info.trace_id);
      if (!stored)
        std::abort();
      f->ids.push_back(info.trace_id);
      f->models.push_back(query::BuildTraceModel(info.trace_id, *stored));
    }
    auto group = std::make_shared<query::GroupDefinition>();
    group->name = "g";
    group->arn = "arn:aws:xray:us-east-1:000000000000:group/g/X";
    group->filter =
        std::make_shared<query::FilterExpr>(std::move(*query::ParseFilter("responsetime > 1")));
    f->groups =
        [group](const query::GroupRef& ref) -> std::shared_ptr<const query::GroupDefinition> {
      return (ref.by == query::GroupRef::By::kName ? group->name : group->arn) == ref.value
                 ? group
                 : nullptr;
    };
    return f;
  }();
  return *fixture;
}

[[noreturn]] void Die(const char* what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "filter_sql_fuzzer: %s\ninput: %.*s\n%s\n", what,
               static_cast<int>(input.size()), input.data(), detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4 * query::kMaxFilterLength)
    return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto filter = query::ParseFilter(input);
  if (!filter)
    return 0;
  const Fixture& f = GetFixture();
  const query::SqlFilter sql = query::CompileFilterSql(*filter, f.groups);
  storage::CandidateQuery candidates_query;
  candidates_query.start = 0;
  candidates_query.end = 4e9;
  candidates_query.predicate = sql.predicate;
  candidates_query.params = sql.params;
  candidates_query.limit = 1000;
  auto candidates = f.store->FindCandidates(candidates_query);
  if (!candidates)
    Die("SQL rejected", input, candidates.error().message + "\n" + sql.predicate);
  std::set<std::string> found;
  for (const auto& c : candidates->candidates) {
    if (!c.summary_fresh)
      Die("summary not fresh", input, c.info.trace_id);
    found.insert(c.info.trace_id);
  }
  // The filter's annotation term, read from the index, must keep every match as well.
  std::set<std::string> found_by_index = found;
  if (sql.annotation_term) {
    candidates_query.annotation_term = sql.annotation_term;
    auto by_index = f.store->FindCandidates(candidates_query);
    if (!by_index)
      Die("SQL rejected with the annotation term", input, by_index.error().message);
    found_by_index.clear();
    for (const auto& c : by_index->candidates) {
      if (found.count(c.info.trace_id) == 0)
        Die("the annotation term added a candidate", input, c.info.trace_id);
      found_by_index.insert(c.info.trace_id);
    }
  }
  for (std::size_t i = 0; i < f.ids.size(); ++i) {
    query::EvalContext context;
    const query::TraceModel& model = f.models[i];
    context.is_member = [&](const query::GroupRef& ref) {
      auto group = f.groups(ref);
      return group ? query::IsGroupMember(*group, model, kReceived, f.groups)
                   : query::IsDefaultGroupRef(ref);
    };
    const bool matches = query::MatchesFilter(*filter, model, context);
    const bool candidate = found.count(f.ids[i]) > 0;
    if (matches && !candidate)
      Die("SQL dropped a match", input, f.ids[i] + "\n" + sql.predicate);
    if (matches && found_by_index.count(f.ids[i]) == 0)
      Die("the annotation term dropped a match", input, f.ids[i]);
    if (sql.exact && candidate && !matches) {
      Die("exact SQL kept a non-match", input, f.ids[i] + "\n" + sql.predicate);
    }
  }
  return 0;
}
