#pragma once
// `xrayd capture [options] [ASSERTION...] -- COMMAND [ARGS...]`: runs COMMAND against
// a private xrayd on free loopback ports with a temporary store, waits until segments stop
// arriving, writes the captured traces and checks assertions (daemon/trace_assertions.h).
//
// COMMAND gets AWS_XRAY_DAEMON_ADDRESS="udp:127.0.0.1:U tcp:127.0.0.1:T" (segments and
// centralized sampling), AWS_ENDPOINT_URL_XRAY="http://127.0.0.1:T" (X-Ray API clients) and
// AWS_ENDPOINT_URL_CLOUDWATCH="http://127.0.0.1:T" (alarms, docs/alarms.md). --alarm-fired NAME
// and --no-alarm NAME check whether CloudWatch alarm NAME went to ALARM during the run.
// [local] The private daemon's Default sampling rule samples every request (FixedRate 1): a
// capture keeps everything the SDK would send.
// Exit status: COMMAND's when it failed (128+N when killed by signal N, 127 when it could not be
// started), else 1 if an assertion failed, else 0; 2 for usage errors or when the private daemon
// could not run.

#include <iosfwd>
#include <string>
#include <vector>

#include "daemon/config.h"
#include "proto/clock.h"

namespace xrayd::daemon {

// `clock` times the capture window, the quiet period and --timeout; it must outlive the call
// (the waits between checks stay in real time).
int RunCaptureCommand(const std::vector<std::string>& args, const Environment& env,
                      std::ostream& out, std::ostream& err,
                      const proto::Clock& clock = proto::SystemClock::Instance());

}  // namespace xrayd::daemon
