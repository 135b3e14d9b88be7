#!/usr/bin/env bash
# `make deb`: builds xrayd in a Release build dir and packs it with dpkg-deb into
# $BUILD_DIR/xrayd_<version>_<arch>.deb, from the files in packaging/deb/:
#   /usr/bin/xrayd                      stripped Release binary
#   /etc/xrayd/cfg.yaml                 conffile: config/cfg.yaml with the store in /var/lib/xrayd
#                                       and the log in /var/log/xrayd/xrayd.log
#   /lib/systemd/system/xrayd.service   the unit (system user xrayd, hardened)
#   /usr/share/doc/xrayd/               copyright, changelog.gz (native package: no .Debian)
#   DEBIAN/                             control (Depends from dpkg-shlibdeps), conffiles, md5sums,
#                                       postinst/prerm/postrm (user, service, data kept on remove)
# The version is the one `xrayd --version` prints. Installs dpkg-dev (dpkg-shlibdeps) if missing.
#   RELEASE_BUILD_DIR=dir   Release build dir (default build-release)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${RELEASE_BUILD_DIR:-build-release}
JOBS=${JOBS:-$(nproc)}
if ! command -v dpkg-shlibdeps >/dev/null; then
  echo "build-deb: installing dpkg-dev (dpkg-shlibdeps)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dpkg-dev
fi

if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
    -DXRAYD_BUILD_TESTS=OFF -DXRAYD_BUILD_BENCH=OFF
fi
cmake --build "$BUILD_DIR" -j "$JOBS" --target xrayd
binary=$BUILD_DIR/daemon/xrayd

version_line=$("$binary" --version)
version=$(awk 'NR == 1 { print $2 }' <<<"$version_line")
[[ "$version" =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || { echo "build-deb: no version in '$version_line'" >&2; exit 1; }
arch=$(dpkg --print-architecture)
package=xrayd_${version}_${arch}
stage=$BUILD_DIR/deb/$package
deb=$BUILD_DIR/$package.deb
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

rm -rf "$stage"
install -d -m 0755 "$stage/DEBIAN" "$stage/usr/bin" "$stage/etc/xrayd" "$stage/lib/systemd/system" \
  "$stage/usr/share/doc/xrayd"
install -m 0755 "$binary" "$stage/usr/bin/xrayd"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/xrayd"

# The conffile: the annotated sample, with the service's store and log file.
sed -e 's|^  # DataDir: /var/lib/xrayd$|  DataDir: /var/lib/xrayd|' \
    -e 's|^  LogPath: ""$|  LogPath: "/var/log/xrayd/xrayd.log"|' \
    config/cfg.yaml >"$stage/etc/xrayd/cfg.yaml"
chmod 0644 "$stage/etc/xrayd/cfg.yaml"
config=$("$binary" -c "$stage/etc/xrayd/cfg.yaml" --print-config)
for want in 'data_dir +/var/lib/xrayd +config' 'log_file +/var/log/xrayd/xrayd.log +config' \
            'udp_address +127.0.0.1:2000' 'tcp_address +127.0.0.1:2000'; do
  grep -Eq "^$want" <<<"$config" || { echo "build-deb: cfg.yaml: no '$want' in:" >&2; echo "$config" >&2; exit 1; }
done

install -m 0644 packaging/deb/xrayd.service "$stage/lib/systemd/system/xrayd.service"
install -m 0644 packaging/deb/copyright "$stage/usr/share/doc/xrayd/copyright"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
maintainer=$(sed -n 's/^Maintainer: //p' packaging/deb/control.in)
{
  printf 'xrayd (%s) unstable; urgency=medium\n\n' "$version"
  printf '  * Built from commit %s.\n\n' "$commit"
  printf ' -- %s  %s\n' "$maintainer" "$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$stage/usr/share/doc/xrayd/changelog.gz"

for script in postinst prerm postrm; do
  install -m 0755 "packaging/deb/$script" "$stage/DEBIAN/$script"
done
install -m 0644 packaging/deb/conffiles "$stage/DEBIAN/conffiles"

# Depends: the libraries the binary links, with the versions Debian's shlibs files give.
shlibs_dir=$(mktemp -d)
trap 'rm -rf "$shlibs_dir"' EXIT
mkdir -p "$shlibs_dir/debian"
printf 'Source: xrayd\n\nPackage: xrayd\nArchitecture: any\n' >"$shlibs_dir/debian/control"
binary_abs=$(realpath "$stage/usr/bin/xrayd")
depends=$(cd "$shlibs_dir" && dpkg-shlibdeps -O -e"$binary_abs" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[[ -n "$depends" ]] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@INSTALLED_SIZE@|$installed_size|" \
    -e "s|@DEPENDS@|$depends|" packaging/deb/control.in >"$stage/DEBIAN/control"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
  xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums"
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "build-deb: $deb ($(du -k "$deb" | cut -f1) KiB): $version_line"
echo "build-deb: Depends: $depends, adduser"
