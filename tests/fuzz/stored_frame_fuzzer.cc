// libFuzzer target for the stored forms of documents (storage/document_codec.h,
// storage/field_elision.h). Each input is read twice:
//  - as a stored blob, decoded with fixed row values: any result, never a crash;
//  - when it starts as JSON text can ('{' or JSON whitespace; a stored document is JSON), as a
//    document's text, stored with those row values and decoded: it must come back byte for byte
//    (a difference aborts). Inputs that hold the values' renderings (see the corpus) make the
//    store leave them out.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "storage/document_codec.h"
#include "storage/document_ids.h"

namespace {

xrayd::storage::RowFields FixedFields() {
  xrayd::storage::RowFields fields;
  (void)xrayd::storage::ParseTraceId("1-5759e988-bd862e3fe1be46a994272793", fields.key.trace);
  (void)xrayd::storage::ParseId("70de5b6f19ff9a0a", fields.key.id);
  std::int64_t parent = 0;
  (void)xrayd::storage::ParseId("53995c3f42cd8ad8", parent);
  fields.key.parent_id = parent;
  fields.start_time = 1496246419.1234;
  fields.end_time = 1496246419.4715;
  return fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const xrayd::storage::RowFields fields = FixedFields();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)xrayd::storage::DecodeDocument(input, &fields);
  if (input.empty() || std::string_view("{ \t\r\n").find(input.front()) == std::string_view::npos) {
    return 0;
  }

  const std::string stored = xrayd::storage::EncodeDocument(input, &fields);
  const auto decoded = xrayd::storage::DecodeDocument(stored, &fields);
  if (!decoded || *decoded != input) {
    std::fprintf(stderr, "stored form does not read back: %s\n",
                 decoded ? "different text" : decoded.error().message.c_str());
    std::abort();
  }
  return 0;
}
