#!/usr/bin/env bash
# Forwarding benchmark: xrayd stores every document locally AND forwards it to a fake
# X-Ray endpoint on loopback (bench/fake_xray_server: PutTraceSegments answered 200 after checking
# the SigV4 signature). loadgen sends RATE docs/s for DURATION s; then the script waits until the
# fake has accepted as many documents as xrayd stored and reports the forwarding lag, the rate and
# the daemon's CPU per segment (storage + forwarding). Loopback only.
#   RATE=50000 DURATION=30 BUILD_DIR=build-bench JOBS=2 bench/run-forward-bench.sh [loadgen args...]
# FAKE_ARGS="--no-verify" skips signature checks in the fake (the fake's CPU is not the daemon's);
# FAKE_NICE=N runs the fake at nice N (on a small machine the fake competes with xrayd for CPU).
# The report ends with the end-to-end loss (sent - accepted by the fake) and the CPU split between
# loadgen, the fake endpoint and xrayd, which share the machine's cores in this benchmark.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RATE="${RATE:-50000}"
DURATION="${DURATION:-30}"
BUILD_DIR="${BUILD_DIR:-$repo/build-bench}"
JOBS="${JOBS:-2}"
FAKE_ARGS="${FAKE_ARGS:-}"
FAKE_NICE="${FAKE_NICE:-0}"  # e.g. 10: the endpoint yields the CPU to xrayd, as a remote one would.

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== build (Release) in $BUILD_DIR"
  cmake -S "$repo" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DXRAYD_BUILD_BENCH=ON \
    -DXRAYD_BUILD_TESTS=OFF -DXRAYD_WERROR=OFF >/dev/null
  if ! cmake --build "$BUILD_DIR" -j "$JOBS" --target xrayd loadgen fake_xray_server \
      >"$BUILD_DIR/bench-build.log" 2>&1; then
    grep -E 'error|Error' "$BUILD_DIR/bench-build.log" | head -20 >&2
    echo "build failed, full log: $BUILD_DIR/bench-build.log" >&2
    exit 1
  fi
fi
xrayd="$BUILD_DIR/daemon/xrayd"
loadgen="$BUILD_DIR/bench/loadgen"
fake="$BUILD_DIR/bench/fake_xray_server"

work="$(mktemp -d "${TMPDIR:-/tmp}/xrayd-fwd-bench.XXXXXX")"
daemon_pid="" fake_pid=""
cleanup() {
  for pid in "$daemon_pid" "$fake_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  if [[ "${KEEP_DATA:-0}" != 1 ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

# shellcheck disable=SC2086
nice -n "$FAKE_NICE" "$fake" $FAKE_ARGS >"$work/fake.out" 2>&1 &
fake_pid=$!
fake_port=""
for _ in $(seq 100); do
  fake_port="$(grep -oE '^port [0-9]+' "$work/fake.out" | head -1 | cut -d' ' -f2 || true)"
  [[ -n "$fake_port" ]] && break
  sleep 0.1
done
[[ -n "$fake_port" ]] || { echo "fake endpoint did not start" >&2; exit 1; }
echo "fake X-Ray endpoint http://127.0.0.1:$fake_port (pid $fake_pid)"

export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_EC2_METADATA_DISABLED=true
"$xrayd" --data-dir "$work/data" -b 127.0.0.1:0 -t 127.0.0.1:0 -n us-east-1 \
  --endpoint "http://127.0.0.1:$fake_port" 2>"$work/xrayd.log" &
daemon_pid=$!
udp_port="" tcp_port=""
for _ in $(seq 150); do
  udp_port="$(grep -oE 'udp=127\.0\.0\.1:[0-9]+' "$work/xrayd.log" | head -1 | cut -d: -f2 || true)"
  tcp_port="$(grep -oE 'tcp=127\.0\.0\.1:[0-9]+' "$work/xrayd.log" | head -1 | cut -d: -f2 || true)"
  [[ -n "$udp_port" && -n "$tcp_port" ]] && break
  sleep 0.1
done
[[ -n "$udp_port" ]] || { cat "$work/xrayd.log" >&2; exit 1; }
grep -o 'mode=.*' "$work/xrayd.log" | head -1

cpu_of() {  # utime+stime of a live process, in seconds
  awk -v c="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / c}' "/proc/$1/stat"
}
children_cpu() {  # children_cpu VAR: user+sys of this shell's reaped children, in seconds
  times >"$work/times.txt"  # In this shell: a subshell ($(...)) would see its own children only.
  printf -v "$1" '%s' "$(tail -1 "$work/times.txt" | awk '{
    t = 0
    for (i = 1; i <= 2; ++i) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
    printf "%.2f", t }')"
}
echo "== loadgen: $RATE docs/s for $DURATION s"
status=0
children_cpu loadgen_cpu_before
"$loadgen" --target "127.0.0.1:$udp_port" --metrics "http://127.0.0.1:$tcp_port/metrics" \
  --pid "$daemon_pid" --rate "$RATE" --duration "$DURATION" "$@" | tee "$work/loadgen.out" || status=$?
sent_end_ms=$(($(date +%s%N) / 1000000))
children_cpu loadgen_cpu_after
loadgen_cpu=$(awk -v a="$loadgen_cpu_before" -v b="$loadgen_cpu_after" 'BEGIN {printf "%.2f", b - a}')
sent="$(tail -1 "$work/loadgen.out" | grep -oE '"sent":[0-9]+' | cut -d: -f2 || true)"

metric() { curl -s "http://127.0.0.1:$tcp_port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
stored="$(metric xrayd_segments_stored_total)"
echo "== waiting until the fake accepted $stored documents"
accepted=0
for _ in $(seq 1200); do  # up to 120 s
  accepted="$(tail -1 "$work/fake.out" | awk '{print $2}')"
  [[ "$accepted" -ge "$stored" ]] && break
  sleep 0.1
done
lag_ms=$(($(date +%s%N) / 1000000 - sent_end_ms))
clk=$(getconf CLK_TCK)
read -r utime stime < <(awk '{print $14, $15}' "/proc/$daemon_pid/stat")
cpu_s=$(awk -v u="$utime" -v s="$stime" -v c="$clk" 'BEGIN {printf "%.2f", (u + s) / c}')
echo "fake       $(tail -1 "$work/fake.out")"
echo "forwarded  $(metric xrayd_forward_segments_total) (xrayd_forward_segments_total), stored $stored," \
  "unprocessed $(metric xrayd_forward_unprocessed_total), dropped $(metric xrayd_forward_dropped_total)," \
  "requests $(metric xrayd_forward_requests_total), retries $(metric xrayd_forward_retries_total)"
echo "lag        all stored documents accepted by the fake ${lag_ms} ms after loadgen finished"
echo "daemon cpu ${cpu_s} s total = $(awk -v c="$cpu_s" -v n="$stored" 'BEGIN {printf "%.1f", c * 1e6 / n}') us per stored+forwarded segment"
fake_cpu="$(cpu_of "$fake_pid")"
echo "cpu split  xrayd ${cpu_s} s, fake endpoint ${fake_cpu} s, loadgen ${loadgen_cpu} s" \
  "(sending + wait, $(nproc) cores)"
if [[ -n "$sent" ]]; then
  echo "end to end sent $sent, stored $stored, accepted by the fake $accepted:" \
    "lost $((sent - accepted)) ($(awk -v l=$((sent - accepted)) -v s="$sent" \
    'BEGIN {printf "%.3f", (s > 0) ? l * 100 / s : 0}')%)"
fi
if [[ "$accepted" -lt "$stored" ]]; then
  echo "LOSS: the fake accepted $accepted of $stored stored documents" >&2
  status=1
fi
kill -TERM "$daemon_pid"; wait "$daemon_pid" || true; daemon_pid=""
exit "$status"
