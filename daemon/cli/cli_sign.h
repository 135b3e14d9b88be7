#pragma once
// `xrayd sign-request` (hidden, for tests): reads one JSON request on stdin, signs it with SigV4
// and prints the headers to add as a JSON object. Lets independent signers (the npm `aws4`
// package in tests/e2e/sigv4.test.js) check daemon/sigv4 on the real binary.
//
// Input: {"method","host","path","query","headers":[[name,value],...] or {name:value},
//         "body","access_key_id","secret_access_key","session_token","region","service",
//         "time": "2015-08-30T12:36:00Z" (or epoch seconds), "content_sha256": bool (default true)}
// Output: {"x-amz-date": ..., ["x-amz-security-token": ...,] ["x-amz-content-sha256": ...,]
//          "authorization": ...} and a newline.

#include <iosfwd>
#include <string>
#include <vector>

#include "proto/clock.h"

namespace xrayd::daemon {

// Returns 0 on success, 2 on bad input (reason on `err`). Without "time", signs at `clock`'s wall
// time.
int RunSignRequestCommand(std::istream& in, std::ostream& out, std::ostream& err,
                          const proto::Clock& clock = proto::SystemClock::Instance());

// Runs `xrayd sign-request <args>`: takes no arguments but --help (exit 0); others exit 2.
int RunSignRequestCommandLine(const std::vector<std::string>& args, std::istream& in,
                              std::ostream& out, std::ostream& err);

}  // namespace xrayd::daemon
