#pragma once
// Test helper: a DaemonConfig for an in-process Daemon that opens no listener at a default port.
// The OTLP listeners default to 127.0.0.1:4318 and :4317; tests never use them (another process, or
// another test running at the same time, may hold them). A test that wants one sets it.

#include "daemon/config.h"

namespace xrayd::testing_support {

inline daemon::DaemonConfig TestDaemonConfig() {
  daemon::DaemonConfig config;
  config.otlp_http.reset();
  config.otlp_grpc.reset();
  return config;
}

}  // namespace xrayd::testing_support
