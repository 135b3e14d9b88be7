#!/usr/bin/env bash
# Makes sure the Dockerfile's base images, debian:12 and debian:12-slim, are in podman's store.
# Present: nothing to do. Else pulled from Docker Hub when it answers. Else (no registry reachable,
# as on this project's build machines) built from Debian's packages: debootstrap --variant=minbase
# bookworm from the mirror apt already uses, cached as a tarball under .cache/debian-base/,
# imported and tagged docker.io/library/debian:12 and :12-slim (the slim tag without docs, man
# pages and locales, as Debian's slim image). Needs root for debootstrap (only the first time).
#   XRAYD_LOCAL_BASE=1   skip the pull attempt and use the local debootstrap base
#   DEBIAN_MIRROR=URL    mirror for debootstrap (default: apt's bookworm source)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/podman-env.sh

tags=(docker.io/library/debian:12 docker.io/library/debian:12-slim)
missing=()
for tag in "${tags[@]}"; do
  podman image exists "$tag" || missing+=("$tag")
done
if ((${#missing[@]} == 0)); then
  echo "image-base: ${tags[*]} present"
  exit 0
fi

if [[ "${XRAYD_LOCAL_BASE:-0}" != 1 ]]; then
  pulled=1
  for tag in "${missing[@]}"; do
    echo "image-base: pulling $tag"
    if ! timeout 120 podman pull -q "$tag" >/dev/null 2>&1; then
      pulled=0
      break
    fi
  done
  if ((pulled)); then
    exit 0
  fi
  echo "image-base: no registry reachable; building the base from Debian packages"
fi

cache=.cache/debian-base
full_tar=$cache/bookworm-minbase.tar
slim_tar=$cache/bookworm-minbase-slim.tar
mkdir -p "$cache"

if [[ ! -s "$full_tar" || ! -s "$slim_tar" ]]; then
  command -v debootstrap >/dev/null || { echo "image-base: needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
  [[ $(id -u) -eq 0 ]] || { echo "image-base: debootstrap needs root" >&2; exit 1; }
  mirror=${DEBIAN_MIRROR:-$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
    awk '$2 == "bookworm" { print $1; exit }')}
  mirror=${mirror:-http://deb.debian.org/debian/}
  security=${mirror%/}
  security=${security%/debian}/debian-security
  rootfs=$(mktemp -d "$PWD/$cache/rootfs.XXXXXX")
  trap 'rm -rf "$rootfs"' EXIT
  echo "image-base: debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  # The sources of Debian's own image: the release, its updates and the security archive.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${mirror}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${security}
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # As in Debian's image: no downloaded packages or lists kept in layers.
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::GzipIndexes "true";' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'APT::AutoRemove::SuggestsImportant "false";' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/*
  : >"$rootfs/etc/hostname"
  tar --numeric-owner -C "$rootfs" -cf "$full_tar.tmp" . && mv "$full_tar.tmp" "$full_tar"
  # Slim: what Debian's slim variant leaves out, and a dpkg filter so later installs leave it out.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/groff/*
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/lintian/* \
    "$rootfs"/usr/share/groff/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  tar --numeric-owner -C "$rootfs" -cf "$slim_tar.tmp" . && mv "$slim_tar.tmp" "$slim_tar"
fi

import() {  # tarball, tag
  local id
  id=$(podman import --change 'CMD ["bash"]' "$1" "localhost/debian:$2-local")
  podman tag "$id" "docker.io/library/debian:$2"
  echo "image-base: docker.io/library/debian:$2 <- $1 (local debootstrap base)"
}
import "$full_tar" 12
import "$slim_tar" 12-slim
