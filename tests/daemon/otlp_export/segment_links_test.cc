// Rule "links" of docs/otlp-mapping.md#export: a document's `links` become OTLP span links, and
// span -> document -> span keeps them.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/otlp/span_mapper.h"
#include "daemon/otlp_export/segment_spans.h"

namespace xrayd::daemon::otlp_export {
namespace {

using nlohmann::json;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::trace::v1::Span;

std::string Bytes(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// The spans of `doc` (one document), in order.
std::vector<Span> Spans(const json& doc) {
  ExportRequest request;
  std::size_t count = 0;
  EXPECT_EQ(AppendDocument(doc.dump(), request, count), DocumentOutcome::kConverted);
  std::vector<Span> spans;
  for (const auto& rs : request.resource_spans()) {
    for (const auto& ss : rs.scope_spans()) {
      spans.assign(ss.spans().begin(), ss.spans().end());
    }
  }
  return spans;
}

json Segment(const json& extra) {
  json doc = {{"trace_id", "1-5759e988-bd862e3fe1be46a994272793"},
              {"id", "70de5b6f19ff9a0a"},
              {"name", "checkout"},
              {"start_time", 1478293361.271},
              {"end_time", 1478293361.449}};
  doc.update(extra);
  return doc;
}

TEST(SegmentLinksTest, LinksBecomeSpanLinksWithTypedAttributes) {
  json links = json::array(
      {{{"trace_id", "1-5759e988-bd862e3fe1be46a9942727ff"}, {"id", "1111111111111111"}},
       {{"trace_id", "ffffffff0123456789abcdef01234567"},  // The 32-hex form is accepted too.
        {"id", "2222222222222222"},
        {"attributes",
         {{"reason", "batch"},
          {"size", 3},
          {"ratio", 0.5},
          {"ok", true},
          {"tags", {"a", "b"}},
          {"nested", {{"k", 1}}},
          {"nothing", nullptr}}}}});
  std::vector<Span> spans = Spans(Segment({{"links", links}}));
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_EQ(spans[0].links_size(), 2);
  EXPECT_EQ(spans[0].links(0).trace_id(), Bytes("5759e988bd862e3fe1be46a9942727ff"));
  EXPECT_EQ(spans[0].links(0).span_id(), Bytes("1111111111111111"));
  EXPECT_EQ(spans[0].links(0).attributes_size(), 0);
  const auto& second = spans[0].links(1);
  EXPECT_EQ(second.trace_id(), Bytes("ffffffff0123456789abcdef01234567"));
  std::map<std::string, AnyValue> attrs;
  for (const auto& kv : second.attributes()) {
    attrs[kv.key()] = kv.value();
  }
  ASSERT_EQ(attrs.size(), 6u);  // null left out.
  EXPECT_EQ(attrs["reason"].string_value(), "batch");
  EXPECT_EQ(attrs["size"].int_value(), 3);
  EXPECT_DOUBLE_EQ(attrs["ratio"].double_value(), 0.5);
  EXPECT_TRUE(attrs["ok"].bool_value());
  ASSERT_EQ(attrs["tags"].array_value().values_size(), 2);
  EXPECT_EQ(attrs["tags"].array_value().values(1).string_value(), "b");
  ASSERT_EQ(attrs["nested"].kvlist_value().values_size(), 1);
  EXPECT_EQ(attrs["nested"].kvlist_value().values(0).key(), "k");
  EXPECT_EQ(attrs["nested"].kvlist_value().values(0).value().int_value(), 1);
}

TEST(SegmentLinksTest, InvalidLinksAreLeftOutAndEmbeddedSubsegmentsKeepTheirs) {
  json links = json::array(
      {{{"trace_id", "not-a-trace"}, {"id", "1111111111111111"}},
       {{"trace_id", "1-5759e988-bd862e3fe1be46a9942727ff"}, {"id", "xyz"}},
       "not an object",
       {{"trace_id", "1-5759e988-bd862e3fe1be46a9942727ff"}, {"id", "3333333333333333"}}});
  json child = {{"id", "0000000000000c01"},
                {"name", "child"},
                {"start_time", 1478293361.3},
                {"end_time", 1478293361.4},
                {"links", links}};
  std::vector<Span> spans = Spans(Segment({{"subsegments", {child}}, {"links", "wrong type"}}));
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].links_size(), 0);
  ASSERT_EQ(spans[1].links_size(), 1);
  EXPECT_EQ(spans[1].links(0).span_id(), Bytes("3333333333333333"));
}

TEST(SegmentLinksTest, SpanToDocumentToSpanKeepsLinks) {
  Span original;
  original.set_trace_id(Bytes("5759e988bd862e3fe1be46a994272793"));
  original.set_span_id(Bytes("53995c3f42cd8ad8"));
  original.set_kind(Span::SPAN_KIND_SERVER);
  original.set_name("op");
  original.set_start_time_unix_nano(1767225600000000000ull);
  original.set_end_time_unix_nano(1767225601500000000ull);
  auto* link = original.add_links();
  link->set_trace_id(Bytes("ffffffff0123456789abcdef01234567"));
  link->set_span_id(Bytes("2222222222222222"));
  auto* kv = link->add_attributes();
  kv->set_key("reason");
  kv->mutable_value()->set_string_value("retry");
  auto text = otlp::MapSpan(original, {}, {});
  ASSERT_TRUE(text) << text.error();
  std::vector<Span> spans = Spans(json::parse(*text));
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_EQ(spans[0].links_size(), 1);
  EXPECT_EQ(spans[0].links(0).SerializeAsString(), original.links(0).SerializeAsString());
}

}  // namespace
}  // namespace xrayd::daemon::otlp_export
