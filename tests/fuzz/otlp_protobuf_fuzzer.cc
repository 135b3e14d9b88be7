// libFuzzer target for OTLP/HTTP protobuf bodies: DecodeProtobuf, then every span through MapSpan
// and the segment document decoder (otlp_fuzz_check.h).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/fuzz/otlp_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace otlp = xrayd::daemon::otlp;
  auto request = otlp::DecodeProtobuf(std::string_view(reinterpret_cast<const char*>(data), size));
  if (request) {
    otlp::fuzz::MapAndCheck(*request);
  }
  return 0;
}
