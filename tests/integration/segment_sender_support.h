#pragma once
// Test helper: segment documents sent over UDP to a daemon started by the test, with trace ids of
// the current second.

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/integration/daemon_process_support.h"

namespace xrayd::testing_support {

inline double Now() {
  return static_cast<double>(std::time(nullptr));
}

// A trace id of now whose last 24 hex digits end with `n`.
inline std::string TraceId(int n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "1-%08lx-%024x", static_cast<unsigned long>(std::time(nullptr)),
                n);
  return buf;
}

// `doc` as one daemon-protocol datagram (header line, then the JSON).
inline void SendDocument(std::uint16_t port, const nlohmann::json& doc) {
  SendUdp(port, "{\"format\":\"json\",\"version\":1}\n" + doc.dump());
}

}  // namespace xrayd::testing_support
