# Sourced by the image and package scripts (from the repository root).
# ensure_packages PKG...: installs the Debian packages missing (as scripts/install-deps.sh does).
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "installing ${missing[*]}"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
ensure_packages podman runc debootstrap

# The podman set-up that works on this project's machines (cgroup v1, no systemd as PID 1); a
# CONTAINERS_CONF of the user's is kept. default_ulimits empty: without it every container fails
# here with "error setting rlimit type 7 (nofile): operation not permitted". runc, not crun: crun
# fails here on rlimits and hybrid cgroups. cgroupfs: systemd is not PID 1.
if [[ -z "${CONTAINERS_CONF:-}" ]]; then
  mkdir -p .cache/podman
  CONTAINERS_CONF=$PWD/.cache/podman/containers.conf
  if [[ ! -s "$CONTAINERS_CONF" ]]; then
    printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\n' \
      >"$CONTAINERS_CONF"
  fi
  export CONTAINERS_CONF
fi
