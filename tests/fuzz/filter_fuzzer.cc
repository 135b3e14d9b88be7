// libFuzzer target for the filter parser: any input either fails cleanly or parses; a parsed
// filter must print to text that reparses to an equal tree and prints identically (fixed point).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "query/filter_parser.h"
#include "query/filter_printer.h"

namespace {

[[noreturn]] void Die(const char* what, std::string_view input, const std::string& printed) {
  std::fprintf(stderr, "filter_fuzzer: %s\ninput:   %.*s\nprinted: %s\n", what,
               static_cast<int>(input.size()), input.data(), printed.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // ParseFilter enforces kMaxFilterLength itself; a cap keeps the fuzzer fast on huge inputs.
  constexpr std::size_t kMaxInput = 4 * xrayd::query::kMaxFilterLength;
  if (size > kMaxInput) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  xrayd::Result<xrayd::query::FilterExpr> expr = xrayd::query::ParseFilter(input);
  if (!expr) {
    if (expr.error().code != xrayd::ErrorCode::kInvalidArgument || expr.error().message.empty()) {
      Die("parse failed without an invalid-argument message", input, expr.error().message);
    }
    return 0;
  }
  const std::string printed = xrayd::query::PrintFilter(*expr);
  xrayd::query::ParseOptions unlimited;
  unlimited.max_length = 0;  // Canonical text may be longer than the input.
  xrayd::Result<xrayd::query::FilterExpr> again = xrayd::query::ParseFilter(printed, unlimited);
  if (!again) {
    Die(("printed filter does not reparse: " + again.error().message).c_str(), input, printed);
  }
  if (!(*again == *expr)) {
    Die("reparsed filter differs", input, printed);
  }
  if (xrayd::query::PrintFilter(*again) != printed) {
    Die("printing is not a fixed point", input, printed);
  }
  return 0;
}
