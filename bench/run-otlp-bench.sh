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

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== build (Release) in $BUILD_DIR"
  cmake -S "$repo" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DXRAYD_BUILD_BENCH=ON \
    -DXRAYD_BUILD_TESTS=OFF -DXRAYD_WERROR=OFF >/dev/null
  if ! cmake --build "$BUILD_DIR" -j "$JOBS" --target xrayd otlp_loadgen \
    >"$BUILD_DIR/otlp-bench-build.log" 2>&1; then
    grep -E 'error|Error' "$BUILD_DIR/otlp-bench-build.log" | head -20 >&2
    exit 1
  fi
fi
xrayd="$BUILD_DIR/daemon/xrayd"
loadgen="$BUILD_DIR/bench/otlp_loadgen"

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/xrayd-otlp-bench.XXXXXX")"
log="$data_dir.log"
daemon_pid=""
cleanup() {
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -KILL "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$data_dir" "$log"
}
trap cleanup EXIT

"$xrayd" --offline --data-dir "$data_dir" -b 127.0.0.1:0 -t 127.0.0.1:0 \
  --otlp-http 127.0.0.1:0 --otlp-grpc off 2>"$log" &
daemon_pid=$!
tcp_port="" otlp_port=""
for _ in $(seq 150); do  # up to 15 s
  tcp_port="$(grep -oE 'tcp=127\.0\.0\.1:[0-9]+' "$log" | head -1 | cut -d: -f2 || true)"
  otlp_port="$(grep -oE 'otlp_http=127\.0\.0\.1:[0-9]+' "$log" | head -1 | cut -d: -f2 || true)"
  if [[ -n "$tcp_port" && -n "$otlp_port" ]] || ! kill -0 "$daemon_pid" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
if [[ -z "$tcp_port" || -z "$otlp_port" ]]; then
  echo "xrayd did not print its ports; log:" >&2
  cat "$log" >&2
  exit 1
fi
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
