#pragma once
// Per-thread CPU priority. Linux applies nice to the calling thread alone, so background work
// (forwarding, summaries, queries) can yield the CPU to the UDP receivers and the storage writer:
// under CPU pressure the lower-priority work lags instead of ingest dropping datagrams.

namespace xrayd::daemon {

// Nice value of threads that answer queries (the API's HTTP threads, the console's tail); the
// forwarders run at 5 too, the summary worker at 10.
inline constexpr int kQueryThreadNice = 5;

// Raises the calling thread's nice value to `nice` (1..19); 0 or less does nothing. Failure (e.g.
// a seccomp profile refusing setpriority) leaves the default priority: never an error.
void LowerThisThreadPriority(int nice);

}  // namespace xrayd::daemon
