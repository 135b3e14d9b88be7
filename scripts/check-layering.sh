#!/usr/bin/env bash
# Include directions between the libraries and between the rooms of daemon/ (see
# daemon/CMakeLists.txt): proto <- storage <- query <- daemon, and inside daemon/
#   core <- net <- aws;  core <- ingest <- api;  {api, aws} <- forward <- daemon/ <- cli
#   {api, ingest} <- otlp <- daemon/;  forward <- otlp_export <- daemon/
#   api <- console <- daemon/
# Only daemon/ includes Asio, Beast or spdlog. No CMake file globs sources, no build or test file
# reads outside the repository. Prints each violation; exits 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

# fail WHY HITS: reports HITS (grep output) under WHY when there are any.
fail() {
  if [[ -n "$2" ]]; then
    echo "layering: $1"
    echo "$2"
    status=1
  fi
}

# check DIR PATTERN WHY: no file of DIR (recursively) has a line matching PATTERN.
check() {
  fail "$3" "$(grep -rnE "$2" "$1" --include='*.h' --include='*.cc' || true)"
}

for dir in proto storage query; do
  check "$dir" '#include <(boost/asio|boost/beast|spdlog)' "$dir/ must not include Asio, Beast or spdlog"
done
check proto '#include "(storage|query|daemon)/' "proto/ depends on nothing of ours"
check storage '#include "(query|daemon)/' "storage/ depends only on proto/"
check query '#include "daemon/' "query/ must not depend on daemon/"

# Rooms of daemon/: what each may include of daemon/ (besides itself).
declare -A allowed=(
  [core]=""
  [net]="core"
  [aws]="net|core"
  [ingest]="core"
  [api]="ingest|core"
  [forward]="api|aws|net|core"
  [alarms]="api|net|core"
  # The OTLP receiver registers a route (api/) and feeds the ingest queue (ingest/).
  [otlp]="api|ingest|core"
  # The OTLP export is a second Forwarder (forward/) with its own sender: SigV4 (aws/), HTTP (net/).
  [otlp_export]="forward|api|aws|net|core"
  # The console serves embedded files and the live tail on the API's router (api/); its tail thread
  # takes the queries' priority (core/).
  [console]="api|core"
)
for room in "${!allowed[@]}"; do
  ok="$room${allowed[$room]:+|${allowed[$room]}}"
  fail "daemon/$room/ may include only daemon/{${ok//|/,}}/" \
    "$(grep -rnE '#include "daemon/' "daemon/$room" --include='*.h' --include='*.cc' |
       grep -vE "#include \"daemon/($ok)/" || true)"
done
fail "daemon/ must not include cli/ (only main.cc may)" \
  "$(grep -nE '#include "daemon/cli/' daemon/*.h daemon/*.cc | grep -v '^daemon/main.cc:' || true)"
for room in "${!allowed[@]}"; do
  fail "daemon/$room/ must not include cli/" \
    "$(grep -rnE '#include "daemon/cli/' "daemon/$room" || true)"
done

fail "CMake files list their sources; no file(GLOB)" \
  "$(grep -rn --include=CMakeLists.txt --include='*.cmake' -E 'file\((GLOB|GLOB_RECURSE)' \
       CMakeLists.txt proto storage query daemon tests bench scripts 2>/dev/null || true)"
# The folder beside the repository that must never be read, spelled in pieces so this file does not
# match its own search.
outside="\\.\\./"'shared'
fail "the repository stands alone: nothing reads the folder beside it" \
  "$(grep -rnE "$outside" --include=CMakeLists.txt --include='*.cmake' --include='*.cc' \
       --include='*.h' --include='*.js' --include='*.sh' --include=Makefile \
       --exclude-dir=node_modules . 2>/dev/null | grep -v '^./build' | grep -v check-layering.sh || true)"

if [[ $status -eq 0 ]]; then
  echo "layering: ok"
fi
exit $status
