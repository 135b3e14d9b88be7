#!/usr/bin/env bash
# Installs the pinned npm packages of the end-to-end tests (tests/e2e/package-lock.json) with `npm ci`,
# only when tests/e2e/node_modules is missing or older than package-lock.json (idempotent).
# Called by `make e2e-deps`. Needs network access to the npm registry only when it installs.
set -euo pipefail

e2e_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/e2e" && pwd)"
lock="$e2e_dir/package-lock.json"
modules="$e2e_dir/node_modules"
# npm ci rewrites this file on every install: a reliable "installed at" stamp.
stamp="$modules/.package-lock.json"

if ! command -v npm >/dev/null 2>&1; then
  echo "install-e2e-deps: npm not found (run 'make deps')" >&2
  exit 1
fi

if [[ -f "$stamp" && ! "$lock" -nt "$stamp" ]]; then
  echo "install-e2e-deps: tests/e2e/node_modules up to date"
  exit 0
fi

if [[ -d "$modules" ]]; then
  echo "install-e2e-deps: package-lock.json changed, reinstalling tests/e2e/node_modules (npm ci)"
else
  echo "install-e2e-deps: installing tests/e2e/node_modules (npm ci)"
fi
cd "$e2e_dir"
npm ci --no-audit --no-fund --loglevel=error
echo "install-e2e-deps: done ($(node -p "Object.keys(require('./package.json').dependencies).join(', ')"))"
