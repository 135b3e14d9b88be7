#include "tests/daemon/otlp/otlp_test_support.h"

#include <zlib.h>

#include <stdexcept>

namespace xrayd::daemon::otlp::testing {

std::string Bytes(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

void AddString(KeyValues* list, const std::string& key, const std::string& value) {
  auto* kv = list->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

void AddInt(KeyValues* list, const std::string& key, std::int64_t value) {
  auto* kv = list->Add();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(value);
}

void AddDouble(KeyValues* list, const std::string& key, double value) {
  auto* kv = list->Add();
  kv->set_key(key);
  kv->mutable_value()->set_double_value(value);
}

void AddBool(KeyValues* list, const std::string& key, bool value) {
  auto* kv = list->Add();
  kv->set_key(key);
  kv->mutable_value()->set_bool_value(value);
}

void AddStrings(KeyValues* list, const std::string& key,
                std::initializer_list<std::string> values) {
  auto* kv = list->Add();
  kv->set_key(key);
  for (const std::string& v : values) {
    kv->mutable_value()->mutable_array_value()->add_values()->set_string_value(v);
  }
}

SpanProto MakeSpan(SpanProto::SpanKind kind, std::string_view parent_hex) {
  SpanProto span;
  span.set_trace_id(Bytes("5759e988bd862e3fe1be46a994272793"));
  span.set_span_id(Bytes("53995c3f42cd8ad8"));
  if (!parent_hex.empty()) {
    span.set_parent_span_id(Bytes(parent_hex));
  }
  span.set_name("op");
  span.set_kind(kind);
  span.set_start_time_unix_nano(1767225600000000000ull);
  span.set_end_time_unix_nano(1767225601500000000ull);
  return span;
}

RequestProto MakeRequest(const SpanProto& span, const std::string& service) {
  RequestProto request;
  auto* rs = request.add_resource_spans();
  AddString(rs->mutable_resource()->mutable_attributes(), "service.name", service);
  *rs->add_scope_spans()->add_spans() = span;
  return request;
}

std::string Gzip(std::string_view bytes) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  std::string out(deflateBound(&stream, bytes.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  if (deflate(&stream, Z_FINISH) != Z_STREAM_END) {
    throw std::runtime_error("deflate");
  }
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace xrayd::daemon::otlp::testing
