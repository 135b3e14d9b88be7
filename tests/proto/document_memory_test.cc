// proto::ApproximateMemory, what the ingest queue counts against -m: the object, its JSON and every
// heap buffer it holds, so a document with many annotations or long fields weighs more.

#include <gtest/gtest.h>

#include "proto/document.h"
#include "proto/document_decoder.h"

namespace xrayd::proto {
namespace {

TEST(DocumentMemoryTest, CountsTheObjectItsJsonAndEveryHeapBuffer) {
  Document doc;
  const std::size_t empty = ApproximateMemory(doc);
  EXPECT_GE(empty, sizeof(Document));
  doc.raw = std::string(1000, 'x');
  EXPECT_GE(ApproximateMemory(doc), empty + 1000);
  const std::size_t with_raw = ApproximateMemory(doc);
  for (int i = 0; i < 10; ++i) {
    doc.annotations.push_back(
        Annotation{.key = "a_key_longer_than_fifteen_" + std::to_string(i),
                   .value = AnnotationValue{.string_value = std::string(100, 'v')}});
  }
  EXPECT_GE(ApproximateMemory(doc), with_raw + 10 * (sizeof(Annotation) + 100 + 26));
  const std::size_t with_annotations = ApproximateMemory(doc);
  doc.summary_facts.emplace();
  doc.summary_facts->http_url = std::string(300, 'u');
  doc.summary_facts->embedded_ids.assign(8, 1);
  doc.summary_facts->remote_calls.assign(4, RemoteCall{1, std::string(40, 's')});
  EXPECT_GE(ApproximateMemory(doc),
            with_annotations + 300 + 8 * sizeof(std::uint64_t) + 4 * (sizeof(RemoteCall) + 40));
}

TEST(DocumentMemoryTest, ADecodedSegmentWeighsMoreThanItsJson) {
  DocumentDecoder decoder;
  const std::string body =
      R"({"trace_id":"1-581cf771-a006649127e371903a2de979","id":"70de5b6f19ff9a0a","name":"api",)"
      R"("start_time":1,"end_time":2,"http":{"request":{"url":"https://example.com/a/long/path/to/a/resource"}},)"
      R"("annotations":{"customer_tier":"gold","region_code":"eu-west-1"}})";
  auto docs = decoder.Decode(body);
  ASSERT_TRUE(docs);
  EXPECT_GT(ApproximateMemory(docs->front()), body.size() + sizeof(Document) + 100);
}

}  // namespace
}  // namespace xrayd::proto
