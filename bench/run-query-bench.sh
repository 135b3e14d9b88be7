#!/usr/bin/env bash
# Queries during ingest: xrayd (Release) on free loopback ports with a temporary data dir; loadgen
# first stores PREFILL single-segment traces, then sends RATE docs/s for DURATION s while one client
# runs GetTraceSummaries back to back (FILTER over the last 10 minutes, first page). Reports the
# documents lost and the queries' latency (p50, p90, max, count). Loopback only. See bench/README.md.
#   RATE=30000 DURATION=30 PREFILL=900000 BUILD_DIR=build-bench bench/run-query-bench.sh
# The client is curl, 20 queries per process and connection, one after the other. XRAYD_ARGS adds
# daemon flags (e.g. XRAYD_ARGS="-m 64"), split on spaces.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RATE="${RATE:-30000}"
DURATION="${DURATION:-30}"
PREFILL="${PREFILL:-900000}"
PREFILL_RATE="${PREFILL_RATE:-30000}"
FILTER="${FILTER:-annotation.customer_tier = \\\"v7\\\" AND responsetime > 0.1}"
BUILD_DIR="${BUILD_DIR:-$repo/build-bench}"
JOBS="${JOBS:-2}"

source "$repo/bench/bench-lib.sh"
bench_build "$BUILD_DIR" "$JOBS" xrayd loadgen
xrayd="$BUILD_DIR/daemon/xrayd"
loadgen="$BUILD_DIR/bench/loadgen"

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/xrayd-query-bench.XXXXXX")"
log="$data_dir.log"
latencies="$data_dir.latencies"
daemon_pid="" query_pid=""
cleanup() {
  [[ -n "$query_pid" ]] && kill "$query_pid" 2>/dev/null || true
  [[ -n "$daemon_pid" ]] && kill -KILL "$daemon_pid" 2>/dev/null || true
  rm -rf "$data_dir" "$log" "$latencies" "$data_dir.requests" "$data_dir.body" "$data_dir.stop"
}
trap cleanup EXIT

# shellcheck disable=SC2086 # XRAYD_ARGS is a list of flags.
"$xrayd" --offline --data-dir "$data_dir" -b 127.0.0.1:0 -t 127.0.0.1:0 ${XRAYD_ARGS:-} 2>"$log" &
daemon_pid=$!
bench_wait_ports "$daemon_pid" "$log" udp tcp
metrics="http://127.0.0.1:$tcp_port/metrics"

if [[ "$PREFILL" -gt 0 ]]; then
  echo "== prefill: $PREFILL single-segment traces at $PREFILL_RATE/s"
  "$loadgen" --target "127.0.0.1:$udp_port" --metrics "$metrics" --pid "$daemon_pid" \
    --rate "$PREFILL_RATE" --duration "$(awk -v n="$PREFILL" -v r="$PREFILL_RATE" 'BEGIN { print n / r }')" \
    --single-segment --seed 1 | grep -E '^(sent|lost)'
fi

echo "== queries back to back: $FILTER"
# A curl process sends 20 queries over one kept-alive connection, one after the other, then the
# next takes over: the client costs little CPU. The window covers the whole run. The client stops
# after the batch it is in when sending ends (curl writes its lines when it exits).
now="$(date +%s)"
printf '{"StartTime": %d, "EndTime": %d, "FilterExpression": "%s"}' \
  "$((now - 600))" "$((now + DURATION + 600))" "$FILTER" >"$data_dir.body"
requests="$data_dir.requests"
for i in $(seq 20); do
  [[ "$i" -gt 1 ]] && echo next
  printf 'url = "http://127.0.0.1:%s/TraceSummaries"\nrequest = "POST"\nheader = "Content-Type: application/json"\ndata = "@%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code} %%{time_total}\\n"\n' \
    "$tcp_port" "$data_dir.body"
done >"$requests"
stop="$data_dir.stop"
(while [[ ! -e "$stop" ]]; do curl -s -K "$requests"; done >"$latencies") &
query_pid=$!

echo "== loadgen: $RATE docs/s for $DURATION s (single-segment traces)"
"$loadgen" --target "127.0.0.1:$udp_port" --metrics "$metrics" --pid "$daemon_pid" \
  --rate "$RATE" --duration "$DURATION" --single-segment --seed 2 --idle-timeout 1 | grep -E '^(sent|daemon|lost|drain)'
touch "$stop"
wait "$query_pid" || true
query_pid=""

echo "== query latency while ingesting"
awk '$1 != 200 { bad++ } $1 == 200 { print $2 }' "$latencies" | sort -n | awk '
  { v[NR] = $1 }
  END {
    if (NR == 0) { print "no successful query"; exit 1 }
    printf "queries    %d answered 200; p50 %.0f ms, p90 %.0f ms, max %.0f ms\n",
      NR, v[int(NR * 0.5 + 0.5)] * 1000, v[int(NR * 0.9 + 0.5)] * 1000, v[NR] * 1000
  }'
awk '$1 != 200 { bad++ } END { if (bad) printf "queries    %d did not answer 200\n", bad }' "$latencies"
