#!/usr/bin/env bash
# Lists the longest C++ function definitions, longest first: "lines  file:line  name".
# Usage: scripts/longest-functions.sh [-n COUNT] [-m MIN_LINES] [PATH...]
# PATHs default to every tracked .cc/.h file of the repository. Lengths count lines from the
# definition's first line to its closing brace, as Universal Ctags reports them (its "end" field,
# found by brace matching, not by a compiler). Lambdas are not listed on their own: their lines
# count in the function that holds them.
set -euo pipefail

count=10
min_lines=1
while getopts "n:m:" opt; do
  case "$opt" in
    n) count="$OPTARG" ;;
    m) min_lines="$OPTARG" ;;
    *) echo "usage: $0 [-n COUNT] [-m MIN_LINES] [PATH...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

if ! ctags --version 2>/dev/null | grep -q 'Universal Ctags'; then
  echo "$0: needs Universal Ctags (Debian: universal-ctags)" >&2
  exit 2
fi

cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
if [[ $# -eq 0 ]]; then
  set -- .
fi
git ls-files -z -- "$@" | grep -z -E '\.(cc|h)$' |
  xargs -0 ctags --languages=C++ --kinds-C++=f --fields=+ne --extras=-F -o - 2>/dev/null |
  awk -F'\t' -v min="$min_lines" '
    $1 ~ /^__anon/ { next }
    {
      line = ""; end = ""; scope = ""
      for (i = 4; i <= NF; i++) {
        if ($i ~ /^line:/) { line = substr($i, 6) }
        else if ($i ~ /^end:/) { end = substr($i, 5) }
        else if ($i ~ /^(class|struct|namespace):/) { scope = substr($i, index($i, ":") + 1) }
      }
      if (line == "" || end == "") { next }
      n = end - line + 1
      if (n < min) { next }
      name = $1
      if (scope != "") {
        sub(/^xrayd::/, "", scope)
        gsub(/__anon[0-9a-f]+/, "(anon)", scope)
        name = scope "::" $1
      }
      printf "%5d  %s:%s  %s\n", n, $2, line, name
    }' |
  sort -k1,1nr -k2,2 | head -n "$count"
