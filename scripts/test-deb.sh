#!/usr/bin/env bash
# `make test-deb`: builds the package (scripts/build-deb.sh) and checks it:
#   1. lintian reports no errors (every tag is printed);
#   2. systemd-analyze verify accepts the unit (and `systemd-analyze security` scores it);
#   3. in a container of the Debian 12 base (scripts/image-base.sh), `apt-get install ./xrayd.deb`
#      pulls its dependencies from the mirror; then, in a container without network (own loopback):
#      `xrayd --version`, the system user, the conffile, the daemon started as the unit starts it
#      (user xrayd, -c /etc/xrayd/cfg.yaml) turns healthy, stores a UDP segment, logs to
#      /var/log/xrayd, stops with exit 0 on SIGTERM; reinstall (upgrade) and remove keep the store
#      and the user, purge deletes the store. systemd itself does not run in the container.
# Every wait polls its condition with a deadline.
#   SKIP_BUILD=1  test the existing package   RELEASE_BUILD_DIR=dir  (default build-release)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${RELEASE_BUILD_DIR:-build-release}
NETWORK=${BUILD_NETWORK:-}   # of the install container (apt), as in scripts/build-image.sh

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  bash scripts/build-deb.sh
fi
deb=$(realpath "$(ls -t "$BUILD_DIR"/xrayd_*_"$(dpkg --print-architecture)".deb | head -1)")
echo "test-deb: $deb"

source scripts/podman-env.sh
ensure_packages lintian systemd

# 1. lintian
lintian --fail-on error "$deb" || { echo "test-deb: FAIL: lintian errors" >&2; exit 1; }
echo "test-deb: ok: lintian (no errors; tags above, if any)"

# 2. systemd-analyze, on the package's files unpacked in a scratch root.
root=$(mktemp -d)
name=xrayd-deb-test-$$
image=localhost/xrayd-deb-test:$$
cleanup() {
  rm -rf "$root"
  podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
  podman rmi -f "$image" >/dev/null 2>&1 || true
}
trap cleanup EXIT
dpkg-deb -x "$deb" "$root"
# The host's units too (sysinit.target...), without replacing the package's.
cp -an /lib/systemd/system/. "$root/lib/systemd/system/"
unit=$root/lib/systemd/system/xrayd.service
verify=$(systemd-analyze verify --root="$root" "$unit" 2>&1) ||
  { echo "$verify" >&2; echo "test-deb: FAIL: systemd-analyze verify" >&2; exit 1; }
[[ -z "$verify" ]] || { echo "$verify" >&2; echo "test-deb: FAIL: systemd-analyze verify warns" >&2; exit 1; }
echo "test-deb: ok: systemd-analyze verify xrayd.service"
if exposure=$(systemd-analyze security --offline=true --root="$root" "$unit" 2>/dev/null | tail -1); then
  echo "test-deb: systemd-analyze security: ${exposure#→ }"
fi

# 3. Install into the Debian 12 base, then check without network.
bash scripts/image-base.sh
podman run --name "$name" ${NETWORK:+--network "$NETWORK"} -v "$deb:/tmp/xrayd.deb:ro" \
  docker.io/library/debian:12 sh -c 'apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/xrayd.deb >/tmp/apt.log 2>&1 ||
    { cat /tmp/apt.log; exit 1; }'
podman commit -q "$name" "$image" >/dev/null
podman rm "$name" >/dev/null
echo "test-deb: ok: apt-get install ./$(basename "$deb") into debian:12"

podman run --rm --network none -v "$deb:/tmp/xrayd.deb:ro" "$image" bash -euo pipefail -c '
fail() { echo "test-deb: FAIL: $*" >&2; tail -20 /var/log/xrayd/xrayd.log >&2 2>/dev/null || true; exit 1; }
pass() { echo "test-deb: ok: $*"; }
until_ok() {  # DEADLINE_SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.2; done
}
as_xrayd() { setpriv --reuid xrayd --regid xrayd --init-groups -- "$@"; }

version=$(xrayd --version)
[[ "$version" == "xrayd 0.1.0"* ]] || fail "xrayd --version: $version"
pass "xrayd --version: $version"

IFS=: read -r _ _ uid _ _ home shell < <(getent passwd xrayd) || fail "no user xrayd"
((uid < 1000)) || fail "xrayd uid $uid is not a system uid"
[[ $home == /var/lib/xrayd && $shell == /usr/sbin/nologin ]] || fail "xrayd home $home shell $shell"
[[ $(stat -c %U:%a /var/lib/xrayd) == xrayd:750 ]] || fail "/var/lib/xrayd: $(stat -c %U:%a /var/lib/xrayd)"
dpkg-query -W -f="\${Conffiles}\n" xrayd | grep -q "^ /etc/xrayd/cfg.yaml " || fail "cfg.yaml not a conffile"
pass "system user xrayd (uid $uid), /var/lib/xrayd 0750, /etc/xrayd/cfg.yaml conffile"

# As the unit runs it: user xrayd, the conffile (store /var/lib/xrayd, log /var/log/xrayd).
# setpriv execs xrayd: $! is the daemon itself.
setpriv --reuid xrayd --regid xrayd --init-groups -- /usr/bin/xrayd -c /etc/xrayd/cfg.yaml &
pid=$!
until_ok 30 xrayd health >/dev/null 2>&1 || fail "not healthy within 30 s"
pass "daemon as user xrayd with /etc/xrayd/cfg.yaml: xrayd health"
trace=1-$(printf %08x "$(date +%s)")-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d " \n")
now=$(date +%s.%N | cut -c1-14)
doc="{\"trace_id\":\"$trace\",\"id\":\"$(head -c 8 /dev/urandom | od -An -tx1 | tr -d " \n")\",\"name\":\"deb-test\",\"start_time\":$now,\"end_time\":$now}"
cat <<<$'"'"'{"format": "json", "version": 1}\n'"'"'"$doc" >/dev/udp/127.0.0.1/2000
stored() { as_xrayd xrayd traces show "$trace" --color never --data-dir /var/lib/xrayd >/dev/null 2>&1; }
until_ok 20 stored || fail "segment $trace not stored"
pass "UDP segment stored in /var/lib/xrayd ($trace)"
grep -q "listening" /var/log/xrayd/xrayd.log || fail "no start-up line in /var/log/xrayd/xrayd.log"
pass "logs to /var/log/xrayd/xrayd.log"
kill -TERM "$pid"
code=0; wait "$pid" || code=$?
((code == 0)) || fail "exit $code after SIGTERM"
pass "SIGTERM: exit 0"

dpkg -i /tmp/xrayd.deb >/dev/null 2>&1 || fail "reinstall (upgrade path) failed"
stored || fail "upgrade lost the store"
pass "reinstall (postinst configure with the old version) keeps the store"
apt-get remove -y -qq xrayd >/dev/null 2>&1 || fail "remove failed"
[[ -f /var/lib/xrayd/traces.db && -f /etc/xrayd/cfg.yaml ]] || fail "remove deleted the store or the conffile"
getent passwd xrayd >/dev/null || fail "remove deleted the user"
pass "remove keeps /var/lib/xrayd, the conffile and the user"
dpkg --purge xrayd >/dev/null 2>&1 || fail "purge failed"
[[ ! -e /var/lib/xrayd && ! -e /etc/xrayd/cfg.yaml ]] || fail "purge left the store or the conffile"
pass "purge deletes /var/lib/xrayd, /var/log/xrayd and the conffile"
'
echo "test-deb: PASS ($deb)"
