# Sourced by the bench scripts: the Release build of the bench targets and starting xrayd on free
# loopback ports. Needs `set -euo pipefail` in the caller.

# bench_build BUILD_DIR JOBS TARGET...: configures BUILD_DIR as a Release build with the benches
# and builds TARGETs (nothing when SKIP_BUILD=1: BUILD_DIR is used as it is). On failure prints the
# errors and exits.
bench_build() {
  local dir="$1" jobs="$2"
  shift 2
  if [[ "${SKIP_BUILD:-0}" == 1 ]]; then
    return
  fi
  echo "== build (Release) in $dir"
  # XRAYD_WERROR=OFF: gcc 12 -O3 has -Wrestrict false positives.
  cmake -S "$repo" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DXRAYD_BUILD_BENCH=ON \
    -DXRAYD_BUILD_TESTS=OFF -DXRAYD_WERROR=OFF >/dev/null
  if ! cmake --build "$dir" -j "$jobs" --target "$@" >"$dir/bench-build.log" 2>&1; then
    grep -E 'error|Error' "$dir/bench-build.log" | head -20 >&2
    echo "build failed, full log: $dir/bench-build.log" >&2
    exit 1
  fi
}

# bench_wait_ports PID LOG NAME...: waits up to 15 s until the xrayd of PID has printed the port of
# every NAME (udp, tcp, otlp_http) in LOG, and sets the variable NAME_port for each. Exits with the
# log if it does not.
bench_wait_ports() {
  local pid="$1" log="$2" name missing
  shift 2
  for _ in $(seq 150); do
    missing=0
    for name in "$@"; do
      printf -v "${name}_port" '%s' \
        "$(grep -oE "$name=127\.0\.0\.1:[0-9]+" "$log" | head -1 | cut -d: -f2 || true)"
      local var="${name}_port"
      [[ -n "${!var}" ]] || missing=1
    done
    if [[ "$missing" == 0 ]] || ! kill -0 "$pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  if [[ "$missing" != 0 ]]; then
    echo "xrayd did not print its ports; log:" >&2
    cat "$log" >&2
    exit 1
  fi
}

# bench_data_dir NAME: makes a temporary data dir for xrayd (sets data_dir, log = its log path and
# daemon_pid = "") and, on exit, kills the daemon of daemon_pid if it still runs and removes the
# data dir, the log and any "$data_dir".* file the script made.
bench_data_dir() {
  data_dir="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  log="$data_dir.log"
  daemon_pid=""
  trap bench_cleanup EXIT
}

bench_cleanup() {
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -KILL "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$data_dir" "$data_dir".*
}
