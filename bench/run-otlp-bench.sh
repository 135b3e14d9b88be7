#!/usr/bin/env bash
# OTLP/HTTP benchmark: builds xrayd and otlp_loadgen (Release), starts xrayd on free loopback ports
# with a temporary data dir and its --otlp-http listener, sends BATCHES requests of BATCH spans
# (protobuf) and reports spans/s until all are stored and the daemon's CPU per span; stops the
# daemon (SIGTERM, must exit 0). See bench/README.md.
#   BATCHES=400 BATCH=512 BUILD_DIR=build-bench JOBS=2 bench/run-otlp-bench.sh
# SKIP_BUILD=1 uses what BUILD_DIR already holds (whatever its build type).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BATCHES="${BATCHES:-400}"
BATCH="${BATCH:-512}"
BUILD_DIR="${BUILD_DIR:-$repo/build-bench}"
JOBS="${JOBS:-2}"

source "$repo/bench/bench-lib.sh"
bench_build "$BUILD_DIR" "$JOBS" xrayd otlp_loadgen
xrayd="$BUILD_DIR/daemon/xrayd"
loadgen="$BUILD_DIR/bench/otlp_loadgen"

bench_data_dir xrayd-otlp-bench

"$xrayd" --offline --data-dir "$data_dir" -b 127.0.0.1:0 -t 127.0.0.1:0 \
  --otlp-http 127.0.0.1:0 --otlp-grpc off 2>"$log" &
daemon_pid=$!
bench_wait_ports "$daemon_pid" "$log" tcp otlp_http
otlp_port="$otlp_http_port"
echo "== xrayd pid $daemon_pid otlp_http=127.0.0.1:$otlp_port; $BATCHES x $BATCH spans"
status=0
"$loadgen" --port "$otlp_port" --metrics-port "$tcp_port" --pid "$daemon_pid" \
  --batches "$BATCHES" --batch "$BATCH" || status=$?
kill -TERM "$daemon_pid"
daemon_status=0
wait "$daemon_pid" || daemon_status=$?
daemon_pid=""
echo "xrayd exited $daemon_status"
[[ "$daemon_status" -eq 0 ]] || status=1
exit "$status"
