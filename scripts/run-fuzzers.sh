#!/usr/bin/env bash
# Runs every libFuzzer binary built in BUILD_DIR/tests/fuzz for SECONDS each, against a scratch
# copy of its corpus (tests/fuzz/corpus/<name>/), so new inputs never land in the repository.
# Fails if any fuzzer crashes, leaks or times out; crash inputs are kept in the scratch directory
# (printed at the end) to be minimized (-minimize_crash=1) and committed as crash-<issue>.
# Usage: scripts/run-fuzzers.sh BUILD_DIR SECONDS
# Build: cmake -DCMAKE_CXX_COMPILER=clang++ -DXRAYD_BUILD_FUZZERS=ON ... && cmake --build . --target fuzzers
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build_dir=$1
seconds=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
fuzz_dir=$build_dir/tests/fuzz

shopt -s nullglob
fuzzers=()
for bin in "$fuzz_dir"/*_fuzzer; do
  [[ -x $bin && -f $bin ]] && fuzzers+=("$bin")
done
if [[ ${#fuzzers[@]} -eq 0 ]]; then
  echo "no fuzzers in $fuzz_dir (configure with -DXRAYD_BUILD_FUZZERS=ON, build target 'fuzzers')" >&2
  exit 2
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/xrayd-fuzz.XXXXXX")
failed=0
for bin in "${fuzzers[@]}"; do
  name=$(basename "$bin" _fuzzer)
  corpus=$scratch/$name/corpus
  artifacts=$scratch/$name/artifacts/
  mkdir -p "$corpus" "$artifacts"
  if [[ -d $repo/tests/fuzz/corpus/$name ]]; then
    cp -R "$repo/tests/fuzz/corpus/$name/." "$corpus/"
  fi
  echo "== $name: ${seconds}s, corpus copy in $corpus"
  if ! "$bin" -max_total_time="$seconds" -max_len=65507 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" \
      >"$scratch/$name/log" 2>&1; then
    echo "FAIL: $name crashed; log: $scratch/$name/log; inputs:" >&2
    ls "$artifacts" >&2 || true
    tail -n 40 "$scratch/$name/log" >&2
    failed=1
  else
    grep -E '^stat::(number_of_executed_units|new_units_added)' "$scratch/$name/log" || true
  fi
done

if [[ $failed -ne 0 ]]; then
  echo "fuzzing failed; scratch kept in $scratch" >&2
  exit 1
fi
rm -rf "$scratch"
echo "all fuzzers ran ${seconds}s without crashing"
