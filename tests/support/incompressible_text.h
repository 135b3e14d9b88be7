#pragma once
// Test helper: text that compression cannot shrink much (pseudo-random base64 digits), for tests
// that need documents to take about their JSON size on disk (storage/document_codec.h compresses
// them).

#include <cstddef>
#include <cstdint>
#include <string>

namespace xrayd::testing_support {

// `size` base64 digits from a 64-bit LCG seeded with `seed`: deterministic, 6 bits of entropy per
// byte, so zstd keeps about three quarters of it. Safe inside a JSON string.
inline std::string IncompressibleText(std::size_t size, std::uint64_t seed = 1) {
  std::string text(size, '0');
  std::uint64_t state = seed;
  for (char& c : text) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    c = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[state >> 58];
  }
  return text;
}

}  // namespace xrayd::testing_support
