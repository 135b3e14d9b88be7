#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format (the repository's .clang-format, checked
# with Debian's clang-format 14) makes of it; prints the files that drift. Fix: scripts/check-format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "check-format: clang-format not found (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files '*.cc' '*.h' | grep -v '/node_modules/')
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  echo "check-format: formatted ${#files[@]} files"
  exit 0
fi
drift=()
for f in "${files[@]}"; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    drift+=("$f")
  fi
done
if ((${#drift[@]} > 0)); then
  echo "check-format: ${#drift[@]} files differ from clang-format (run scripts/check-format.sh --fix):"
  printf '  %s\n' "${drift[@]}"
  exit 1
fi
echo "check-format: ${#files[@]} files ok"
