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

# Debian's chromium for the browser test (tests/e2e/api_security.test.js, driven by puppeteer-core,
# which never downloads a browser here: PUPPETEER_SKIP_DOWNLOAD), installed only when missing.
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
  echo "install-e2e-deps: installing chromium"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium
fi
export PUPPETEER_SKIP_DOWNLOAD=1

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
