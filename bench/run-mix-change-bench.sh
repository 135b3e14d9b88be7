#!/usr/bin/env bash
# Compression when the documents change: builds xrayd, loadgen and otlp_loadgen (Release), starts
# xrayd on free loopback ports with a temporary data dir, sends SDK_DOCS single-segment X-Ray
# documents over UDP (the store trains its dictionary on these), then BATCHES requests of BATCH
# OpenTelemetry spans over OTLP/HTTP (stored as segment documents of another shape), stops the
# daemon and reports the dictionaries the store holds and the bytes stored per byte of JSON: for
# all span documents, and for the last LAST of them (what the store settles at). See
# bench/README.md.
#   SDK_DOCS=20000 BATCHES=120 BATCH=512 LAST=20000 BUILD_DIR=build-bench bench/run-mix-change-bench.sh
# SKIP_BUILD=1 uses what BUILD_DIR already holds (whatever its build type).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SDK_DOCS="${SDK_DOCS:-20000}"
BATCHES="${BATCHES:-120}"
BATCH="${BATCH:-512}"
LAST="${LAST:-20000}"
BUILD_DIR="${BUILD_DIR:-$repo/build-bench}"
JOBS="${JOBS:-2}"

source "$repo/bench/bench-lib.sh"

bench_build "$BUILD_DIR" "$JOBS" xrayd loadgen otlp_loadgen
xrayd="$BUILD_DIR/daemon/xrayd"

bench_data_dir xrayd-mix-bench

"$xrayd" --offline --data-dir "$data_dir" -b 127.0.0.1:0 -t 127.0.0.1:0 \
  --otlp-http 127.0.0.1:0 --otlp-grpc off 2>"$log" &
daemon_pid=$!
bench_wait_ports "$daemon_pid" "$log" udp tcp otlp_http
echo "== xrayd pid $daemon_pid: $SDK_DOCS SDK documents, then $BATCHES x $BATCH spans"
rate=10000
"$BUILD_DIR/bench/loadgen" --target "127.0.0.1:$udp_port" \
  --metrics "http://127.0.0.1:$tcp_port/metrics" --rate "$rate" \
  --duration "$(awk -v n="$SDK_DOCS" -v r="$rate" 'BEGIN { print n / r }')" \
  --single-segment --seed 7 --expect-zero-loss >"$data_dir.loadgen"
grep -E '^(sent|lost)' "$data_dir.loadgen"
sent="$(awk '/^sent/ { print $2 }' "$data_dir.loadgen")"
"$BUILD_DIR/bench/otlp_loadgen" --port "$otlp_http_port" --metrics-port "$tcp_port" \
  --pid "$daemon_pid" --batches "$BATCHES" --batch "$BATCH" | grep -vE '^\{'
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""

sdk="$(sqlite3 "$data_dir/traces.db" \
  "SELECT max(seq) FROM (SELECT seq FROM documents ORDER BY seq LIMIT $sent)")"
sqlite3 -separator ' ' "$data_dir/traces.db" <<SQL
SELECT 'dictionaries', count(*) FROM zstd_dictionaries;
SELECT 'span documents', count(*), 'stored per JSON byte',
       round(1.0 * sum(length(raw)) / sum(bytes), 3) FROM documents WHERE seq > $sdk;
SELECT 'last', count(*), 'stored per JSON byte', round(1.0 * sum(length(raw)) / sum(bytes), 3)
FROM (SELECT raw, bytes FROM documents ORDER BY seq DESC LIMIT $LAST);
SQL
echo "data dir $(du -sb "$data_dir" | cut -f1) bytes"
