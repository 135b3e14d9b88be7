#pragma once
// `xrayd health`: asks a running daemon's GET /healthz over its TCP address and turns the answer
// into an exit code, for container HEALTHCHECKs that have no shell or curl.

#include <iosfwd>
#include <string>
#include <vector>

namespace xrayd::daemon {

// Runs `xrayd health [-t HOST:PORT] [--timeout SECONDS]`. Returns 0 if the daemon answered 200,
// 1 if it is unreachable or unhealthy (reason on `err`), 2 on usage errors.
int RunHealthCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace xrayd::daemon
