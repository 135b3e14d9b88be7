#!/usr/bin/env bash
# Ingest benchmark: builds xrayd and loadgen (Release), starts xrayd on free loopback ports with a
# temporary data dir, runs loadgen at RATE docs/s for DURATION s, prints its report, stops the
# daemon (SIGTERM) and reports the final database size. See bench/README.md.
#   RATE=50000 DURATION=30 BUILD_DIR=build-bench JOBS=2 bench/run-ingest-bench.sh [loadgen args...]
# Extra arguments go to loadgen (e.g. --expect-zero-loss, --seed 7, --single-segment). KEEP_DATA=1
# keeps the data dir; SKIP_BUILD=1 uses BUILD_DIR as it is; XRAYD_ARGS adds daemon flags (e.g.
# XRAYD_ARGS="-m 64"), split on spaces. Reports: loss, daemon CPU per document
# counted until the daemon is idle, peak RSS, and bytes on disk per byte sent.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RATE="${RATE:-50000}"
DURATION="${DURATION:-30}"
BUILD_DIR="${BUILD_DIR:-$repo/build-bench}"
JOBS="${JOBS:-2}"

source "$repo/bench/bench-lib.sh"
bench_build "$BUILD_DIR" "$JOBS" xrayd loadgen
xrayd="$BUILD_DIR/daemon/xrayd"
loadgen="$BUILD_DIR/bench/loadgen"

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/xrayd-bench.XXXXXX")"
log="$data_dir.log"
daemon_pid=""
cleanup() {
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -KILL "$daemon_pid" 2>/dev/null || true
  fi
  if [[ "${KEEP_DATA:-0}" != 1 ]]; then
    rm -rf "$data_dir" "$log"
  else
    echo "kept data dir $data_dir and log $log"
  fi
}
trap cleanup EXIT

echo "== start xrayd (data dir $data_dir)"
# shellcheck disable=SC2086 # XRAYD_ARGS is a list of flags.
"$xrayd" --offline --data-dir "$data_dir" -b 127.0.0.1:0 -t 127.0.0.1:0 ${XRAYD_ARGS:-} 2>"$log" &
daemon_pid=$!
bench_wait_ports "$daemon_pid" "$log" udp tcp
echo "xrayd pid $daemon_pid udp=127.0.0.1:$udp_port tcp=127.0.0.1:$tcp_port"

echo "== loadgen: $RATE docs/s for $DURATION s"
status=0
report="$data_dir.report"
"$loadgen" --target "127.0.0.1:$udp_port" --metrics "http://127.0.0.1:$tcp_port/metrics" \
  --pid "$daemon_pid" --rate "$RATE" --duration "$DURATION" "$@" | tee "$report" || status=$?

echo "== stop xrayd (SIGTERM)"
stop_start_ms=$(($(date +%s%N) / 1000000))
kill -TERM "$daemon_pid"
daemon_status=0
wait "$daemon_pid" || daemon_status=$?
daemon_pid=""
echo "xrayd exited $daemon_status after $(($(date +%s%N) / 1000000 - stop_start_ms)) ms"
if [[ "$daemon_status" -ne 0 ]]; then
  echo "--- xrayd log (tail) ---"; tail -20 "$log"
  status=1
fi

echo "== database size"
du -sh "$data_dir" | sed "s|$data_dir|(data dir)|"
find "$data_dir" -type f -printf '%10s  %P\n' | sort -k2
# Bytes on disk (every file of the data dir after a clean stop) per byte of datagrams received.
disk_bytes="$(find "$data_dir" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')"
sent_bytes="$(grep -oE '"bytes":[0-9]+' "$report" | head -1 | cut -d: -f2 || true)"
if [[ -n "$sent_bytes" && "$sent_bytes" -gt 0 ]]; then
  awk -v d="$disk_bytes" -v s="$sent_bytes" \
    'BEGIN { printf "disk       %d bytes for %d bytes sent = %.2f bytes on disk per byte\n", d, s, d / s }'
fi
rm -f "$report"
exit "$status"
