// libFuzzer target for OTLP/HTTP JSON bodies: DecodeJson, then every span through MapSpan and the
// segment document decoder (otlp_fuzz_check.h). Gzip is exercised first when the input starts with
// the gzip magic bytes.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/fuzz/otlp_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace otlp = xrayd::daemon::otlp;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string inflated;
  if (bytes.size() >= 2 && bytes[0] == '\x1f' && bytes[1] == '\x8b') {
    auto unzipped = otlp::Gunzip(bytes, 1u << 20);
    if (!unzipped) {
      return 0;
    }
    inflated = std::move(*unzipped);
    bytes = inflated;
  }
  auto request = otlp::DecodeJson(bytes);
  if (request) {
    otlp::fuzz::MapAndCheck(*request);
  } else if (request.error().message.empty()) {
    std::abort();
  }
  return 0;
}
