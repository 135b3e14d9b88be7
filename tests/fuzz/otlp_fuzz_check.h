#pragma once
// Shared by the OTLP fuzz targets: maps every span of a decoded request (links and the local-root
// split included) and checks that each mapped document is one the UDP decoder accepts (only an
// oversize document may be refused: a span's attributes can exceed the 64 KiB document limit).

#include <cstdlib>

#include "daemon/otlp/otlp_decode.h"
#include "daemon/otlp/span_mapper.h"
#include "proto/document_decoder.h"

namespace xrayd::daemon::otlp::fuzz {

inline void MapAndCheck(const ExportRequest& request) {
  static proto::DocumentDecoder decoder;
  MappingOptions options;
  options.index_all = true;
  for (const auto& resource_spans : request.resource_spans()) {
    for (const auto& scope_spans : resource_spans.scope_spans()) {
      for (const auto& span : scope_spans.spans()) {
        auto texts = MapSpanDocuments(span, resource_spans.resource(), options);
        if (!texts) {
          continue;
        }
        for (const std::string& text : *texts) {
          auto docs = decoder.Decode(text);
          if (!docs && docs.error().reason != proto::RejectReason::kOversize) {
            std::abort();
          }
        }
      }
    }
  }
}

}  // namespace xrayd::daemon::otlp::fuzz
