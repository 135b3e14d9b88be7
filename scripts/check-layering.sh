#!/usr/bin/env bash
# Layering rules of STYLE.md §2: dependencies point one way (proto <- storage <- query <- daemon), and
# only daemon/ includes Asio, Beast or spdlog. Prints each violation; exits 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
check() {  # check DIR PATTERN WHY
  local hits
  hits=$(grep -rnE "$2" "$1" --include='*.h' --include='*.cc' || true)
  if [[ -n "$hits" ]]; then
    echo "layering: $3"
    echo "$hits"
    status=1
  fi
}
for dir in proto storage query; do
  check "$dir" '#include <(boost/asio|boost/beast|spdlog)' "$dir/ must not include Asio, Beast or spdlog"
done
check proto '#include "(storage|query|daemon)/' "proto/ depends on nothing of ours"
check storage '#include "(query|daemon)/' "storage/ depends only on proto/"
check query '#include "daemon/' "query/ must not depend on daemon/"
if [[ $status -eq 0 ]]; then
  echo "layering: ok"
fi
exit $status
